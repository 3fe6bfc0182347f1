using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Membership.Core.Identifiers;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.RoomEngine.MarkRoomMember;

/// <summary>Set or remove numeric tags on 1 to 10 members.</summary>
/// <remarks>
/// <c>CommandType</c> 1 sets the tags, 2 removes them, all or nothing. Tags are numbers of at least 1000; one call
/// names at most 3 distinct tags; a room holds at most 10 distinct tags (100002 past that). Every account must be a
/// joined member (100005 names those who are not). The tags show in get_room_member_list's <c>Marks</c>; they are
/// admin metadata that Matrix clients do not see.
/// </remarks>
internal sealed class MarkRoomMember(AdminRequests admin, RoomService rooms)
{
    public const int MaxMembers = 10;
    public const int MaxTagsPerCall = 3;
    public const long MinTag = 1000;

    [Function(nameof(MarkRoomMember))]
    public async Task<TencentOk<TencentReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomEngine + "mark_room_member")] HttpRequest req)
    {
        var call = await admin.ReadAsync<MarkRoomMemberBody>(req);
        var room = admin.Room(call.Body.RoomId);
        var set = call.Body.CommandType switch
        {
            1 => true,
            2 => false,
            _ => throw TencentException.InvalidParameter("CommandType must be 1 (set the tags) or 2 (remove them)"),
        };

        var marks = new List<(UserId, IReadOnlyList<long>)>();
        foreach (var (entry, i) in call.Body.MemberList.Select((e, i) => (e, i)))
        {
            var path = $"MemberList[{i}]";
            var member = admin.Account(entry.Member_Account, $"{path}.Member_Account");
            if (marks.Any(m => m.Item1 == member))
            {
                throw TencentException.InvalidParameter($"MemberList names {entry.Member_Account} twice");
            }

            if (entry.Marks.Any(t => t < MinTag))
            {
                throw TencentException.InvalidParameter($"{path}.Marks holds {entry.Marks.First(t => t < MinTag)}; tags are numbers of at least {MinTag}");
            }

            marks.Add((member, entry.Marks));
        }

        var distinct = marks.SelectMany(m => m.Item2).Distinct().Count();
        if (distinct > MaxTagsPerCall)
        {
            throw TencentException.InvalidParameter($"MemberList names {distinct} distinct tags; a call may name at most {MaxTagsPerCall}");
        }

        admin.ThrowIfFailed(await rooms.MarkMembersAsync(room, marks, set, req.HttpContext.RequestAborted), room, "MemberList");
        return TencentOk.Empty;
    }
}

internal sealed record MarkRoomMemberBody : RoomBody
{
    [Description("1: set the tags; 2: remove them.")]
    [Range(1, 2)]
    public required int CommandType { get; init; }

    [Description("The members and their tags.")]
    [ItemCount(1, MarkRoomMember.MaxMembers)]
    public required IReadOnlyList<MemberMarks> MemberList { get; init; }
}

internal sealed record MemberMarks
{
    [MaxBytes(RoomEngineLimits.MaxAccountBytes)]
    public required string Member_Account { get; init; }

    [Description("Tags: numbers of at least 1000.")]
    [ItemCount(1, MarkRoomMember.MaxTagsPerCall)]
    public required IReadOnlyList<long> Marks { get; init; }
}
