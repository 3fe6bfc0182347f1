using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Service;

namespace Membership.Functions.Admin.IssueToken;

/// <summary>
/// POST /v4/membership_admin/issue_token — the operator extension that gives Matrix clients access tokens:
/// <c>{"UserId":"alice"}</c> or a full <c>@alice:server</c>; answers the envelope plus AccessToken, UserId, ExpiresInSeconds.
/// </summary>
internal static class IssueToken
{
    public static async Task Handle(HttpContext http)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var (_, body) = await AdminRequest.ReadAsync(http, clock);
        var server = http.RequestServices.GetRequiredService<ServerIdentity>();
        if (body["UserId"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>() is not { Length: > 0 } text)
        {
            throw TencentException.InvalidParameter("UserId must be a non-empty string");
        }

        var id = text.StartsWith('@') ? text : $"@{text}:{server.Name}";
        if (!UserId.TryParse(id, out var user, out var error))
        {
            throw TencentException.InvalidParameter($"UserId: {error}");
        }

        if (!server.IsLocal(user))
        {
            throw TencentException.InvalidParameter($"UserId: {user} is not a user of this server ({server.Name})");
        }

        var (token, expiresAt) = await http.RequestServices.GetRequiredService<TokenService>().IssueAsync(user, http.RequestAborted);
        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["AccessToken"] = token,
            ["UserId"] = user.Value,
            ["ExpiresInSeconds"] = (long)(expiresAt - clock.GetUtcNow()).TotalSeconds,
        });
    }
}
