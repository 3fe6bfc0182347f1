using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.GetState;

/// <summary>
/// GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey} — the content of a served state event. Joined
/// callers read current state; others read as of their last membership (an invitee sees their invite).
/// </summary>
internal static class GetState
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var eventType = RawRoute.Value(http, "eventType");
        var stateKey = RawRoute.Value(http, "stateKey");
        StateTypes.RequireServed(eventType, stateKey);
        var view = await CallerView.LoadAsync(http, room, user);
        if (!view.IsJoined && !(eventType == StateTypes.Member && stateKey == user.Value))
        {
            throw MatrixException.Forbidden($"{user} is not joined to {room}; they may read only their own membership");
        }

        JsonNode? content = eventType switch
        {
            StateTypes.Member => view.Members.FirstOrDefault(m => m.UserId == stateKey) is { } member ? JsonNode.Parse(member.Content) : null,
            StateRules.PowerLevelsType => JsonNode.Parse(view.Room.Head.PowerLevelsContent),
            _ => JsonNode.Parse(view.Room.Head.JoinRulesContent),
        };
        await ClientJson.WriteAsync(http, content ?? throw MatrixException.NotFound($"{room} has no {eventType} state for '{stateKey}'"));
    }
}
