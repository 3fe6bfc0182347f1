using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client.PutState;

/// <summary>
/// PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey} — member state (any transition the auth rules
/// allow, e.g. a kick by writing leave), power levels, join rules. Answers the event ID (the current one for a no-op).
/// </summary>
internal static class PutState
{
    public static async Task Handle(HttpContext http)
    {
        var sender = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var eventType = RawRoute.Value(http, "eventType");
        var stateKey = RawRoute.Value(http, "stateKey");
        StateTypes.RequireServed(eventType, stateKey);
        var content = await JsonBody.ReadObjectAsync(http);
        var rooms = MembershipActions.Rooms(http);
        ChangeResult result;
        if (eventType == StateTypes.Member)
        {
            if (!UserId.TryParse(stateKey, out var target, out var error))
            {
                throw MatrixException.InvalidParam(error);
            }

            if (!new RoomMembership(content.RequiredString("membership")).IsKnown)
            {
                throw MatrixException.BadJson("'membership' must be one of join, invite, knock, leave, ban");
            }

            MembershipActions.RequireLocal(http, target, "set the membership of");
            result = await rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.SetState, sender, target, content)], "client", "set_state", cancellationToken: http.RequestAborted);
        }
        else
        {
            result = await rooms.SetStateAsync(room, sender, eventType, content, "client", http.RequestAborted);
        }

        ClientJson.ThrowIfFailed(result, room);
        var eventId = result.EventIds.Count > 0 ? result.EventIds[^1] : await CurrentEventIdAsync(http, rooms, room, eventType, stateKey);
        await ClientJson.WriteAsync(http, new JsonObject { ["event_id"] = eventId });
    }

    private static async Task<string?> CurrentEventIdAsync(HttpContext http, RoomService rooms, RoomId room, string eventType, string stateKey)
    {
        var view = await rooms.GetRoomAsync(room, http.RequestAborted);
        return eventType switch
        {
            StateTypes.Member => view?.Members.FirstOrDefault(m => m.UserId == stateKey)?.EventId,
            StateRules.PowerLevelsType => view?.Head.PowerLevelsEventId,
            _ => view?.Head.JoinRulesEventId,
        };
    }
}
