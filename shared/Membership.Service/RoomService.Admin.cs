using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// The admin surface's room operations (Tencent Room Engine style). An App administrator acts with the server's
/// authority: they need no membership or power of their own, but membership changes still follow the transition
/// rules, and every change is one read and one transaction, recorded in the room's log with the admin as sender.
/// Kick and ban go through <see cref="ChangeAsync"/> with <c>ByServerAdmin</c>; what is here has no Matrix endpoint.
/// </summary>
public sealed partial class RoomService
{
    public const string AdminSurface = "admin";

    /// <summary>State event recording that an admin destroyed the room (the future webhook outbox reads it).</summary>
    public const string DestroyedType = "org.membership.room.destroyed";

    /// <summary>State event recording the admin surface's room settings after each change to them.</summary>
    public const string AdminInfoType = "org.membership.room.admin_info";

    /// <summary>Key of <see cref="RoomHead.AdminInfo"/> holding the owner's Matrix user ID.</summary>
    public const string OwnerKey = "Owner";

    /// <summary>Power levels of the admin surface's roles (docs/api.md, "Identity mapping").</summary>
    public const long OwnerLevel = 100;

    public const long AdminLevel = 50;

    /// <summary>The room's head alone (one point read), or null when the room does not exist or was destroyed.</summary>
    public async Task<RoomHead?> GetHeadAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        var read = await store.ReadRoomAsync(roomId.Value, [], cancellationToken);
        return read is null || read.Head.DestroyedAt is not null ? null : read.Head;
    }

    /// <summary>The owner: the one the admin surface named, else the room's creator (rooms made through Matrix).</summary>
    public static UserId OwnerOf(RoomHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return AdminInfoOf(head)[OwnerKey] is JsonValue v && v.TryGetValue(out string? owner) && UserId.TryParse(owner, out var user, out _)
            ? user
            : UserId.Parse(head.Creator);
    }

    /// <summary>The admin surface's settings of a room (a fresh copy; empty for rooms made through Matrix).</summary>
    public static JsonObject AdminInfoOf(RoomHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return string.IsNullOrEmpty(head.AdminInfo) ? [] : RoomDraft.ParseObject(head.AdminInfo);
    }

    /// <summary>
    /// One page of the members with <paramref name="membership"/>, after the member <paramref name="afterUserId"/>
    /// in row-key order; a ban that has run out is left out of a list of bans. Null when the room is missing.
    /// Two reads, made together: the head and the page.
    /// </summary>
    public async Task<MemberPage?> ListMembersAsync(RoomId roomId, RoomMembership membership, string? afterUserId, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var now = clock.GetUtcNow();
        Func<MemberRecord, bool>? current = membership == RoomMembership.Ban ? m => m.BanExpiresAt is not { } until || until > now : null;
        var head = GetHeadAsync(roomId, cancellationToken);
        var page = store.ReadMembersAfterAsync(roomId.Value, membership.ToString(), afterUserId, count + 1, current, cancellationToken);
        await Task.WhenAll(head, page);
        if (await head is not { } found)
        {
            return null;
        }

        var members = await page;
        return members.Count > count
            ? new MemberPage(found, [.. members.Take(count)], members[count - 1].UserId)
            : new MemberPage(found, members, null);
    }

    /// <summary>
    /// Destroys a room: appends <see cref="DestroyedType"/> (sender the admin) and sets <see cref="RoomHead.DestroyedAt"/>
    /// in one transaction; afterwards every surface treats the room as missing. The members' index rows are then
    /// marked left, off the request path, so <c>/joined_rooms</c> stops listing the room.
    /// </summary>
    public async Task<ChangeResult> DestroyRoomAsync(RoomId roomId, UserId admin, CancellationToken cancellationToken = default)
    {
        long seq = 0;
        var result = await CommitInGroupAsync(roomId, [], AdminSurface, draft =>
        {
            var now = draft.Now;
            seq = draft.AppendState(DestroyedType, admin, [], "destroy_room", now).Seq;
            draft.UpdateHead(h => h with { DestroyedAt = now });
            return Task.FromResult(new List<Denial>());
        }, cancellationToken);

        if (result.Status == ChangeStatus.Changed)
        {
            LogRoomDestroyed(logger, roomId.Value, admin.Value);
            try
            {
                var members = await store.ReadMembersAsync(roomId.Value, cancellationToken);
                index.Enqueue(members.Where(m => m.Membership is "join" or "invite" or "knock").Select(m => new UserRoomRecord(m.UserId, roomId.Value, "leave", seq)));
            }
            catch (StorageException ex)
            {
                LogDestroyIndexFailed(logger, ex, roomId.Value);
            }
        }

        return result;
    }

    /// <summary>
    /// Changes the room's name (an <c>m.room.name</c> event Matrix clients see), member cap and admin settings (merged
    /// key by key, recorded in an <see cref="AdminInfoType"/> event). A cap below the joined count is refused
    /// (<see cref="ErrorCode.InvalidParam"/>): nobody is removed to make room.
    /// </summary>
    public Task<ChangeResult> UpdateRoomAsync(RoomId roomId, UserId admin, RoomUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return CommitInGroupAsync(roomId, [], AdminSurface, draft =>
        {
            var now = draft.Now;
            if (update.MaxMembers is { } max && max < draft.Head.JoinedCount && max != draft.Head.MaxMembers)
            {
                return Denied(admin, ErrorCode.InvalidParam, $"MaxMemberCount {max} is below the {draft.Head.JoinedCount} members already in {roomId}");
            }

            if (update.Name is { } name && name != draft.Head.Name)
            {
                draft.AppendState("m.room.name", admin, new JsonObject { ["name"] = name }, "update_room_info", now);
            }

            var info = AdminInfoOf(draft.Head);
            foreach (var (key, value) in update.Settings)
            {
                info[key] = value?.DeepClone();
            }

            var maxMembers = update.MaxMembers ?? draft.Head.MaxMembers;
            if (maxMembers != draft.Head.MaxMembers || !JsonNode.DeepEquals(info, AdminInfoOf(draft.Head)))
            {
                RecordAdminInfo(draft, admin, info, maxMembers, "update_room_info", now);
            }

            return NoDenials;
        }, cancellationToken);
    }

    /// <summary>
    /// Changes a joined member's role (a power level, through an <c>m.room.power_levels</c> event) and admin fields
    /// (merged into the member row's <see cref="MemberRecord.AdminInfo"/>). The owner's level changes only with the
    /// ownership. Denied with <see cref="ErrorCode.Forbidden"/> when the user is not joined.
    /// </summary>
    public Task<ChangeResult> UpdateMemberAsync(RoomId roomId, UserId admin, UserId member, long? level, JsonObject? fields, CancellationToken cancellationToken = default) =>
        CommitInGroupAsync(roomId, [member.Value], AdminSurface, draft =>
        {
            var row = draft.MemberOf(member.Value);
            if (row?.Membership != "join")
            {
                return Denied(member, ErrorCode.Forbidden, $"{member} is not a member of {roomId}");
            }

            if (level is { } wanted)
            {
                if (member == OwnerOf(draft.Head))
                {
                    return Denied(member, ErrorCode.InvalidParam, $"{member} owns {roomId}; the owner's role changes only with change_room_owner");
                }

                SetLevels(draft, admin, [(member, wanted)], "update_room_member_info");
            }

            if (fields is not null)
            {
                var info = string.IsNullOrEmpty(row.AdminInfo) ? [] : RoomDraft.ParseObject(row.AdminInfo);
                var before = info.DeepClone();
                foreach (var (key, value) in fields)
                {
                    info[key] = value?.DeepClone();
                }

                if (!JsonNode.DeepEquals(before, info))
                {
                    draft.UpdateMemberRow(draft.MemberOf(member.Value)! with { AdminInfo = info.ToJsonString() });
                }
            }

            return NoDenials;
        }, cancellationToken);

    /// <summary>
    /// Hands the room to a joined member: they get the owner's level, the previous owner becomes an ordinary member
    /// (one power-levels event), and the admin settings name the new owner. When <paramref name="expectedOwner"/> is
    /// given it must be the current owner (<see cref="ErrorCode.InvalidParam"/> otherwise).
    /// </summary>
    public Task<ChangeResult> ChangeOwnerAsync(RoomId roomId, UserId admin, UserId? expectedOwner, UserId newOwner, CancellationToken cancellationToken = default) =>
        CommitInGroupAsync(roomId, [newOwner.Value], AdminSurface, draft =>
        {
            var owner = OwnerOf(draft.Head);
            if (expectedOwner is { } expected && expected != owner)
            {
                return Denied(expected, ErrorCode.InvalidParam, $"{expected} is not the owner of {roomId}; {owner} is");
            }

            if (draft.MemberOf(newOwner.Value)?.Membership != "join")
            {
                return Denied(newOwner, ErrorCode.Forbidden, $"{newOwner} is not a member of {roomId}");
            }

            if (newOwner == owner)
            {
                return NoDenials;
            }

            var now = draft.Now;
            SetLevels(draft, admin, [(newOwner, OwnerLevel), (owner, 0)], "change_room_owner");
            var info = AdminInfoOf(draft.Head);
            info[OwnerKey] = newOwner.Value;
            RecordAdminInfo(draft, admin, info, draft.Head.MaxMembers, "change_room_owner", now);
            return NoDenials;
        }, cancellationToken);

    /// <summary>
    /// Lifts the bans of <paramref name="users"/> in one transaction. A user who is not banned (or whose timed ban has
    /// run out) needs nothing, so the call is idempotent and a retry after a lost response succeeds.
    /// </summary>
    public Task<ChangeResult> UnbanAsync(RoomId roomId, UserId admin, IReadOnlyList<UserId> users, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        return CommitInGroupAsync(roomId, [.. users.Select(u => u.Value)], AdminSurface, draft =>
        {
            var now = draft.Now;
            var denials = new List<Denial>();
            foreach (var user in users)
            {
                EndExpiredBan(draft, user, now);
                if (draft.MemberOf(user.Value)?.Membership != "ban")
                {
                    continue;
                }

                var change = new MembershipChange(MembershipAction.Unban, admin, user, MembershipChange.ContentFor(MembershipAction.Unban, null), ByServerAdmin: true);
                var decision = MembershipRules.Decide(draft.Snapshot(), change);
                if (decision.IsDenied)
                {
                    denials.Add(new Denial(user, decision.Code, decision.Message));
                }
                else if (decision.Kind == DecisionKind.Allowed)
                {
                    draft.AppendMember(change, "unban_room_member", now);
                }
            }

            return Task.FromResult(denials);
        }, cancellationToken);
    }

    private static Task<List<Denial>> NoDenials => Task.FromResult(new List<Denial>());

    private static Task<List<Denial>> Denied(UserId target, ErrorCode code, string message) =>
        Task.FromResult(new List<Denial> { new(target, code, message) });

    /// <summary>Sets users' power levels with one <c>m.room.power_levels</c> event (none when nothing changes).</summary>
    private static void SetLevels(RoomDraft draft, UserId admin, IEnumerable<(UserId User, long Level)> levels, string action)
    {
        var content = RoomDraft.ParseObject(draft.Head.PowerLevelsContent);
        var before = content.DeepClone();
        var usersDefault = PowerLevels.Parse(content).UsersDefault;
        if (content["users"] is not JsonObject users)
        {
            users = [];
            content["users"] = users;
        }

        foreach (var (user, level) in levels)
        {
            if (level == usersDefault)
            {
                users.Remove(user.Value);
            }
            else
            {
                users[user.Value] = level;
            }
        }

        if (!JsonNode.DeepEquals(before, content))
        {
            draft.AppendState(StateRules.PowerLevelsType, admin, content, action, draft.Now);
        }
    }

    /// <summary>Puts the settings on the head and records them in the log.</summary>
    private static void RecordAdminInfo(RoomDraft draft, UserId admin, JsonObject info, int? maxMembers, string action, DateTimeOffset now)
    {
        var content = info.DeepClone().AsObject();
        if (maxMembers is { } max)
        {
            content["MaxMemberCount"] = max;
        }

        draft.AppendState(AdminInfoType, admin, content, action, now);
        draft.UpdateHead(h => h with { AdminInfo = info.ToJsonString(), MaxMembers = maxMembers });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId} destroyed by {Admin}")]
    private static partial void LogRoomDestroyed(ILogger logger, string roomId, string admin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index rows of destroyed room {RoomId} could not be updated; repair them from the room")]
    private static partial void LogDestroyIndexFailed(ILogger logger, Exception ex, string roomId);
}

/// <summary>An admin change of room settings: a new name, member cap, and settings merged key by key (null keeps).</summary>
public sealed record RoomUpdate(string? Name, int? MaxMembers, JsonObject Settings);

/// <summary>One page of a member list; <see cref="NextAfter"/> is the last user on it when more follow.</summary>
public sealed record MemberPage(RoomHead Head, IReadOnlyList<MemberRecord> Members, string? NextAfter);
