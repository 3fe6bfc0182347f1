using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.GetState;

/// <summary>
/// GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey} — the content of a served state event, as the
/// visibility rule lets the caller see it (current when joined, as of their departure after that); anyone with a
/// membership reads their own current one (an invitee sees their invite).
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
        var view = await CallerView.ReadAsync(http, room, user);
        var ownMembership = eventType == StateTypes.Member && stateKey == user.Value && view.Caller is not null;
        if (!ownMembership && !view.Visibility.CanRead)
        {
            throw CallerView.NeverAMember(room, user);
        }

        JsonNode? content = eventType switch
        {
            StateTypes.Member => view.MemberOf(stateKey) is { } row ? JsonNode.Parse(row.Content) : null,
            StateRules.PowerLevelsType => JsonNode.Parse(view.PowerLevelsContent),
            _ => JsonNode.Parse(view.JoinRulesContent),
        };
        await ClientJson.WriteAsync(http, content ?? throw MatrixException.NotFound($"{room} has no {eventType} state for '{stateKey}'"));
    }
}
