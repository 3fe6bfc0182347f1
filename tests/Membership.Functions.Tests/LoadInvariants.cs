using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Service;
using Membership.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// What must hold of every room however many changes raced on it (never lose or half-apply a change):
/// the event log is one gap-free chain whose last event is the head's; the member rows are exactly the log's
/// <c>m.room.member</c> events folded by state key; the head's counts match the rows; and the per-user index agrees
/// with the rows once repaired from them. A room without a head has no rows at all.
/// </summary>
internal static class LoadInvariants
{
    /// <summary>Checks one room and returns whether the per-user index already agreed before the repair.</summary>
    /// <param name="users">Every user the test involved, so index rows for users the room never saw are found too.</param>
    public static async Task<bool> AssertRoomConsistentAsync(IServiceProvider services, string roomId, IEnumerable<string> users)
    {
        var store = services.GetRequiredService<MembershipStore>();
        var read = await store.ReadRoomAsync(roomId, users: null);
        var events = await store.ReadEventsAsync(roomId, 1, long.MaxValue);
        var rows = await store.ReadMembersAsync(roomId);
        if (read is null)
        {
            Assert.True(events.Count == 0 && rows.Count == 0, $"{roomId} has no head but {events.Count} events and {rows.Count} member rows: half-applied");
            return true;
        }

        var head = read.Head;

        // One chain: sequence 1..n without gap or duplicate, distinct event IDs, the head at the last event.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(events.Count, head.Seq);
        Assert.Equal(events[^1].EventId, head.LastEventId);

        // The member rows are the log folded by state key, field by field.
        var folded = new Dictionary<string, (string Membership, string EventId, long Seq, string Sender, JsonNode Content)>(StringComparer.Ordinal);
        foreach (var ev in events.Where(e => e.Type == "m.room.member"))
        {
            var pdu = JsonNode.Parse(ev.Pdu)!;
            var stateKey = (string)pdu["state_key"]!;
            Assert.Equal(ev.StateKey, stateKey);
            Assert.Equal(ev.Seq, (long)pdu["depth"]!);
            folded[stateKey] = ((string)pdu["content"]!["membership"]!, ev.EventId, ev.Seq, (string)pdu["sender"]!, pdu["content"]!);
        }

        Assert.Equal(folded.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.UserId).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var expected = folded[row.UserId];
            Assert.True(
                expected.Membership == row.Membership && expected.EventId == row.EventId && expected.Seq == row.Seq && expected.Sender == row.Sender,
                $"{roomId}: the row of {row.UserId} ({row.Membership} at {row.Seq}) is not its last event ({expected.Membership} at {expected.Seq})");
            Assert.True(JsonNode.DeepEquals(expected.Content, JsonNode.Parse(row.Content)), $"{row.UserId}: row content {row.Content} differs from its event");
        }

        Assert.Equal(rows.Count(r => r.Membership == "join"), head.JoinedCount);
        Assert.Equal(rows.Count(r => r.Membership == "invite"), head.InvitedCount);

        // The per-user index: wait for the writes queued after each commit, compare, repair, compare again.
        var everyone = users.Concat(rows.Select(r => r.UserId)).Distinct(StringComparer.Ordinal).ToList();
        var index = services.GetRequiredService<UserIndex>();
        foreach (var user in everyone)
        {
            await index.WaitForUserAsync(user);
        }

        var agreedBefore = await IndexDisagreementAsync(store, roomId, rows, everyone) is null;
        Assert.True(RoomId.TryParse(roomId, out var room, out _));
        await services.GetRequiredService<RoomService>().RepairUserIndexAsync(room);
        var after = await IndexDisagreementAsync(store, roomId, rows, everyone);
        Assert.True(after is null, $"{roomId}: after repair, {after}");
        return agreedBefore;
    }

    /// <summary>Null when every user's index row for the room is its member row's (membership and sequence); else the first difference.</summary>
    private static async Task<string?> IndexDisagreementAsync(MembershipStore store, string roomId, IReadOnlyList<MemberRecord> rows, IEnumerable<string> users)
    {
        var byUser = rows.ToDictionary(r => r.UserId, StringComparer.Ordinal);
        foreach (var user in users)
        {
            var entries = (await store.ReadUserRoomsAsync(user)).Where(r => r.RoomId == roomId).ToList();
            var row = byUser.GetValueOrDefault(user);
            var expected = row is null ? "none" : $"{row.Membership}@{row.Seq}";
            var actual = entries.Count == 0 ? "none" : string.Join(",", entries.Select(e => $"{e.Membership}@{e.Seq}"));
            if (expected != actual)
            {
                return $"the index of {user} says {actual}, the member row {expected}";
            }
        }

        return null;
    }
}
