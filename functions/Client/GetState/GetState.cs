using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.GetState;

/// <summary>The content of a state event: a member, the power levels or the join rules.</summary>
/// <remarks>Joined callers read current state; others read as of their last membership (an invitee sees their own invite).</remarks>
internal sealed class GetState(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(GetState))]
    public async Task<MatrixJson<JsonObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = StateTypes.Route)] HttpRequest req)
    {
        var user = await client.AuthenticateAsync(req);
        var room = req.RoomId();
        var eventType = req.Text("eventType");
        var stateKey = req.Text("stateKey");
        StateTypes.RequireServed(eventType, stateKey);
        var view = await CallerView.LoadAsync(membership.Rooms, room, user, null, req.HttpContext.RequestAborted);
        if (!view.IsJoined && !(eventType == StateTypes.Member && stateKey == user.Value))
        {
            throw MatrixException.Forbidden($"{user} is not joined to {room}; they may read only their own membership");
        }

        var content = eventType switch
        {
            StateTypes.Member => view.Members.FirstOrDefault(m => m.UserId == stateKey)?.Content,
            StateRules.PowerLevelsType => view.Room.Head.PowerLevelsContent,
            _ => view.Room.Head.JoinRulesContent,
        };
        return MatrixJson.Of(content is not null && JsonNode.Parse(content) is JsonObject found ? found : throw MatrixException.NotFound($"{room} has no {eventType} state for '{stateKey}'"));
    }
}
