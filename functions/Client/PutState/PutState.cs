using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client.PutState;

/// <summary>Set a state event: a member, the power levels or the join rules.</summary>
/// <remarks>The body is the event's content. Member state takes any transition the auth rules allow (a kick by writing <c>leave</c>, say). Answers the event ID; for a repeat of the current content, the current event's. (The CORS preflight of this path is answered by GetState, which shares it.)</remarks>
internal sealed class PutState(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(PutState))]
    public async Task<MatrixJson<EventIdReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ClientRequests.Prefix + "rooms/{roomId}/state/{eventType}/{stateKey?}")] HttpRequest req)
    {
        var (sender, room, content, _) = await client.ReadInRoomAsync<JsonObject>(req);
        var eventType = req.Text("eventType");
        var stateKey = req.Text("stateKey");
        StateTypes.RequireServed(eventType, stateKey);
        var rooms = membership.Rooms;
        ChangeResult result;
        if (eventType == StateTypes.Member)
        {
            var target = UserId.TryParse(stateKey, out var parsed, out var error) ? parsed : throw MatrixException.InvalidParam(error);
            if (content["membership"] is not JsonValue value || !value.TryGetValue(out string? text) || !new RoomMembership(text).IsKnown)
            {
                throw content["membership"] is null ? MatrixException.MissingParam("membership") : MatrixException.BadJson("'membership' must be one of join, invite, knock, leave, ban");
            }

            membership.RequireLocal(target, "set the membership of");
            result = await rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.SetState, sender, target, content)], "client", "set_state", cancellationToken: req.HttpContext.RequestAborted);
        }
        else
        {
            result = await rooms.SetStateAsync(room, sender, eventType, content, "client", req.HttpContext.RequestAborted);
        }

        ClientMembership.ThrowIfFailed(result, room);
        var eventId = result.EventIds.Count > 0 ? result.EventIds[^1] : await CurrentEventIdAsync(rooms, room, eventType, stateKey, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new EventIdReply(eventId));
    }

    private static async Task<string?> CurrentEventIdAsync(RoomService rooms, RoomId room, string eventType, string stateKey, CancellationToken cancellationToken)
    {
        var view = await rooms.GetRoomAsync(room, cancellationToken);
        return eventType switch
        {
            StateTypes.Member => view?.Members.FirstOrDefault(m => m.UserId == stateKey)?.EventId,
            StateRules.PowerLevelsType => view?.Head.PowerLevelsEventId,
            _ => view?.Head.JoinRulesEventId,
        };
    }
}
