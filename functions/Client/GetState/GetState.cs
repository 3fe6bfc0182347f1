using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.GetState;

/// <summary>The content of a state event: a member, the power levels or the join rules.</summary>
/// <remarks>As the visibility rule lets the caller see it: current while joined, as of their departure after that. Anyone with a membership reads their own current one (an invitee sees their invite).</remarks>
internal sealed class GetState(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(GetState))]
    public async Task<MatrixJson<JsonObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/state/{eventType}/{stateKey?}")] HttpRequest req)
    {
        var user = await client.AuthenticateAsync(req);
        var room = req.RoomId();
        var eventType = req.Text("eventType");
        var stateKey = req.Text("stateKey");
        StateTypes.RequireServed(eventType, stateKey);
        var view = await membership.Rooms.ReadStateAsync(room, user, null, req.HttpContext.RequestAborted);
        var ownMembership = eventType == StateTypes.Member && stateKey == user.Value && view.Caller is not null;
        if (!ownMembership && !view.Visibility.CanRead)
        {
            throw RoomReads.NeverAMember(room, user);
        }

        var content = eventType switch
        {
            StateTypes.Member => view.MemberOf(stateKey)?.Content,
            StateRules.PowerLevelsType => view.PowerLevelsContent,
            _ => view.JoinRulesContent,
        };
        return MatrixJson.Of(content is not null && JsonNode.Parse(content) is JsonObject found ? found : throw MatrixException.NotFound($"{room} has no {eventType} state for '{stateKey}'"));
    }
}
