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
internal sealed class FederationRequests(KeyRing keys, ServerIdentity server, TimeProvider clock, HostingContext hosting)
{
    /// <summary>An invite with its stripped state is a few KiB; full-PDU stripped state can be more, never this much.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The origin of a request without a body (or whose body the function does not read).</summary>
    public async Task<ServerName> AuthenticateAsync(HttpRequest request)
    {
        var (_, body) = await JsonBodyReader.ReadNodeAsync(request, MaxBodyBytes, MatrixFieldErrors.Instance);
        return await VerifyAsync(request, body);
    }

    /// <summary>The origin, then the body (which the signature covers) as <typeparamref name="TBody"/>.</summary>
    [RequestBody]
    public async Task<FederationCall<TBody>> ReadAsync<TBody>(HttpRequest request)
    {
        var (_, node) = await JsonBodyReader.ReadNodeAsync(request, MaxBodyBytes, MatrixFieldErrors.Instance);
        var origin = await VerifyAsync(request, node);
        var body = node as JsonObject ?? throw MatrixException.BadJson("The body must be a JSON object");
        return new FederationCall<TBody>(origin, JsonBodyReader.Bind<TBody>(body, MatrixFieldErrors.Instance, Wire.Matrix));
    }

    private async Task<ServerName> VerifyAsync(HttpRequest request, JsonNode? body)
    {
        var header = request.Headers.Authorization.FirstOrDefault(h => h?.TrimStart().StartsWith("X-Matrix", StringComparison.OrdinalIgnoreCase) == true)
            ?? throw Unauthorized("Missing Authorization: X-Matrix header; federation requests must be signed by their origin");
        if (!XMatrix.TryParse(header, out var auth, out var parseError))
        {
            throw Unauthorized($"Malformed X-Matrix header ({parseError})");
        }

        if (!ServerName.TryParse(auth.Origin, out var origin, out var originError))
        {
            throw Unauthorized($"The X-Matrix origin is not a server name: {originError}");
        }

        var self = server.Name;
        if (auth.Destination is not null && auth.Destination != self.Value)
        {
            throw Unauthorized($"The request is addressed to '{auth.Destination}', not to this server ({self})");
        }

        var lookup = await keys.GetKeysAsync(origin, auth.KeyId, request.HttpContext.RequestAborted);
        if (lookup.Keys is null)
        {
            throw Unauthorized(lookup.Error ?? $"The keys of {origin} are unavailable");
        }

        var key = lookup.Keys.Current(auth.KeyId, clock.GetUtcNow())
            ?? throw Unauthorized($"{origin} publishes no current key {auth.KeyId} (unknown, retired, or past its valid_until_ts)");

        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? string.Empty;
        var check = XMatrix.Verify(auth, request.Method, target, self.Value, body, key.PublicKey);
        if (check == XMatrixCheck.SignatureInvalid && hosting.BehindFunctionsHost)
        {
            // The host re-encoded the path it forwarded; the origin signed it as Matrix servers encode paths.
            check = XMatrix.Verify(auth, request.Method, RouteArguments.MatrixEncodedPath(request.HttpContext) + request.QueryString.Value, self.Value, body, key.PublicKey);
        }

        return check == XMatrixCheck.Valid
            ? origin
            : throw Unauthorized($"The X-Matrix signature of {origin} does not verify over {request.Method} {target} to {self} ({check})");
    }

    private static MatrixException Unauthorized(string message) => new(ErrorCode.Unauthorized, message);
}

/// <summary>An authenticated federation call: the origin server, and what it sent.</summary>
internal sealed record FederationCall<TBody>(ServerName Origin, TBody Body);

/// <summary>
/// Outbound HTTP (bounded), the key ring over the <c>serverkeys</c> table, both sides of the invite, the resident side
/// of joins and leaves, the federation outbox, and the rejection of remote invites.
/// </summary>
internal static class FederationServices
{
    public static IServiceCollection AddFederation(this IServiceCollection services) => services
        .AddSingleton<FederationClient>()
        .AddSingleton<KeyRing>()
        .AddSingleton<EventSignatures>()
        .AddSingleton<InviteReceiver>()
        .AddSingleton<InviteSender>()
        .AddSingleton<FederationOutbox>()
        .AddSingleton<ResidentMembership>()
        .AddSingleton<RoomHistory>()
        .AddSingleton<InviteRejecter>()
        .AddSingleton<FederationRequests>()
        .AddSingleton<OutboundInvite>()
        .AddSingleton<InboundInvites>();
}
