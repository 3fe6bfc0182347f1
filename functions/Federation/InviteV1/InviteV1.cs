using System.Text.Json.Nodes;
using Membership.Functions.Hosting;

namespace Membership.Functions.Federation.InviteV1;

/// <summary>Receive an invite from another server (v1).</summary>
/// <remarks>
/// The body is the invite PDU itself, its stripped state in <c>unsigned.invite_room_state</c>. A v1 invite is of room
/// version 1 (the spec: "1" or "2", which sign and identify events alike; Synapse reads them as 1). Answers
/// <c>[200, {"event": ...}]</c>, the historical shape the spec froze, with this server's signature added.
/// </remarks>
internal sealed class InviteV1(FederationRequests federation, InboundInvites invites)
{
    /// <summary>The room version the v1 endpoint implies.</summary>
    public const string RoomVersion = "1";

    [Function(nameof(InviteV1))]
    public async Task<MatrixJson<JsonArray>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v1/invite/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<JsonObject>(req);
        var state = (call.Body["unsigned"] as JsonObject)?["invite_room_state"] as JsonArray;
        var signed = await invites.ReceiveAsync(req, call.Origin, RoomVersion, call.Body, state);
        return MatrixJson.Of(new JsonArray(200, new JsonObject { ["event"] = signed }));
    }
}
