using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Functions.Client;
using Membership.Service.Federation;

namespace Membership.Functions.Federation;

/// <summary>
/// The shared part of the v1 and v2 invite functions: the receiver's checklist over the invite read from either
/// version's wire shape, and its refusal as <c>{"errcode","error"}</c> (plus <c>room_version</c> when the room
/// version is not supported).
/// </summary>
internal sealed class InboundInvites(InviteReceiver receiver)
{
    /// <returns>The invite event with this server's signature added.</returns>
    public async Task<JsonObject> ReceiveAsync(HttpRequest request, ServerName origin, string roomVersion, JsonObject ev, JsonArray? inviteRoomState)
    {
        var invite = new InboundInvite(origin, roomVersion, ev, inviteRoomState, request.Text("roomId"), request.Text("eventId"));
        var outcome = await receiver.ReceiveAsync(invite, request.HttpContext.RequestAborted);
        return outcome.Event ?? throw new MatrixException(outcome.Code, outcome.Message) { RoomVersion = outcome.RoomVersion };
    }
}
