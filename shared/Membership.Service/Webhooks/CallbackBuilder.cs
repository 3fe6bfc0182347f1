using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Storage;

namespace Membership.Service.Webhooks;

/// <summary>The callback commands this service sends (Room Engine's room callbacks; docs/operations.md, "Webhooks").</summary>
public static class CallbackCommands
{
    public const string AfterCreateRoom = "Room.CallbackAfterCreateRoom";
    public const string AfterDestroyRoom = "Room.CallbackAfterDestroyRoom";
    public const string AfterUpdateRoomInfo = "Room.CallbackAfterUpdateRoomInfo";
    public const string AfterMemberEnter = "Room.CallbackAfterMemberEnter";
    public const string AfterMemberLeave = "Room.CallbackAfterMemberLeave";

    /// <summary>The name Tencent's get_callback sample uses for <see cref="AfterUpdateRoomInfo"/>; accepted as a synonym.</summary>
    public const string UpdateRoomInfoAlias = "Room.CallbackUpdateRoomInfo";

    /// <summary>A seat callback: accepted in a command list (seats are not built, so it is never sent).</summary>
    public const string AfterSeatInfoChanged = "Mic.CallbackAfterSeatInfoChanged";

    public static IReadOnlyList<string> Sent { get; } = [AfterCreateRoom, AfterDestroyRoom, AfterUpdateRoomInfo, AfterMemberEnter, AfterMemberLeave];

    /// <summary>What a <c>CallbackCommandList</c> may name; null for anything else. The alias maps to the name we send.</summary>
    public static string? Normalize(string command) => command switch
    {
        UpdateRoomInfoAlias => AfterUpdateRoomInfo,
        AfterSeatInfoChanged => AfterSeatInfoChanged,
        _ => Sent.Contains(command, StringComparer.Ordinal) ? command : null,
    };
}

/// <summary>
/// One change of a room's log: the events of one caller's change (the same <see cref="EventRecord.ChangeSeq"/>), or
/// several self-joins committed together (see <see cref="Group"/>).
/// </summary>
public sealed record RoomChange(IReadOnlyList<EventRecord> Events)
{
    /// <summary>Self-joins one <c>Room.CallbackAfterMemberEnter</c> lists at most (a group holds at most 128 changes).</summary>
    public const int MaxJoinsTogether = 100;

    public long ChangeSeq => Events[0].ChangeSeq;

    public long LastSeq => Events[^1].Seq;

    public DateTimeOffset Time => Events[0].Timestamp;

    /// <summary>
    /// Splits events (in log order) into changes; a change is contiguous in the log. Consecutive changes that are each
    /// one user joining by themselves, committed together (one group commit: the same <c>origin_server_ts</c>, the same
    /// surface), make one change, so Tencent's member list carries them in one callback rather than one callback each
    /// (a change that turns out to have more events than its self-join ends such a run).
    /// </summary>
    public static List<RoomChange> Group(IEnumerable<EventRecord> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var changes = new List<(List<EventRecord> Events, long? JoinedAt)>();
        foreach (var ev in events)
        {
            var joinedAt = SelfJoinTime(ev);
            if (changes.Count > 0 && changes[^1].Events[^1].ChangeSeq == ev.ChangeSeq)
            {
                changes[^1].Events.Add(ev);
                changes[^1] = (changes[^1].Events, null);
            }
            else if (changes.Count > 0 && joinedAt is not null && changes[^1].JoinedAt == joinedAt
                && changes[^1].Events.Count < MaxJoinsTogether && changes[^1].Events[0].Surface == ev.Surface)
            {
                changes[^1].Events.Add(ev);
            }
            else
            {
                changes.Add(([ev], joinedAt));
            }
        }

        return [.. changes.Select(c => new RoomChange(c.Events))];
    }

