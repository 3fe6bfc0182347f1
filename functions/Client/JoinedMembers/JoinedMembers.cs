using System.Text.Json.Nodes;
using Membership.Core.Rules;

namespace Membership.Functions.Client.JoinedMembers;

/// <summary>GET /_matrix/client/v3/rooms/{roomId}/joined_members — callers who are not joined get 403, as Complement expects.</summary>
internal static class JoinedMembers
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var view = await CallerView.LoadAsync(http, room, user);
        if (view.Visibility.Kind != VisibilityKind.Current)
        {
            throw MatrixException.Forbidden($"Getting joined members while not being a current member of {room} is forbidden");
        }

        var joined = new JsonObject();
        foreach (var member in view.Members.Where(m => m.Membership == "join"))
        {
            var content = JsonNode.Parse(member.Content) as JsonObject;
            joined[member.UserId] = new JsonObject
            {
                ["display_name"] = content?["displayname"]?.DeepClone(),
                ["avatar_url"] = content?["avatar_url"]?.DeepClone(),
            };
        }

        await ClientJson.WriteAsync(http, new JsonObject { ["joined"] = joined });
    }
}
