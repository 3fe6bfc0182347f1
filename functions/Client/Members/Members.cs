using System.Globalization;
using System.Text.Json.Nodes;
using Membership.Core.Rooms;

namespace Membership.Functions.Client.Members;

/// <summary>
/// GET /_matrix/client/v3/rooms/{roomId}/members?membership=&amp;not_membership=&amp;at=
/// <c>membership</c> and <c>not_membership</c> combine with AND, as every server does (matrix-spec#2308).
/// <c>at</c> takes this server's stream token <c>s{sequence}</c>: the membership as of that event.
/// </summary>
internal static class Members
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var only = Filter(http, "membership");
        var not = Filter(http, "not_membership");
        var view = await CallerView.LoadAsync(http, room, user, At(http));
        var chunk = new JsonArray();
        foreach (var member in view.Members)
        {
            var membership = new RoomMembership(member.Membership);
            if ((only is null || membership == only) && (not is null || membership != not))
            {
                chunk.Add((JsonNode)ClientJson.MemberEvent(room.Value, member));
            }
        }

        await ClientJson.WriteAsync(http, new JsonObject { ["chunk"] = chunk });
    }

    private static RoomMembership? Filter(HttpContext http, string name)
    {
        var value = http.Request.Query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        var membership = new RoomMembership(value);
        return membership.IsKnown ? membership : throw MatrixException.InvalidParam($"'{name}' must be one of join, invite, knock, leave, ban");
    }

    private static long? At(HttpContext http)
    {
        var at = http.Request.Query["at"].ToString();
        if (at.Length == 0)
        {
            return null;
        }

        return at.StartsWith('s') && long.TryParse(at.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : throw MatrixException.InvalidParam($"'at' must be a stream token of this server (s<number>), not '{at}'");
    }
}
