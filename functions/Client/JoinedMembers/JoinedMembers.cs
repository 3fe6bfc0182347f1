using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinedMembers;

/// <summary>The room's joined members with their display names and avatars.</summary>
/// <remarks>Only for callers who are joined now (403 otherwise, as Complement expects).</remarks>
internal sealed class JoinedMembers(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(JoinedMembers))]
    public async Task<MatrixJson<JoinedMembersReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/joined_members")] HttpRequest req)
    {
        var user = await client.AuthenticateAsync(req);
        var room = req.RoomId();
        var view = await membership.Rooms.ReadVisibleAsync(room, user, null, req.HttpContext.RequestAborted);
        if (view.Visibility.Kind != VisibilityKind.Current)
        {
            throw MatrixException.Forbidden($"Getting joined members while not being a current member of {room} is forbidden");
        }

        var joined = new Dictionary<string, JoinedMember>(StringComparer.Ordinal);
        foreach (var member in view.Members.Where(m => m.Membership == "join"))
        {
            var content = JsonNode.Parse(member.Content) as JsonObject;
            joined[member.UserId] = new JoinedMember(content?["displayname"]?.DeepClone(), content?["avatar_url"]?.DeepClone());
        }

        return MatrixJson.Of(new JoinedMembersReply(joined));
    }
}

internal sealed record JoinedMembersReply(IReadOnlyDictionary<string, JoinedMember> Joined);

/// <summary>What the member event says of a joined member (as sent: usually strings, sometimes absent).</summary>
internal sealed record JoinedMember(JsonNode? DisplayName, JsonNode? AvatarUrl);