    /// <summary>
    /// For the first event of a change that is its sender joining by themselves: the event's <c>origin_server_ts</c>
    /// (a group's events share it; the row's Timestamp is storage's own, per row). Null for any other event.
    /// </summary>
    private static long? SelfJoinTime(EventRecord ev)
    {
        if (ev.ChangeSeq != ev.Seq || ev.Type != RoomDraft.MemberType || ev.StateKey != ev.Sender || ev.Action != "join")
        {
            return null;
        }

        var pdu = JsonNode.Parse(ev.Pdu) as JsonObject;
        return pdu?["content"]?["membership"] is JsonValue m && m.TryGetValue(out string? membership) && membership == "join"
            && pdu["origin_server_ts"] is JsonValue ts && ts.TryGetValue(out long time)
            ? time
            : null;
    }
}

/// <summary>A callback to send for a change: its command, its JSON body and where the change came from.</summary>
public sealed record PlannedCallback(string RoomId, string Command, JsonObject Body, long ChangeSeq, long LastSeq, DateTimeOffset EventTime, string OptPlatform);

/// <summary>
/// Members' memberships and the joined count as of a point in a room's log, moved forward event by event. The
/// dispatcher seeds it from the cursor (count) and the users' previous member events (memberships).
/// </summary>
public sealed class MembershipReplay(int joinedCount)
{
    private readonly Dictionary<string, string> _memberships = new(StringComparer.Ordinal);

    public int JoinedCount { get; private set; } = joinedCount;

    public bool Knows(string userId) => _memberships.ContainsKey(userId);

    public void Seed(string userId, string membership) => _memberships.TryAdd(userId, membership);

    /// <summary>Applies a member event; returns the membership before and after it.</summary>
    public (string Before, string After) Apply(string userId, string membership)
    {
        var before = _memberships.GetValueOrDefault(userId, "leave");
        _memberships[userId] = membership;
        JoinedCount += (membership == "join" ? 1 : 0) - (before == "join" ? 1 : 0);
        return (before, membership);
    }
}

/// <summary>
/// Turns a change of the log into its callbacks (usually one, often none): a change with <c>m.room.create</c> is
/// <c>Room.CallbackAfterCreateRoom</c>, one with the destroyed marker <c>Room.CallbackAfterDestroyRoom</c>, an
/// <c>update_room_info</c> change <c>Room.CallbackAfterUpdateRoomInfo</c>; otherwise members who became joined are one
/// <c>Room.CallbackAfterMemberEnter</c>, and joined members who left one <c>Room.CallbackAfterMemberLeave</c> with
/// <c>Type</c> <c>Leave</c> (they left themselves) or <c>Kicked</c> (kicked or banned by someone else). Invites, knocks,
/// rejections, unbans, power levels and profile changes make none. Accounts and room IDs are in Tencent form. Self-joins
/// committed together are one change (<see cref="RoomChange.Group"/>): their <c>Room.CallbackAfterMemberEnter</c> lists
/// them in log order, names the first as <c>Operator_Account</c> (each entered by themselves) and counts the room after
/// the last.
/// </summary>
public sealed class CallbackBuilder(ServerName server)
{
    private static readonly string[] Switches = ["IsVideoDisabled", "IsAudioDisabled", "IsMessageDisabled", "IsScreenSharingDisabled", "IsCloudRecordingDisabled"];

    /// <summary>The room's Tencent RoomId: the opaque part of a room of this server, else the full Matrix room ID.</summary>
    public string RoomIdOf(string roomId) =>
        RoomId.TryParse(roomId, out var room, out _) && room.Server == server ? room.Localpart : roomId;

    /// <summary>The Tencent account of a Matrix user: the local part for users of this server, else the full ID.</summary>
    public string AccountOf(string userId) =>
        UserId.TryParse(userId, out var user, out _) && user.Server == server ? user.Localpart : userId;

    /// <summary>Whether building the change's callbacks reads the room head (room settings for create and update).</summary>
    public static bool NeedsHead(RoomChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Events.Any(e => e.Type == RoomDraft.CreateType || e.Action == "update_room_info");
    }

