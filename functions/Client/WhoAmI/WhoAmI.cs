using Membership.Functions.Hosting;

namespace Membership.Functions.Client.WhoAmI;

/// <summary>Who the access token belongs to.</summary>
internal sealed class WhoAmI(ClientRequests client)
{
    [Function(nameof(WhoAmI))]
    public async Task<MatrixJson<WhoAmIReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = ClientRequests.Prefix + "account/whoami")] HttpRequest req) =>
        MatrixJson.Of(new WhoAmIReply((await client.AuthenticateAsync(req)).Value, IsGuest: false));
}

internal sealed record WhoAmIReply(string UserId, bool IsGuest);
