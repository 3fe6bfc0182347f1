using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// The real app on Kestrel (a free loopback port) against this test class's own in-memory Azurite. Tests talk to it
/// over real HTTP. Each fixture gets a fresh table prefix, so no test class sees another's data.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public const long SdkAppId = 1400000000;
    public const string SecretKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    public const string Admin = "administrator";

    private TestApp? _app;

    public Azurite Storage { get; } = new();

    public Uri BaseAddress => _app!.BaseAddress;

    public HttpClient Http => _app!.Http;

    public IServiceProvider Services => _app!.Services;

    public const string ServerName = "localhost";

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        _app = await TestApp.StartAsync(Storage.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Query string of a signed admin call (UserSig from our library; the interop tests use Tencent's own package).</summary>
    public static string AdminQuery(string identifier = Admin, string? userSig = null) =>
        $"sdkappid={SdkAppId}&identifier={Uri.EscapeDataString(identifier)}&usersig={Uri.EscapeDataString(userSig ?? UserSig.Generate(SdkAppId, SecretKey, identifier, 86400, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))}&random=12345&contenttype=json";

    /// <summary>Issues an access token through the admin command, as an operator would.</summary>
    public async Task<TestUser> UserAsync(string localpart)
    {
        using var response = await Http.PostAsJsonAsync($"/v4/membership_admin/issue_token?{AdminQuery()}", new JsonObject { ["UserId"] = localpart });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>() ?? throw new InvalidOperationException("no body");
        if ((int?)body["ErrorCode"] != 0)
        {
            throw new InvalidOperationException("issue_token failed: " + body.ToJsonString());
        }

        return new TestUser((string)body["UserId"]!, (string)body["AccessToken"]!);
    }

    /// <summary>A request with the user's bearer token.</summary>
    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, TestUser? user = null, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static string Escape(string id) => Uri.EscapeDataString(id);
}

public sealed record TestUser(string UserId, string Token);
