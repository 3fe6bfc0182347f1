using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Service;

/// <summary>
/// Member tags (Room Engine's mark_room_member): numbers of at least 1000 on joined members, kept on the member rows
/// (<c>Marks</c> in their admin information) and counted per tag in the head's (<see cref="MarksKey"/>), so the room's
/// limit of distinct tags is checked inside the same transaction. Tags are admin metadata: no Matrix event records them.
/// </summary>
public sealed partial class RoomService
{
    /// <summary>Key of the head's admin information: how many members carry each tag.</summary>
    public const string MarksKey = "MemberMarks";

    /// <summary>Key of a member row's admin information: the member's tags, ascending.</summary>
    public const string MemberMarksKey = "Marks";

    /// <summary>The most distinct tags a room holds.</summary>
    public const int MaxRoomMarks = 10;

    /// <summary>
    /// Adds (<paramref name="set"/>) or removes the tags of each member, all or nothing. Every member must be joined
    /// (<see cref="ErrorCode.Forbidden"/> names those who are not); a room may hold at most <see cref="MaxRoomMarks"/>
    /// distinct tags (<see cref="ErrorCode.InvalidParam"/>). Setting a tag a member has, or removing one they lack, is no change.
    /// </summary>
    public Task<ChangeResult> MarkMembersAsync(RoomId roomId, IReadOnlyList<(UserId Member, IReadOnlyList<long> Marks)> marks, bool set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marks);
        return CommitWithRetryAsync(roomId, [.. marks.Select(m => m.Member.Value)], AdminSurface, draft =>
        {
            var absent = marks.Where(m => draft.MemberOf(m.Member.Value)?.Membership != "join").Select(m => new Denial(m.Member, ErrorCode.Forbidden, $"{m.Member} is not a member of {roomId}")).ToList();
            if (absent.Count > 0)
            {
                return Task.FromResult(absent);
            }

            var info = AdminInfoOf(draft.Head);
            var counts = info[MarksKey] as JsonObject ?? [];
            foreach (var (member, wanted) in marks)
            {
                var row = draft.MemberOf(member.Value)!;
                var memberInfo = string.IsNullOrEmpty(row.AdminInfo) ? [] : RoomDraft.ParseObject(row.AdminInfo);
                var had = MarksOf(memberInfo);
                var now = set ? had.Union(wanted).Order().ToList() : [.. had.Except(wanted).Order()];
                if (now.SequenceEqual(had))
                {
                    continue;
                }

                foreach (var tag in now.Except(had))
                {
                    counts[Key(tag)] = ((long?)counts[Key(tag)] ?? 0) + 1;
                }

                foreach (var tag in had.Except(now))
                {
                    var left = ((long?)counts[Key(tag)] ?? 1) - 1;
                    if (left > 0)
                    {
                        counts[Key(tag)] = left;
                    }
                    else
                    {
                        counts.Remove(Key(tag));
                    }
                }

                memberInfo[MemberMarksKey] = new JsonArray([.. now.Select(t => (JsonNode)t)]);
                draft.UpdateMemberRow(row with { AdminInfo = memberInfo.ToJsonString() });
            }

            if (counts.Count > MaxRoomMarks)
            {
                return Task.FromResult(new List<Denial> { new(marks[0].Member, ErrorCode.InvalidParam, $"a room holds at most {MaxRoomMarks} distinct tags; these would make {counts.Count}") });
            }

            info[MarksKey] = counts;
            draft.UpdateHead(h => h with { AdminInfo = info.ToJsonString() });
            return Task.FromResult(new List<Denial>());
        }, cancellationToken);
    }

    /// <summary>A member's tags, from the admin information on their row.</summary>
    public static IReadOnlyList<long> MarksOf(JsonObject memberInfo) =>
        memberInfo[MemberMarksKey] is JsonArray array ? [.. array.Select(t => (long)t!)] : [];

    private static string Key(long tag) => tag.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
