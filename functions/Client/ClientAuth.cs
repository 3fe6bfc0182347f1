using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>
/// Matrix access tokens: <c>Authorization: Bearer</c>, or the deprecated <c>access_token</c> query parameter. Writes
/// (POST, PUT) then take one from the token's <see cref="ClientRateLimiter"/> budget.
/// </summary>
internal static class ClientAuth
{
    public static async Task<UserId> RequireUserAsync(HttpContext http)
    {
        var headers = http.Request.Headers.Authorization;
        var query = http.Request.Query["access_token"];
        if (headers.Count > 1 || query.Count > 1 || (headers.Count == 1 && query.Count == 1))
        {
            // As Synapse: several credentials are refused rather than guessed between.
            throw new MatrixException(ErrorCode.MissingToken, "Provide exactly one access token, in the Authorization header or the access_token parameter");
        }

        string? token = null;
        if (headers.Count == 1)
        {
            var header = headers[0] ?? string.Empty;
            token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
            if (token is null)
            {
                throw new MatrixException(ErrorCode.MissingToken, "The Authorization header must use the Bearer scheme");
            }
        }
        else if (query.Count == 1)
        {
            token = query[0];
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new MatrixException(ErrorCode.MissingToken, "Missing access token");
        }

        var user = await http.RequestServices.GetRequiredService<TokenService>().AuthenticateAsync(token, http.RequestAborted)
            ?? throw new MatrixException(ErrorCode.UnknownToken, "Unrecognised access token");

        // Writes are limited per access token, once it is known to be one (429 M_LIMIT_EXCEEDED).
        http.RequestServices.GetRequiredService<ClientRateLimiter>().ThrowIfLimited(http, token);
        return user;
    }
}
