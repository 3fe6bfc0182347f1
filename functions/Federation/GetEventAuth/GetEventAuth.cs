using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.GetEventAuth;

/// <summary>The auth chain of an event of a room hosted here.</summary>
/// <remarks>
/// Every event the given one reaches through <c>auth_events</c>, as full PDUs. Only for a server with a user joined to
/// the room (403 otherwise); 404 for an unknown room or event.
/// </remarks>
internal sealed class GetEventAuth(FederationRequests federation, RoomHistory history)
{
    [Function(nameof(GetEventAuth))]
    public async Task<MatrixJson<EventAuthReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/event_auth/{roomId}/{eventId}")] HttpRequest req)
    {
        var origin = await federation.AuthenticateAsync(req);
        var chain = await history.AuthChainAsync(origin, req.RoomId(), req.Text("eventId"), req.HttpContext.RequestAborted);
        return MatrixJson.Of(new EventAuthReply(chain));
    }
}

internal sealed record EventAuthReply(IReadOnlyList<JsonObject> AuthChain);
