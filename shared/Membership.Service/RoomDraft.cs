using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Protocols;
using Membership.Storage;

namespace Membership.Service;

/// <summary>
/// Changes being prepared: the room as read, plus the events they append. Every appended event is a signed PDU
/// chained to the previous one; member rows, counts and the head follow the events, so the commit is derived from
/// the events and never disagrees with the log. A group commit decides several callers' changes on one draft, one
/// after the other (<see cref="BeginChange"/>): each sees the room as the earlier ones left it, and one that is
/// refused is taken back whole (<see cref="DiscardChange"/>) without disturbing the others.
/// </summary>
internal sealed partial class RoomDraft
{
    public const string MemberType = "m.room.member";
    public const string CreateType = "m.room.create";

    private readonly ServerIdentity _server;
    private readonly Dictionary<string, MemberRecord> _members;
    private readonly Dictionary<string, MemberRecord> _changedMembers = new(StringComparer.Ordinal);
    private readonly List<EventRecord> _events = [];

    /// <summary>Users whose member row was read from storage (it exists there; others are inserted when written).</summary>
    private readonly HashSet<string> _stored;

    /// <summary>What the current change overwrote, in order: (user, row before, changed row before), to take it back.</summary>
    private readonly List<(string User, MemberRecord? Member, MemberRecord? Changed)> _undo = [];

    private string _surface;
    private int _changeStart;
    private RoomHead _headBeforeChange;
    private RoomSnapshot? _snapshot;

    /// <summary>The members' rule states, kept beside the rows so a snapshot per change does not parse every row again.</summary>
    private Dictionary<UserId, MemberState>? _states;

    public RoomDraft(ServerIdentity server, RoomHead head, IReadOnlyDictionary<string, MemberRecord> members, string surface)
    {
        _server = server;
        Head = head;
        _headBeforeChange = head;
        _members = new Dictionary<string, MemberRecord>(members, StringComparer.Ordinal);
        _stored = new HashSet<string>(members.Keys, StringComparer.Ordinal);
        _surface = surface;
    }

    public RoomHead Head { get; private set; }

    public IReadOnlyList<EventRecord> Events => _events;

    /// <summary>The time the draft's changes are made at (a group commits at one time).</summary>
    public DateTimeOffset Now { get; init; }

    public MemberRecord? MemberOf(string userId) => _members.GetValueOrDefault(userId);

    /// <summary>Whether the user's member row was read from storage (so it exists there).</summary>
    public bool WasStored(string userId) => _stored.Contains(userId);

    /// <summary>Adds member rows read after the head (e.g. users who may authorise a restricted join).</summary>
    public void AddKnownMembers(IEnumerable<MemberRecord> members)
    {
        foreach (var member in members)
        {
            if (_members.TryAdd(member.UserId, member))
            {
                _stored.Add(member.UserId);
                _states?.Add(UserId.Parse(member.UserId), ToState(member));
            }
        }

        _snapshot = null;
    }

    /// <summary>Starts the next caller's change: its events get their own change sequence and its surface.</summary>
    public void BeginChange(string surface)
    {
        _surface = surface;
        _changeStart = _events.Count;
        _headBeforeChange = Head;
        _undo.Clear();
    }

    /// <summary>Whether the change begun last writes anything (an event or a member row).</summary>
    public bool ChangeWrites => _events.Count > _changeStart || _undo.Count > 0;

