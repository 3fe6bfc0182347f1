using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Storage;

namespace Membership.Service;

public sealed partial class RoomService
{
    /// <summary>
    /// The room's state as <paramref name="caller"/> may read it, by <see cref="RoomVisibility"/>: every read of room
    /// state by a user (members, joined members, state events) goes through here. <paramref name="atSeq"/> (a stream
    /// token) reads an earlier point, never a later one than the caller may see. A room that does not exist reads as
    /// one the caller was never in (nothing tells the two apart).
    /// </summary>
    public async Task<VisibleState> ReadStateAsync(RoomId roomId, UserId caller, long? atSeq = null, CancellationToken cancellationToken = default)
    {
        var read = await store.ReadRoomAsync(roomId.Value, users: null, cancellationToken);
        var own = read is null || read.Head.DestroyedAt is not null ? null : read.Members.GetValueOrDefault(caller.Value);
        if (read is null || own is null)
        {
            return VisibleState.Nothing(own);
        }

        // A joined caller's current member event is all the history the rule needs; anyone else's own member events
        // come from the log up to their current one.
        IReadOnlyList<EventRecord> log = [];
        List<MembershipStep> history = [new(own.Seq, new RoomMembership(own.Membership))];
        if (own.Membership != RoomMembership.Join.ToString())
        {
            log = await store.ReadEventsAsync(roomId.Value, 1, own.Seq, cancellationToken);
            history = History(log, caller);
        }

        var visibility = RoomVisibility.Of(history, own.Forgotten);
        if (!visibility.CanRead)
        {
            return VisibleState.Nothing(own);
        }

        var upTo = Math.Min(atSeq ?? long.MaxValue, Math.Min(visibility.UpTo, read.Head.Seq));
        if (upTo == read.Head.Seq)
        {
            var members = read.Members.Values.OrderBy(m => MembershipStore.MemberKey(m.UserId), StringComparer.Ordinal).ToList();
            return new VisibleState(visibility, own, members, read.Head.PowerLevelsContent, read.Head.JoinRulesContent);
        }

        if (log.Count == 0 || log[^1].Seq < upTo)
        {
            log = await store.ReadEventsAsync(roomId.Value, 1, upTo, cancellationToken);
        }

        return Replay(visibility, own, log.TakeWhile(e => e.Seq <= upTo));
    }

    /// <summary>The caller's own member events, in log order.</summary>
    private static List<MembershipStep> History(IEnumerable<EventRecord> log, UserId caller) =>
        [.. log.Where(e => e.Type == RoomDraft.MemberType && e.StateKey == caller.Value).Select(e => new MembershipStep(e.Seq, new RoomMembership(MembershipOf(Content(e)))))];

    /// <summary>The state as of the last event of <paramref name="log"/>, rebuilt from the log.</summary>
    private static VisibleState Replay(Visibility visibility, MemberRecord caller, IEnumerable<EventRecord> log)
    {
        var members = new Dictionary<string, MemberRecord>(StringComparer.Ordinal);
        string powerLevels = "{}", joinRules = "{}";
        foreach (var ev in log.Where(e => e.StateKey is not null))
        {
            var content = Content(ev);
            switch (ev.Type)
            {
                case RoomDraft.MemberType:
                    members[ev.StateKey!] = new MemberRecord
                    {
                        UserId = ev.StateKey!,
                        Membership = MembershipOf(content),
                        Sender = ev.Sender,
                        EventId = ev.EventId,
                        Seq = ev.Seq,
                        Timestamp = ev.Timestamp,
                        Content = RoomDraft.ContentText(content),
                    };
                    break;
                case StateRules.PowerLevelsType:
                    powerLevels = RoomDraft.ContentText(content);
                    break;
                case StateRules.JoinRulesType:
                    joinRules = RoomDraft.ContentText(content);
                    break;
            }
        }

        return new VisibleState(visibility, caller, [.. members.Values.OrderBy(m => MembershipStore.MemberKey(m.UserId), StringComparer.Ordinal)], powerLevels, joinRules);
    }

    private static JsonObject Content(EventRecord ev) => JsonNode.Parse(ev.Pdu)?["content"] as JsonObject ?? [];

    private static string MembershipOf(JsonObject content) =>
        content["membership"] is JsonValue v && v.TryGetValue(out string? membership) ? membership : RoomMembership.Leave.ToString();
}

/// <summary>
/// A room's state as one user may read it (<see cref="RoomService.ReadStateAsync"/>): the members and the content of
/// the power levels and join rules, current or as of the user's departure. Empty when <see cref="Visibility"/> is none.
/// </summary>
/// <param name="Caller">The caller's own current member row, whatever they may see (null: no membership at all).</param>
public sealed record VisibleState(Visibility Visibility, MemberRecord? Caller, IReadOnlyList<MemberRecord> Members, string PowerLevelsContent, string JoinRulesContent)
{
    /// <summary>What a caller who may see nothing gets: their own member row, if any.</summary>
    public static VisibleState Nothing(MemberRecord? caller) => new(Visibility.None, caller, [], "{}", "{}");

    /// <summary>The member event of <paramref name="userId"/> the caller may read: their own current one always, others' as visible.</summary>
    public MemberRecord? MemberOf(string userId) =>
        userId == Caller?.UserId ? Caller : Members.FirstOrDefault(m => m.UserId == userId);
}
