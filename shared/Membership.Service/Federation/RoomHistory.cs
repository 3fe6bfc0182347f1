using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Storage;

namespace Membership.Service.Federation;

/// <summary>
/// What a server in a room hosted here may fetch about it when it misses something: one event
/// (<c>GET /event/{eventId}</c>), the state before an event as IDs (<c>/state_ids</c>), an event's auth chain
/// (<c>/event_auth</c>). Only servers with users in the room are answered; an event is found among the rooms the
/// asking server ever had a user in (its outbox cursors), and served if it was sent there or one of its users is
/// joined now. A room or event it may not see reads as one that does not exist.
/// </summary>
public sealed class RoomHistory(RoomService rooms, MembershipStore store)
{
    /// <summary>The event's PDU.</summary>
    /// <exception cref="MembershipException">404 when there is no such event the origin may see.</exception>
    public async Task<JsonObject> EventAsync(ServerName origin, string eventId, CancellationToken cancellationToken)
    {
        foreach (var cursor in await store.ReadFederationCursorsOfAsync(origin.Value, cancellationToken))
        {
            // An event it was sent, or any while one of its users is joined (checked on the room's state, not the cursor's).
            if (await store.ReadEventByIdAsync(cursor.RoomId, eventId, cancellationToken) is { } ev && RoomId.TryParse(cursor.RoomId, out var room, out _)
                && (ev.Seq <= cursor.DeliveredSeq ? await rooms.HostedRoomAsync(room, cancellationToken) is not null : (await rooms.ReadLogAsync(room, cancellationToken))?.HasJoinedMember(origin) == true))
            {
                return RoomLog.Pdu(ev);
            }
        }

        throw new MembershipException(ErrorCode.NotFound, $"Could not find event {eventId}");
    }

    /// <summary>The state before an event, and its auth chain, as event IDs.</summary>
    /// <exception cref="MembershipException">404 no such room or event, 403 the origin has no user in the room.</exception>
    public async Task<(IReadOnlyList<string> PduIds, IReadOnlyList<string> AuthChainIds)> StateIdsAsync(ServerName origin, RoomId room, string eventId, CancellationToken cancellationToken)
    {
        var (log, ev) = await FindAsync(origin, room, eventId, cancellationToken);
        var state = log.StateBefore(ev.Seq);
        return ([.. state.Select(e => e.EventId)], [.. log.AuthChain(state).Select(e => e.EventId)]);
    }

    /// <summary>An event's auth chain, as full PDUs.</summary>
    /// <exception cref="MembershipException">404 no such room or event, 403 the origin has no user in the room.</exception>
    public async Task<IReadOnlyList<JsonObject>> AuthChainAsync(ServerName origin, RoomId room, string eventId, CancellationToken cancellationToken)
    {
        var (log, ev) = await FindAsync(origin, room, eventId, cancellationToken);
        return [.. log.AuthChain([ev]).Select(RoomLog.Pdu)];
    }

    private async Task<(RoomLog Log, EventRecord Event)> FindAsync(ServerName origin, RoomId room, string eventId, CancellationToken cancellationToken)
    {
        var log = await rooms.ReadLogAsync(room, cancellationToken) ?? throw new MembershipException(ErrorCode.NotFound, $"Room {room} is not known to this server");
        if (!log.HasJoinedMember(origin))
        {
            throw new MembershipException(ErrorCode.Forbidden, $"{origin} has no user in {room}, so it may not read its state");
        }

        return (log, log.Find(eventId) ?? throw new MembershipException(ErrorCode.NotFound, $"Could not find event {eventId} in {room}"));
    }
}
