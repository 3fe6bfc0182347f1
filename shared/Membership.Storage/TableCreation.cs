using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace Membership.Storage;

/// <summary>
/// Creates tables with one REST call each (<c>POST /Tables</c>). The SDK's own create serialises its body with
/// reflection-based System.Text.Json, which Native AOT removes; entity operations have no such problem. Authenticates
/// as the store does: SharedKeyLite from a connection string (Azurite), or a bearer token from Azure.Identity.
/// </summary>
internal sealed class TableCreation(Uri tableEndpoint, string? accountName, byte[]? accountKey, TokenCredential? credential, TimeSpan timeout)
{
    private const string ApiVersion = "2019-02-02";

    public static TableCreation FromOptions(StorageOptions options, TokenCredential? credential)
    {
        if (options.TableServiceUri is { } uri)
        {
            return new TableCreation(uri, null, null, credential, options.NetworkTimeout);
        }

        var parts = options.ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            parts["AccountName"] = "devstoreaccount1";
            parts["AccountKey"] = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
            parts["TableEndpoint"] = "http://127.0.0.1:10002/devstoreaccount1";
        }

        var account = parts.GetValueOrDefault("AccountName") ?? throw new ArgumentException("The storage connection string has no AccountName");
        var key = Convert.FromBase64String(parts.GetValueOrDefault("AccountKey") ?? throw new ArgumentException("The storage connection string has no AccountKey"));
        var endpoint = parts.TryGetValue("TableEndpoint", out var explicitEndpoint)
            ? new Uri(explicitEndpoint)
            : new Uri($"{parts.GetValueOrDefault("DefaultEndpointsProtocol", "https")}://{account}.table.{parts.GetValueOrDefault("EndpointSuffix", "core.windows.net")}");
        return new TableCreation(endpoint, account, key, null, options.NetworkTimeout);
    }

    /// <summary>Creates the table unless it exists (201 and 409 are both success).</summary>
    public async Task CreateIfNotExistsAsync(HttpClient http, string table, CancellationToken cancellationToken)
    {
        var uri = new Uri(tableEndpoint.AbsoluteUri.TrimEnd('/') + "/Tables");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent($"{{\"TableName\":\"{table}\"}}", Encoding.UTF8, "application/json"),
        };
        var date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        request.Headers.Add("x-ms-date", date);
        request.Headers.Add("x-ms-version", ApiVersion);
        request.Headers.Add("DataServiceVersion", "3.0");
        request.Headers.Add("Prefer", "return-no-content");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json") { Parameters = { new NameValueHeaderValue("odata", "nometadata") } });
        request.Headers.Authorization = await AuthorizeAsync(uri, date, cancellationToken);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var response = await http.SendAsync(request, timeoutSource.Token);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new StorageUnavailableException($"Creating table {table} answered {(int)response.StatusCode}");
        }
    }

    private async Task<AuthenticationHeaderValue> AuthorizeAsync(Uri uri, string date, CancellationToken cancellationToken)
    {
        if (credential is not null)
        {
            var token = await credential.GetTokenAsync(new TokenRequestContext(["https://storage.azure.com/.default"]), cancellationToken);
            return new AuthenticationHeaderValue("Bearer", token.Token);
        }

        // SharedKeyLite for the Table service: HMAC-SHA256 over "date\n/account/path".
        var stringToSign = $"{date}\n/{accountName}{uri.AbsolutePath}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accountKey!, Encoding.UTF8.GetBytes(stringToSign)));
        return new AuthenticationHeaderValue("SharedKeyLite", $"{accountName}:{signature}");
    }
}
