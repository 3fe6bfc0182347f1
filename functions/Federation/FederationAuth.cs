using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Protocols;
using Membership.Service;
using Membership.Service.Federation;
using Microsoft.AspNetCore.Http.Features;

namespace Membership.Functions.Federation;

/// <summary>
/// Inbound X-Matrix authentication (server-server API "Request Authentication"): the request object is rebuilt from
/// the method, the raw request target as it arrived on the wire, this server's name as destination and the parsed
/// body, and must verify with the origin's current key. Every failure is 401 <c>M_UNAUTHORIZED</c> saying what failed.
/// </summary>
internal static class FederationAuth
{
    /// <summary>An invite with its stripped state is a few KiB; full-PDU stripped state can be more, never this much.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>Reads the JSON body (null when empty) and authenticates the request over it.</summary>
    public static async Task<(ServerName Origin, JsonNode? Body)> AuthenticateAsync(HttpContext http)
    {
        var bytes = await JsonBody.ReadBytesAsync(http, MaxBodyBytes)
            ?? throw new MatrixException(ErrorCode.TooLarge, $"Request body is larger than {MaxBodyBytes} bytes");
        JsonNode? body = null;
        if (!bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            try
            {
                body = JsonNode.Parse(bytes, documentOptions: Options);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
            {
                throw new MatrixException(ErrorCode.NotJson, "Content not JSON.");
            }
        }

        return (await VerifyAsync(http, body), body);
    }

    private static async Task<ServerName> VerifyAsync(HttpContext http, JsonNode? body)
    {
        var header = http.Request.Headers.Authorization.FirstOrDefault(h => h?.TrimStart().StartsWith("X-Matrix", StringComparison.OrdinalIgnoreCase) == true)
            ?? throw Unauthorized("Missing Authorization: X-Matrix header; federation requests must be signed by their origin");
        if (!XMatrix.TryParse(header, out var auth, out var parseError))
        {
            throw Unauthorized($"Malformed X-Matrix header ({parseError})");
        }

        if (!ServerName.TryParse(auth.Origin, out var origin, out var originError))
        {
            throw Unauthorized($"The X-Matrix origin is not a server name: {originError}");
        }

        var self = http.RequestServices.GetRequiredService<ServerIdentity>().Name;
        if (auth.Destination is not null && auth.Destination != self.Value)
        {
            throw Unauthorized($"The request is addressed to '{auth.Destination}', not to this server ({self})");
        }

        var lookup = await http.RequestServices.GetRequiredService<KeyRing>().GetKeysAsync(origin, auth.KeyId, http.RequestAborted);
        if (lookup.Keys is null)
        {
            throw Unauthorized(lookup.Error ?? $"The keys of {origin} are unavailable");
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var key = lookup.Keys.Current(auth.KeyId, now)
            ?? throw Unauthorized($"{origin} publishes no current key {auth.KeyId} (unknown, retired, or past its valid_until_ts)");

        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? string.Empty;
        var check = XMatrix.Verify(auth, http.Request.Method, target, self.Value, body, key.PublicKey);
        return check == XMatrixCheck.Valid
            ? origin
            : throw Unauthorized($"The X-Matrix signature of {origin} does not verify over {http.Request.Method} {target} to {self} ({check})");
    }

    private static MatrixException Unauthorized(string message) => new(ErrorCode.Unauthorized, message);
}