    /// <summary>The callbacks of <paramref name="change"/>, moving <paramref name="replay"/> past it.</summary>
    public List<PlannedCallback> Build(string roomId, RoomChange change, MembershipReplay replay, RoomHead? head)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(replay);
        var entered = new List<EventRecord>();
        var left = new List<EventRecord>();
        var kicked = new List<EventRecord>();
        foreach (var ev in change.Events.Where(e => e.Type == RoomDraft.MemberType && e.StateKey is not null))
        {
            var (before, after) = replay.Apply(ev.StateKey!, MembershipOf(ev));
            if (after == "join" && before != "join")
            {
                entered.Add(ev);
            }
            else if (before == "join" && after is "leave" or "ban")
            {
                (ev.Sender == ev.StateKey ? left : kicked).Add(ev);
            }
        }

        var first = change.Events[0];
        var platform = first.Surface == RoomService.AdminSurface ? "RESTAPI" : "Unknown";
        var eventTime = change.Time.ToUnixTimeMilliseconds();
        var callbacks = new List<PlannedCallback>();
        void Add(string command, JsonObject body)
        {
            var full = new JsonObject { ["CallbackCommand"] = command };
            foreach (var (key, value) in body)
            {
                full[key] = value?.DeepClone();
            }

            full["EventTime"] = eventTime;
            callbacks.Add(new PlannedCallback(roomId, command, full, change.ChangeSeq, change.LastSeq, change.Time, platform));
        }

        if (change.Events.FirstOrDefault(e => e.Type == RoomDraft.CreateType) is { } create)
        {
            var createdBy = Content(create)["org.membership.created_by"] is JsonValue by && by.TryGetValue(out string? admin) ? admin : create.Sender;
            var invitees = change.Events.Where(e => e.Type == RoomDraft.MemberType && MembershipOf(e) == "invite").Select(e => (JsonNode)AccountOf(e.StateKey!));
            Add(CallbackCommands.AfterCreateRoom, new JsonObject
            {
                ["Operator_Account"] = AccountOf(createdBy),
                ["RoomInfo"] = CreatedRoomInfo(roomId, change, head, replay.JoinedCount),
                ["ScheduleInviteeList_Account"] = new JsonArray([.. invitees]),
            });
            return callbacks;
        }

        if (change.Events.FirstOrDefault(e => e.Type == RoomService.DestroyedType) is { } destroyed)
        {
            Add(CallbackCommands.AfterDestroyRoom, new JsonObject { ["Operator_Account"] = AccountOf(destroyed.Sender), ["RoomId"] = RoomIdOf(roomId) });
            return callbacks;
        }

        if (change.Events.FirstOrDefault(e => e.Action == "update_room_info") is { } update)
        {
            Add(CallbackCommands.AfterUpdateRoomInfo, new JsonObject { ["Operator_Account"] = AccountOf(update.Sender), ["RoomInfo"] = UpdatedRoomInfo(roomId, change, head) });
            return callbacks;
        }

        if (entered.Count > 0)
        {
            Add(CallbackCommands.AfterMemberEnter, Members(roomId, entered, "Enter", replay.JoinedCount, reason: null));
        }

        foreach (var (group, type) in new[] { (left, "Leave"), (kicked, "Kicked") })
        {
            if (group.Count > 0)
            {
                Add(CallbackCommands.AfterMemberLeave, Members(roomId, group, type, replay.JoinedCount, Content(group[0])["reason"] is JsonValue r && r.TryGetValue(out string? reason) ? reason : string.Empty));
            }
        }

