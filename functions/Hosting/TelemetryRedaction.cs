using System.Diagnostics;
using System.Text;
using OpenTelemetry;

namespace Membership.Functions.Hosting;

/// <summary>
/// Keeps credentials out of traced URLs. The admin surface carries its credentials in the query string (usersig with the
/// sdkappid and identifier it is checked against), so every value of a <c>/v4</c> query is redacted; elsewhere the
/// deprecated <c>access_token</c> parameter is. Headers (Authorization: Bearer, X-Matrix) are never recorded.
/// </summary>
internal static class TelemetryRedaction
{
    public const string Redacted = "Redacted";

    /// <summary>The query string (without '?') as telemetry may record it.</summary>
    public static string Query(string path, string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = IsAdminPath(path);
        var redacted = new StringBuilder(query.Length);
        foreach (var part in query.TrimStart('?').Split('&'))
        {
            if (redacted.Length > 0)
            {
                redacted.Append('&');
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            if (all || IsSecret(name))
            {
                redacted.Append(name).Append('=').Append(Redacted);
            }
            else
            {
                redacted.Append(part);
            }
        }

        return redacted.ToString();
    }

    /// <summary>A full URL with its query redacted as <see cref="Query"/> does.</summary>
    public static string Url(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var question = url.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
        {
            return url;
        }

        var path = Uri.TryCreate(url[..question], UriKind.Absolute, out var uri) ? uri.AbsolutePath : url[..question];
        return url[..(question + 1)] + Query(path, url[(question + 1)..]);
    }

    private static bool IsAdminPath(string? path) => path is not null && (path == "/v4" || path.StartsWith("/v4/", StringComparison.Ordinal));

    /// <summary>ASP.NET Core decodes query names and compares them ignoring case, so this does too.</summary>
    private static bool IsSecret(string name) =>
        string.Equals(Uri.UnescapeDataString(name.Replace('+', ' ')), "access_token", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The last word before export: any <c>url.query</c> or <c>url.full</c> tag on any span is redacted.</summary>
internal sealed class TelemetryRedactionProcessor : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetTagItem("url.query") is string query)
        {
            data.SetTag("url.query", TelemetryRedaction.Query(data.GetTagItem("url.path") as string ?? string.Empty, query));
        }

        if (data.GetTagItem("url.full") is string url)
        {
            data.SetTag("url.full", TelemetryRedaction.Url(url));
        }
    }
}
