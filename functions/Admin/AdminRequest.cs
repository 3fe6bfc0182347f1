using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Functions.Hosting;
using Membership.Protocols;
using Microsoft.Extensions.Options;

namespace Membership.Functions.Admin;

/// <summary>
/// The admin request pipeline, run by every admin command: query parameters (sdkappid, identifier, usersig, random,
/// contenttype), the UserSig, the App-admin check, the per-command rate limit, then the JSON body. Each failure has
/// its own Tencent code.
/// </summary>
internal static class AdminRequest
{
    private const int MaxBodyBytes = 1 << 20;

    /// <summary>Authenticates the caller and returns the body; the command then does its work.</summary>
    public static async Task<(string Identifier, JsonObject Body)> ReadAsync(HttpContext http, TimeProvider clock)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<TencentOptions>>().Value;
        var query = http.Request.Query;
        var sdkAppIdText = query["sdkappid"].ToString();
        if (sdkAppIdText.Length == 0)
        {
            throw new TencentException(TencentCodes.MissingSdkAppId, "sdkappid is missing from the URL");
        }

        if (!long.TryParse(sdkAppIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var sdkAppId) || sdkAppId != options.SdkAppId)
        {
            throw new TencentException(TencentCodes.InvalidSdkAppId, $"sdkappid {sdkAppIdText} is not this App's SDKAppID");
        }

        var identifier = query["identifier"].ToString();
        if (identifier.Length == 0)
        {
            throw new TencentException(TencentCodes.BadCredentials, "identifier is missing from the URL");
        }

        var userSig = query["usersig"].ToString();
        if (userSig.Length == 0)
        {
            throw new TencentException(TencentCodes.UserSigEmpty, "usersig is empty");
        }

        if (!uint.TryParse(query["random"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new TencentException(TencentCodes.BadHttpRequest, "random must be a 32-bit unsigned integer");
        }

        if (query["contenttype"].ToString() != "json")
        {
            throw new TencentException(TencentCodes.BadHttpRequest, "contenttype must be json");
        }

        var check = UserSig.Verify(userSig, sdkAppId, options.SecretKey, identifier, clock.GetUtcNow().ToUnixTimeSeconds());
        if (!check.IsValid)
        {
            throw new TencentException(check.TencentErrorCode, $"UserSig verification failed: {check.Outcome}");
        }

        if (!options.EffectiveAdmins.Contains(identifier, StringComparer.Ordinal))
        {
            throw new TencentException(TencentCodes.NotAnAdmin, $"{identifier} is not an App administrator; admin commands need an App admin identifier");
        }

        // Per App and command, as Tencent limits every command (the route stands for the command: a bounded set).
        var command = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.TrimStart('/') ?? http.Request.Path.Value ?? string.Empty;
        var limiter = http.RequestServices.GetRequiredService<AdminRateLimiter>();
        if (!limiter.TryAcquire(sdkAppId, command))
        {
            throw new TencentException(TencentCodes.RateLimited, $"Too many calls of {command}: the limit is {limiter.PerSecond} a second per App and command; slow down");
        }

        var bytes = await JsonBody.ReadBytesAsync(http, MaxBodyBytes) ?? throw new TencentException(TencentCodes.BadJson, $"The body is larger than {MaxBodyBytes} bytes");
        if (bytes.Length == 0)
        {
            throw new TencentException(TencentCodes.BadJson, "The body is empty; send {} when a command needs no fields");
        }

        // JsonNode checks the UTF-8 inside strings only when they are read, so check the whole body first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new TencentException(TencentCodes.BadJson, "The body is not valid UTF-8");
        }

        try
        {
            var node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 64 });
            if (!JsonBody.StringsAreUnicode(bytes))
            {
                throw new TencentException(TencentCodes.BadJson, "The body holds a string with an unpaired surrogate escape (such as \\ud800)");
            }

            return node is JsonObject body
                ? (identifier, body)
                : throw new TencentException(TencentCodes.BadJson, "The body must be a JSON object");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new TencentException(TencentCodes.BadJson, "The body is not valid JSON");
        }
    }
}
