using System.ComponentModel;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Admin.IssueToken;

/// <summary>Issue a Matrix access token for a user of this server.</summary>
/// <remarks>
/// The operator extension that gives Matrix clients access tokens, authenticated like every admin command. The token is
/// stored only as its SHA-256 hash.
/// </remarks>
internal sealed class IssueToken(AdminRequests admin, TokenService tokens)
{
    [Function(nameof(IssueToken))]
    public async Task<TencentOk<IssueTokenReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.MembershipAdmin + "issue_token")] HttpRequest req)
    {
        var call = await admin.ReadAsync<IssueTokenBody>(req);
        var server = admin.Server;
        var user = admin.Account(call.Body.UserId, nameof(call.Body.UserId));
        if (!server.IsLocal(user))
        {
            throw TencentException.InvalidParameter($"UserId: {user} is not a user of this server ({server.Name})");
        }

        var (token, expiresAt) = await tokens.IssueAsync(user, req.HttpContext.RequestAborted);
        return TencentOk.Of(new IssueTokenReply(token, user.Value, (long)(expiresAt - admin.Clock.GetUtcNow()).TotalSeconds));
    }
}

internal sealed record IssueTokenBody
{
    [Description("An account of this server (alice) or its full Matrix user ID (@alice:server): " + Core.Identifiers.Account.Rule + ".")]
    [MaxBytes(255)]
    public required string UserId { get; init; }
}

internal sealed record IssueTokenReply(string AccessToken, string UserId, long ExpiresInSeconds) : TencentReply;
