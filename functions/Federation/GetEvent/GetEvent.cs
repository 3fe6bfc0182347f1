using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.GetEvent;

/// <summary>One event of a room hosted here, for a server in it.</summary>
/// <remarks>
/// Looked up among the rooms this server has sent the requesting server events of; served when that server has a
/// user joined there, or the event is one it was sent. 404 for anything else (a room it may not see reads as no room).
/// Answers a transaction holding the one PDU.
/// </remarks>
internal sealed class GetEvent(FederationRequests federation, RoomHistory history, ServerIdentity server, TimeProvider clock)
{
    [Function(nameof(GetEvent))]
    public async Task<MatrixJson<SingleEventReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/event/{eventId}")] HttpRequest req)
    {
        var origin = await federation.AuthenticateAsync(req);
        var pdu = await history.EventAsync(origin, req.Text("eventId"), req.HttpContext.RequestAborted);
        return MatrixJson.Of(new SingleEventReply(server.Name.Value, clock.GetUtcNow().ToUnixTimeMilliseconds(), [pdu]));
    }
}

/// <summary>A transaction of one PDU.</summary>
internal sealed record SingleEventReply(string Origin, long OriginServerTs, IReadOnlyList<JsonObject> Pdus);