        return callbacks;
    }

    public static string MembershipOf(EventRecord ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return Content(ev)["membership"] is JsonValue m && m.TryGetValue(out string? membership) ? membership : "leave";
    }

    private JsonObject Members(string roomId, List<EventRecord> events, string type, int memberCount, string? reason)
    {
        var body = new JsonObject
        {
            ["Operator_Account"] = AccountOf(events[0].Sender),
            ["RoomId"] = RoomIdOf(roomId),
            ["MemberCount"] = memberCount,
            ["Type"] = type,
            ["MemberList_Account"] = new JsonArray([.. events.Select(e => (JsonNode)AccountOf(e.StateKey!))]),
        };
        if (reason is not null)
        {
            body["Reason"] = reason;
        }

        return body;
    }

    /// <summary>The <c>RoomInfo</c> of get_room_info as the room was created (settings from the head; rooms made through Matrix answer defaults).</summary>
    private JsonObject CreatedRoomInfo(string roomId, RoomChange change, RoomHead? head, int memberCount)
    {
        var settings = head is null ? [] : RoomService.AdminInfoOf(head);
        var created = change.Time.ToUnixTimeSeconds();
        var start = (long?)settings["ScheduleStartTime"] ?? created;
        var info = new JsonObject
        {
            ["RoomId"] = RoomIdOf(roomId),
            ["RoomName"] = NameIn(change) ?? head?.Name ?? RoomIdOf(roomId),
            ["RoomType"] = (string?)settings["RoomType"] ?? "Conference",
            ["Owner_Account"] = AccountOf(OwnerIn(settings) ?? change.Events[0].Sender),
            ["MaxMemberCount"] = head?.MaxMembers ?? 0,
            ["MemberCount"] = memberCount,
            ["CreateTime"] = created,
            ["RoomStatus"] = start > created ? "NotStarted" : "Running",
            ["ScheduleStartTime"] = start,
            ["ScheduleEndTime"] = (long?)settings["ScheduleEndTime"] ?? 0,
        };
        AddSwitches(info, settings);
        info["IsSeatEnabled"] = (bool?)settings["IsSeatEnabled"] ?? false;
        info["MaxSeatCount"] = (long?)settings["MaxSeatCount"] ?? 0;
        info["TakeSeatMode"] = (string?)settings["TakeSeatMode"] ?? "None";
        return info;
    }

    /// <summary>
    /// update_room_info's <c>RoomInfo</c> after the change: the settings the change recorded (its admin-info event holds
    /// all of them), else the head's; the name from its <c>m.room.name</c> event, else the head's.
    /// </summary>
    private JsonObject UpdatedRoomInfo(string roomId, RoomChange change, RoomHead? head)
    {
        var recorded = change.Events.LastOrDefault(e => e.Type == RoomService.AdminInfoType) is { } ev ? Content(ev) : null;
        var settings = recorded ?? (head is null ? [] : RoomService.AdminInfoOf(head));
        var owner = OwnerIn(settings) ?? (head is null ? null : RoomService.OwnerOf(head).Value);
        var info = new JsonObject
        {
            ["RoomId"] = RoomIdOf(roomId),
            ["RoomName"] = NameIn(change) ?? head?.Name ?? RoomIdOf(roomId),
            ["Owner_Account"] = owner is null ? string.Empty : AccountOf(owner),
            ["TakeSeatMode"] = (string?)settings["TakeSeatMode"] ?? "None",
            ["MaxMemberCount"] = (long?)recorded?["MaxMemberCount"] ?? head?.MaxMembers ?? 0,
        };
        AddSwitches(info, settings);
        return info;
    }

    private static void AddSwitches(JsonObject info, JsonObject settings)
    {
        foreach (var name in Switches)
        {
            info[name] = (bool?)settings[name] ?? false;
        }

        info["CustomInfo"] = (string?)settings["CustomInfo"] ?? string.Empty;
    }

    private static string? OwnerIn(JsonObject settings) =>
        settings[RoomService.OwnerKey] is JsonValue v && v.TryGetValue(out string? owner) ? owner : null;

    private static string? NameIn(RoomChange change) =>
        change.Events.LastOrDefault(e => e.Type == "m.room.name") is { } ev && Content(ev)["name"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;

    private static JsonObject Content(EventRecord ev) =>
        (JsonNode.Parse(ev.Pdu) as JsonObject)?["content"] as JsonObject ?? [];
}
