using Membership.Core.Identifiers;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Client;

/// <summary>
/// What a caller may see of a room: the current members while joined; as of their own last membership event once they
/// have left, been kicked or banned (spec: "the membership as it was when they left"); nothing if never a member or forgotten.
/// </summary>
internal sealed record CallerView(RoomView Room, MemberRecord Caller, IReadOnlyList<MemberRecord> Members)
{
    public bool IsJoined => Caller.Membership == "join";

    public static async Task<CallerView> LoadAsync(RoomService rooms, RoomId roomId, UserId caller, long? atSeq, CancellationToken cancellationToken)
    {
        var room = await rooms.GetRoomAsync(roomId, cancellationToken);
        var member = room?.MemberOf(caller);
        if (room is null || member is null || member.Forgotten)
        {
            throw MatrixException.Forbidden($"{caller} is not in room {roomId} and never was (or has forgotten it)");
        }

        var limit = member.Membership == "join" ? room.Head.Seq : member.Seq;
        var upTo = Math.Min(atSeq ?? limit, limit);
        var members = upTo == room.Head.Seq ? room.Members : await rooms.MembersAsOfAsync(roomId, upTo, cancellationToken);
        return new CallerView(room, member, members);
    }
}