    /// <summary>Takes back everything the change begun last did, as if it had never been decided.</summary>
    public void DiscardChange()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var (user, member, changed) = _undo[i];
            Restore(_members, user, member);
            Restore(_changedMembers, user, changed);
        }

        _undo.Clear();
        _events.RemoveRange(_changeStart, _events.Count - _changeStart);
        Head = _headBeforeChange;
        _states = null;
        _snapshot = null;

        static void Restore(Dictionary<string, MemberRecord> rows, string user, MemberRecord? row)
        {
            if (row is null)
            {
                rows.Remove(user);
            }
            else
            {
                rows[user] = row;
            }
        }
    }

    /// <summary>What the change begun last writes: its events, the member rows it left, and the head after it.</summary>
    public DraftChange EndChange()
    {
        var users = _undo.Select(u => u.User).Distinct(StringComparer.Ordinal);
        var change = new DraftChange(Head, _events.GetRange(_changeStart, _events.Count - _changeStart), [.. users.Select(u => _members[u])]);
        _undo.Clear();
        return change;
    }

    public RoomSnapshot Snapshot()
    {
        if (_snapshot is not null)
        {
            return _snapshot;
        }

        var joinRules = ParseObject(Head.JoinRulesContent);
        var rule = joinRules["join_rule"] is JsonValue v && v.TryGetValue(out string? text) && text is not null ? new JoinRule(text) : JoinRule.Default;
        _states ??= _members.Values.ToDictionary(m => UserId.Parse(m.UserId), ToState);
        var members = new Dictionary<UserId, MemberState>(_states);
        _snapshot = new RoomSnapshot(
            RoomId.Parse(Head.RoomId),
            Head.RoomVersion,
            UserId.Parse(Head.Creator),
            Head.Federate,
            rule,
            AllowRooms(joinRules),
            PowerLevels.Parse(ParseObject(Head.PowerLevelsContent)),
            members,
            Head.JoinedCount,
            Head.MaxMembers)
        {
            HasOnlyCreateEvent = Head.Seq == 1,
        };
        return _snapshot;
    }

    /// <summary>Appends an <c>m.room.member</c> event and moves the target's row, counts and index with it.</summary>
    public EventRecord AppendMember(MembershipChange change, string action, DateTimeOffset now, DateTimeOffset? banExpiresAt = null, string? adminInfo = null)
    {
        var ev = Append(MemberType, change.Target.Value, change.Sender, change.Content, action, now, MemberAuthEvents(change));
        MoveMember(change, ev, now, banExpiresAt, adminInfo);
        return ev;
    }

    /// <summary>
    /// The auth events of a member event (server-server API "Auth events selection"): the create event, the power
    /// levels, the sender's and the target's member events, the join rules for a join, invite or knock, and the
    /// authorising user's member event of a restricted join. Distinct, in that order.
    /// </summary>
    public List<string> MemberAuthEvents(MembershipChange change)
    {
        var membership = change.NewMembership;
        var auth = new List<string?> { Head.CreateEventId, Head.PowerLevelsEventId, MemberOf(change.Sender.Value)?.EventId, MemberOf(change.Target.Value)?.EventId };
        if (membership == RoomMembership.Join || membership == RoomMembership.Invite || membership == RoomMembership.Knock)
        {
            auth.Add(Head.JoinRulesEventId);
        }

        if (change.Content["join_authorised_via_users_server"] is JsonValue via && via.TryGetValue(out string? authoriser) && authoriser is not null)
        {
            auth.Add(MemberOf(authoriser)?.EventId);
        }

        return [.. auth.OfType<string>().Where(id => id.Length > 0).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Moves the target's row, the counts and the snapshot to the member event just appended.</summary>
    private void MoveMember(MembershipChange change, EventRecord ev, DateTimeOffset timestamp, DateTimeOffset? banExpiresAt = null, string? adminInfo = null)
    {
        var target = change.Target.Value;
        var previous = MemberOf(target);
        var membership = change.NewMembership;
        var row = new MemberRecord
        {
            UserId = target,
            Membership = membership.ToString(),
            Sender = change.Sender.Value,
            EventId = ev.EventId,
            Seq = ev.Seq,
            Timestamp = timestamp,
            Content = ContentText(change.Content),
            BanExpiresAt = membership == RoomMembership.Ban ? banExpiresAt : null,
            AdminInfo = adminInfo ?? previous?.AdminInfo,
        };
        SetMember(row);
        Head = Head with
        {
            JoinedCount = Head.JoinedCount + Delta(previous, row, RoomMembership.Join),
            InvitedCount = Head.InvitedCount + Delta(previous, row, RoomMembership.Invite),
        };
        _snapshot = null;
    }

    /// <summary>Appends a state event other than a membership (power levels, join rules, name, ...).</summary>
    public EventRecord AppendState(string type, UserId sender, JsonObject content, string action, DateTimeOffset now)
    {
        var auth = new List<string?> { Head.CreateEventId, Head.PowerLevelsEventId, MemberOf(sender.Value)?.EventId };
        var ev = Append(type, string.Empty, sender, content, action, now, auth);
        Head = type switch
        {
            StateRules.PowerLevelsType => Head with { PowerLevelsContent = ContentText(content), PowerLevelsEventId = ev.EventId },
            StateRules.JoinRulesType => Head with { JoinRulesContent = ContentText(content), JoinRulesEventId = ev.EventId },
            "m.room.name" => Head with { Name = content["name"]?.GetValue<string>() },
            "m.room.canonical_alias" => Head with { Alias = content["alias"]?.GetValue<string>() },
            _ => Head,
        };
        _snapshot = null;
        return ev;
    }

    /// <summary>Appends the <c>m.room.create</c> event of a new room (the head must be blank, sequence 0).</summary>
    public EventRecord AppendCreate(UserId creator, JsonObject content, string action, DateTimeOffset now)
    {
        var ev = Append(CreateType, string.Empty, creator, content, action, now, []);
        Head = Head with { CreateEventId = ev.EventId };
        return ev;
    }

    /// <summary>Marks a member row without an event (forget).</summary>
    public void UpdateMemberRow(MemberRecord row)
    {
        SetMember(row);
        _snapshot = null;
    }

    public RoomCommit ToCommit(bool isCreate) => new(Head, [.. _changedMembers.Values], _events) { IsCreate = isCreate };

    public bool HasChanges => _events.Count > 0 || _changedMembers.Count > 0;

    /// <summary>Writes a member row, remembering what it replaced so the change can be taken back.</summary>
    private void SetMember(MemberRecord row)
    {
        _undo.Add((row.UserId, _members.GetValueOrDefault(row.UserId), _changedMembers.GetValueOrDefault(row.UserId)));
        _members[row.UserId] = row;
        _changedMembers[row.UserId] = row;
        _states?[UserId.Parse(row.UserId)] = ToState(row);
    }

    private EventRecord Append(string type, string stateKey, UserId sender, JsonObject content, string action, DateTimeOffset now, IEnumerable<string?> authEvents)
    {
        var seq = Head.Seq + 1;
        var pdu = new JsonObject
        {
            ["auth_events"] = new JsonArray([.. authEvents.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).Select(id => (JsonNode)JsonValue.Create(id)!)]),
            ["content"] = content.DeepClone(),
            ["depth"] = seq,
            ["origin_server_ts"] = now.ToUnixTimeMilliseconds(),
            ["prev_events"] = string.IsNullOrEmpty(Head.LastEventId) ? new JsonArray() : new JsonArray(Head.LastEventId),
            ["room_id"] = Head.RoomId,
            ["sender"] = sender.Value,
            ["state_key"] = stateKey,
            ["type"] = type,
        };
        try
        {
            EventSigning.Sign(pdu, Head.RoomVersion, _server.Name.Value, _server.SigningKey);
        }
        catch (CanonicalJsonException ex)
        {
            // Everything but the content is ours; content with a float or an integer past 2^53 can never be signed.
            throw new MembershipException(ErrorCode.BadJson, $"The {type} content is not canonical JSON: {ex.Message}");
        }

        return AddEvent(pdu, EventSigning.ComputeEventId(pdu, Head.RoomVersion), type, stateKey, sender.Value, action, now);
    }

    /// <summary>Appends a signed PDU to the log as the next event, in the current change, and makes it the head's last event.</summary>
    /// <exception cref="EventTooLargeException">The PDU exceeds <see cref="MaxPduBytes"/>.</exception>
    private EventRecord AddEvent(JsonObject pdu, string eventId, string type, string stateKey, string sender, string action, DateTimeOffset now)
    {
        var seq = Head.Seq + 1;
        var bytes = CanonicalJson.Encode(pdu);
        if (bytes.Length > MaxPduBytes)
        {
            throw new EventTooLargeException($"The {type} event would be {bytes.Length} bytes; events are limited to {MaxPduBytes} bytes");
        }

        var record = new EventRecord
        {
            Seq = seq,
            EventId = eventId,
            Type = type,
            StateKey = stateKey,
            Sender = sender,
            Pdu = bytes,
            Timestamp = now,
            // Events of one change share the sequence of its first (the outbox's unit); a group holds several changes.
            ChangeSeq = _events.Count == _changeStart ? seq : _events[_changeStart].ChangeSeq,
            Surface = _surface,
            Action = action,
        };
        _events.Add(record);
        Head = Head with { Seq = seq, LastEventId = eventId };
        return record;
    }

    /// <summary>A PDU may not exceed 65536 bytes as canonical JSON, signatures included (spec "Size limits").</summary>
    public const int MaxPduBytes = 65536;

    private static int Delta(MemberRecord? before, MemberRecord after, RoomMembership which) =>
        (after.Membership == which.ToString() ? 1 : 0) - (before?.Membership == which.ToString() ? 1 : 0);

    private static MemberState ToState(MemberRecord m) => new(
        UserId.Parse(m.UserId),
        new RoomMembership(m.Membership),
        UserId.Parse(m.Sender),
        ParseObject(m.Content),
        m.EventId,
        m.Seq,
        m.Timestamp,
        m.BanExpiresAt);

    private static List<RoomId> AllowRooms(JsonObject joinRules)
    {
        var rooms = new List<RoomId>();
        if (joinRules["allow"] is JsonArray allow)
        {
            foreach (var entry in allow.OfType<JsonObject>())
            {
                if (entry["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && entry["type"]!.GetValue<string>() == "m.room_membership"
                    && entry["room_id"] is JsonValue id && id.TryGetValue(out string? text) && RoomId.TryParse(text, out var room, out _))
                {
                    rooms.Add(room);
                }
            }
        }

        return rooms;
    }

    internal static JsonObject ParseObject(string json) => JsonNode.Parse(json) as JsonObject ?? [];

    /// <summary>
    /// Content as the rows keep it: canonical JSON, never longer than in the PDU it is part of (ToJsonString would
    /// escape non-ASCII as \u sequences, up to three times the size, and a legal event would no longer fit its row).
    /// </summary>
    internal static string ContentText(JsonObject content) => System.Text.Encoding.UTF8.GetString(CanonicalJson.Encode(content));
}

/// <summary>One caller's change as decided in a draft: the head after it, its events, and the member rows it left.</summary>
internal sealed record DraftChange(RoomHead Head, IReadOnlyList<EventRecord> Events, IReadOnlyList<MemberRecord> Members);

/// <summary>The event would break the PDU size limit: the surfaces answer <c>M_TOO_LARGE</c>.</summary>
public sealed class EventTooLargeException : Exception
{
    public EventTooLargeException(string message)
        : base(message)
    {
    }

    public EventTooLargeException()
    {
    }

    public EventTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
