using System.Globalization;
using Membership.Core.Rooms;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Members;

/// <summary>The room's member events.</summary>
/// <remarks>
/// <c>membership</c> and <c>not_membership</c> filter (combined with AND, as every server does: matrix-spec#2308);
/// <c>at</c> takes this server's stream token <c>s{sequence}</c>: the membership as of that event. A caller who left
/// (or was kicked or banned) sees the room as it was when they left; one who never joined, or has forgotten the room,
/// gets 403 (knocking or being invited is not being in the room).
/// </remarks>
internal sealed class Members(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(Members))]
    public async Task<MatrixJson<MembersReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = ClientRequests.Prefix + "rooms/{roomId}/members")] HttpRequest req)
    {
        var user = await client.AuthenticateAsync(req);
        var room = req.RoomId();
        var only = Filter(req, "membership");
        var not = Filter(req, "not_membership");
        var view = await membership.Rooms.ReadVisibleAsync(room, user, At(req), req.HttpContext.RequestAborted);
        var chunk = view.Members
            .Where(m => (only is null || new RoomMembership(m.Membership) == only) && (not is null || new RoomMembership(m.Membership) != not))
            .Select(m => ClientEvent.Member(room.Value, m))
            .ToList();
        return MatrixJson.Of(new MembersReply(chunk));
    }

    private static RoomMembership? Filter(HttpRequest req, string name)
    {
        var value = req.Query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        var membership = new RoomMembership(value);
        return membership.IsKnown ? membership : throw MatrixException.InvalidParam($"'{name}' must be one of join, invite, knock, leave, ban");
    }

    private static long? At(HttpRequest req)
    {
        var at = req.Query["at"].ToString();
        if (at.Length == 0)
        {
            return null;
        }

        return at.StartsWith('s') && long.TryParse(at.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : throw MatrixException.InvalidParam($"'at' must be a stream token of this server (s<number>), not '{at}'");
    }
}

internal sealed record MembersReply(IReadOnlyList<ClientEvent> Chunk);
