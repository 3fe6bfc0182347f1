using System.ComponentModel;
using System.Text.Json.Nodes;
using Membership.Functions.Hosting;

namespace Membership.Functions.Federation.InviteV2;

/// <summary>Receive an invite from another server (v2).</summary>
/// <remarks>
/// Checked as the spec lists: room version supported, path and event agree, the sender's server signed it, the
/// invitee is a user of this server, the event ID is the event's. Answers <c>{"event"}</c>: the invite with this
/// server's signature added, which the inviting server needs before it commits the invite.
/// </remarks>
internal sealed class InviteV2(FederationRequests federation, InboundInvites invites)
{
    [Function(nameof(InviteV2))]
    public async Task<MatrixJson<InviteReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v2/invite/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<InviteV2Body>(req);
        var signed = await invites.ReceiveAsync(req, call.Origin, call.Body.RoomVersion, call.Body.Event, call.Body.InviteRoomState);
        return MatrixJson.Of(new InviteReply(signed));
    }
}

internal sealed record InviteV2Body
{
    [Description("The room's version.")]
    public required string RoomVersion { get; init; }

    [Description("The invite event (m.room.member, membership invite), signed by the sending server.")]
    public required JsonObject Event { get; init; }

    [Description("Stripped state of the room for the invitee to see before answering.")]
    public JsonArray? InviteRoomState { get; init; }
}

internal sealed record InviteReply(JsonObject Event);
