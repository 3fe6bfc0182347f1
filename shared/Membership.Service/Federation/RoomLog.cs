using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Storage;

namespace Membership.Service.Federation;

/// <summary>
/// A room's whole log, for what other servers ask about it: the state before an event (the latest event of each type
/// and state key that precedes it: the log is one chain, so no state resolution is needed), and auth chains (every
/// event reachable through <c>auth_events</c>). Pure: the caller reads the events.
/// </summary>
public sealed class RoomLog
{
    private readonly Dictionary<string, EventRecord> _byId;
    private readonly Dictionary<string, IReadOnlyList<string>> _auth = new(StringComparer.Ordinal);

    public RoomLog(RoomHead head, IReadOnlyList<EventRecord> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Head = head;
        Events = events;
        _byId = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
        foreach (var ev in events)
        {
            _byId.TryAdd(ev.EventId, ev);
        }
    }

    public RoomHead Head { get; }

    /// <summary>The events in log order.</summary>
    public IReadOnlyList<EventRecord> Events { get; }

    public EventRecord? Find(string eventId) => _byId.GetValueOrDefault(eventId);

    /// <summary>The room's state just before sequence <paramref name="seq"/>, in log order.</summary>
    public List<EventRecord> StateBefore(long seq)
    {
        var latest = new Dictionary<(string Type, string StateKey), EventRecord>();
        foreach (var ev in Events.TakeWhile(e => e.Seq < seq))
        {
            if (ev.StateKey is not null)
            {
                latest[(ev.Type, ev.StateKey)] = ev;
            }
        }

        return [.. latest.Values.OrderBy(e => e.Seq)];
    }

    /// <summary>Every event the given ones reach through <c>auth_events</c>, recursively, in log order (the given ones only if reached).</summary>
    public List<EventRecord> AuthChain(IEnumerable<EventRecord> from)
    {
        ArgumentNullException.ThrowIfNull(from);
        var reached = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
        var pending = new Stack<EventRecord>(from);
        while (pending.TryPop(out var ev))
        {
            foreach (var id in AuthEventsOf(ev))
            {
                if (_byId.TryGetValue(id, out var auth) && reached.TryAdd(id, auth))
                {
                    pending.Push(auth);
                }
            }
        }

        return [.. reached.Values.OrderBy(e => e.Seq)];
    }

    /// <summary>Whether a user of <paramref name="server"/> is joined just before sequence <paramref name="seq"/>.</summary>
    public bool HasJoinedMember(ServerName server, long seq = long.MaxValue) =>
        ServersInRoom(seq).Contains(server.Value);

    /// <summary>The servers with joined users just before sequence <paramref name="seq"/>, ordered by name.</summary>
    public SortedSet<string> ServersInRoom(long seq = long.MaxValue) =>
        new(StateBefore(seq)
                .Where(e => e.Type == RoomDraft.MemberType && Webhooks.CallbackBuilder.MembershipOf(e) == "join" && UserId.TryParse(e.StateKey, out _, out _))
                .Select(e => UserId.Parse(e.StateKey!).Server.Value),
            StringComparer.Ordinal);

    /// <summary>The full PDU of an event, as stored.</summary>
    public static JsonObject Pdu(EventRecord ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return JsonNode.Parse(ev.Pdu)!.AsObject();
    }

    /// <summary>An event's <c>auth_events</c> (IDs; room versions 1 and 2 list [id, hashes] pairs).</summary>
    private IReadOnlyList<string> AuthEventsOf(EventRecord ev)
    {
        if (!_auth.TryGetValue(ev.EventId, out var ids))
        {
            ids = Pdu(ev)["auth_events"] is JsonArray list
                ? [.. list.Select(e => Json.StringOrNull(e is JsonArray { Count: > 0 } pair ? pair[0] : e)).OfType<string>()]
                : [];
            _auth[ev.EventId] = ids;
        }

        return ids;
    }
}
