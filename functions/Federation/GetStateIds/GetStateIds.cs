using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.GetStateIds;

/// <summary>The state of a room hosted here before an event, as event IDs.</summary>
/// <remarks>
/// <c>event_id</c> (required) names an event of the room; answers the state before it (<c>pdu_ids</c>) and the auth
/// chain of that state (<c>auth_chain_ids</c>). Only for a server with a user joined to the room (403 otherwise); 404
/// for an unknown room or event.
/// </remarks>
internal sealed class GetStateIds(FederationRequests federation, RoomHistory history)
{
    [Function(nameof(GetStateIds))]
    public async Task<MatrixJson<StateIdsReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/state_ids/{roomId}")] HttpRequest req)
    {
        var origin = await federation.AuthenticateAsync(req);
        var eventId = req.Query["event_id"].ToString();
        if (eventId.Length == 0)
        {
            throw MatrixException.MissingParam("event_id");
        }

        var (pdus, chain) = await history.StateIdsAsync(origin, req.RoomId(), eventId, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new StateIdsReply(chain, pdus));
    }
}

internal sealed record StateIdsReply(IReadOnlyList<string> AuthChainIds, IReadOnlyList<string> PduIds);
