using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>
/// What every client-server function starts with: the access token (<c>Authorization: Bearer</c>, or the deprecated
/// <c>access_token</c> query parameter), then, for writes, one from the token's <see cref="ClientRateLimiter"/>
/// budget, then the body read as the function's type.
/// </summary>
internal sealed class ClientRequests(TokenService tokens, ClientRateLimiter limiter)
{
    /// <summary>A PDU is at most 65536 bytes, so no membership request needs a larger body.</summary>
    public const int MaxBodyBytes = 65536;

    /// <summary>The route prefix of the client-server API: v3 is current; r0 is still called by Complement and older clients.</summary>
    public const string Prefix = "_matrix/client/{version:regex(^(v3|r0)$)}/";

    public async Task<UserId> AuthenticateAsync(HttpRequest request)
    {
        var headers = request.Headers.Authorization;
        var query = request.Query["access_token"];
        if (headers.Count > 1 || query.Count > 1 || (headers.Count == 1 && query.Count == 1))
        {
            // As Synapse: several credentials are refused rather than guessed between.
            throw new MatrixException(ErrorCode.MissingToken, "Provide exactly one access token, in the Authorization header or the access_token parameter");
        }

        string? token = null;
        if (headers.Count == 1)
        {
            var header = headers[0] ?? string.Empty;
            token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? header[7..].Trim()
                : throw new MatrixException(ErrorCode.MissingToken, "The Authorization header must use the Bearer scheme");
        }
        else if (query.Count == 1)
        {
            token = query[0];
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new MatrixException(ErrorCode.MissingToken, "Missing access token");
        }

        var user = await tokens.AuthenticateAsync(token, request.HttpContext.RequestAborted)
            ?? throw new MatrixException(ErrorCode.UnknownToken, "Unrecognised access token");

        // Writes are limited per access token, once it is known to be one (429 M_LIMIT_EXCEEDED).
        limiter.ThrowIfLimited(request.HttpContext, token);
        return user;
    }

    /// <summary>The caller, then the body as <typeparamref name="TBody"/> (an empty body is <c>{}</c>) and the object it came from.</summary>
    [RequestBody]
    public async Task<ClientCall<TBody>> ReadAsync<TBody>(HttpRequest request)
    {
        var user = await AuthenticateAsync(request);
        var (body, raw) = await JsonBodyReader.ReadAsync<TBody>(request, MaxBodyBytes, MatrixFieldErrors.Instance, Wire.Matrix, emptyIsObject: true);
        return new ClientCall<TBody>(user, body, raw);
    }

    /// <summary>The caller, the room of the path, then the body (the order errors are reported in).</summary>
    [RequestBody]
    public async Task<RoomCall<TBody>> ReadInRoomAsync<TBody>(HttpRequest request)
    {
        var user = await AuthenticateAsync(request);
        var room = request.RoomId();
        var (body, raw) = await JsonBodyReader.ReadAsync<TBody>(request, MaxBodyBytes, MatrixFieldErrors.Instance, Wire.Matrix, emptyIsObject: true);
        return new RoomCall<TBody>(user, room, body, raw);
    }
}

/// <summary>An authenticated client call: who, and what they sent.</summary>
internal sealed record ClientCall<TBody>(UserId User, TBody Body, JsonObject Raw);

/// <summary>An authenticated client call about the room of its path.</summary>
internal sealed record RoomCall<TBody>(UserId User, RoomId Room, TBody Body, JsonObject Raw);

/// <summary>Route parameters as typed values, parsed once at the edge.</summary>
internal static class ClientRoute
{
    public static string Text(this HttpRequest request, string name) =>
        (request.HttpContext.Features.Get<RouteArguments>() ?? throw new InvalidOperationException("Route arguments are set by SurfacePipeline"))[name];

    public static RoomId RoomId(this HttpRequest request, string name = "roomId") =>
        Core.Identifiers.RoomId.TryParse(request.Text(name), out var room, out var error) ? room : throw MatrixException.InvalidParam(error);
}
