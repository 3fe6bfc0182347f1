using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Service.Federation;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// Federation invites through the room service.
/// <list type="bullet">
/// <item>Outgoing: a local user invites a user of another server. Decided by the rules as usual; the invite PDU is
/// built by the draft, co-signed by the invitee's server, then committed against the ETag read before the remote call
/// (the room lock is not held while the remote answers). Nothing is committed when the remote fails.</item>
/// <item>Incoming: a remote room's invite for a local user is kept in that room's own partition, as a stub head (the
/// room's ID, version and creator; no state of its own) plus the invitee's member row and the co-signed event, so the
/// client endpoints show it like any invite. A room hosted elsewhere never has a joined local member here: the only
/// local change to it is the invitee's leave, which rejects the invite (<see cref="Federation.InviteRejecter"/>).</item>
/// </list>
/// </summary>
public sealed partial class RoomService
{
    /// <summary>Attempts of an outgoing invite whose commit lost to a concurrent change (each one asks the remote again).</summary>
    private const int MaxRemoteAttempts = 3;

    /// <summary>The state an invitee's server is shown (spec "Stripped state"; the create event is required since v1.16).</summary>
    private static readonly string[] InviteStateTypes =
        ["m.room.create", "m.room.join_rules", "m.room.name", "m.room.canonical_alias", "m.room.avatar", "m.room.topic", "m.room.encryption"];

    /// <summary>
    /// Invites a user of another server: rules, then <paramref name="cosign"/> (the federation invite), then the
    /// commit of the event as both servers signed it.
    /// </summary>
    /// <exception cref="RemoteInviteException">The invitee's server refused, failed or could not be reached; nothing was written.</exception>
    public async Task<ChangeResult> InviteRemoteAsync(
        RoomId roomId,
        MembershipChange change,
        Func<OutgoingInvite, CancellationToken, Task<JsonObject>> cosign,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(cosign);
        for (var attempt = 1; ; attempt++)
        {
            RoomDraft draft;
            EventRecord invite;
            using (await locks.AcquireAsync(roomId.Value, cancellationToken))
            {
                var read = await store.ReadRoomAsync(roomId.Value, [change.Sender.Value, change.Target.Value], cancellationToken);
                if (read is null || read.Head.DestroyedAt is not null)
                {
                    return ChangeResult.NotFound;
                }

                if (roomId.Server != server.Name || !read.Head.Federate)
                {
                    var why = roomId.Server != server.Name
                        ? $"room {roomId} is hosted by {roomId.Server}, and this server only invites into rooms it hosts"
                        : $"room {roomId} was created with m.federate false";
                    return Deny(change.Target, ErrorCode.Forbidden, $"{change.Sender} may not invite {change.Target}: {why}");
                }

                draft = new RoomDraft(server, read.Head, read.Members, "client");
                var now = clock.GetUtcNow();
                EndExpiredBan(draft, change.Target, now);
                var decision = MembershipRules.Decide(draft.Snapshot(), change);
                if (decision.Kind == DecisionKind.Denied)
                {
                    return Deny(change.Target, decision.Code, decision.Message);
                }

                if (decision.Kind == DecisionKind.Unchanged && !draft.HasChanges)
                {
                    // Already invited exactly so: the remote signed it the first time; ask nothing again.
                    return new ChangeResult(ChangeStatus.Unchanged, [], []);
                }

                invite = draft.AppendMember(change, "invite", now);
            }

            var state = await InviteRoomStateAsync(roomId, cancellationToken);
            var pdu = JsonNode.Parse(invite.Pdu)!.AsObject();
            var cosigned = await cosign(new OutgoingInvite(change.Target.Server, draft.Head.RoomVersion, invite.EventId, pdu, state), cancellationToken);
            draft.ReplaceWithCosigned(invite, cosigned);

            using (await locks.AcquireAsync(roomId.Value, cancellationToken))
            {
                try
                {
                    // Against the ETag read before the remote call: a change in between makes this a 412, and the
                    // invite is decided and built again.
                    await store.CommitAsync(draft.ToCommit(isCreate: false), cancellationToken);
                    Project(roomId.Value, draft);
                    LogRemoteInviteCommitted(logger, roomId.Value, change.Target.Server.Value, invite.EventId);
                    return new ChangeResult(ChangeStatus.Changed, [.. draft.Events.Select(e => e.EventId)], []);
                }
                catch (ConcurrencyConflictException) when (attempt < MaxRemoteAttempts)
                {
                    LogConflict(logger, roomId.Value, attempt);
                }
                catch (ConcurrencyConflictException ex)
                {
                    throw new StorageUnavailableException($"Room {roomId} is changing too fast; try again", ex);
                }
            }
        }
    }

    /// <summary>
    /// Stores a checked, co-signed invite of a remote room for a local user: creates the room's stub head on first
    /// contact, appends the event and the invitee's member row. The same event again writes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The room is hosted by this server (the receiver refuses those first).</exception>
    public async Task<ChangeResult> StoreRemoteInviteAsync(RemoteInvite invite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invite);
        if (invite.Room.Server == server.Name)
        {
            throw new ArgumentException($"Room {invite.Room} is hosted here; its invites are not stored as remote ones", nameof(invite));
        }

        return await RetryOnConflictAsync(invite.Room.Value, async () =>
        {
            var read = await store.ReadRoomAsync(invite.Room.Value, [invite.Target.Value], cancellationToken);
            if (read?.Members.GetValueOrDefault(invite.Target.Value)?.EventId == invite.EventId)
            {
                return new ChangeResult(ChangeStatus.Unchanged, [], []);
            }

            var now = clock.GetUtcNow();
            var draft = new RoomDraft(server, read?.Head ?? StubHead(invite, now), read?.Members ?? new Dictionary<string, MemberRecord>(), "federation");
            draft.AppendRemoteInvite(invite, now);
            await store.CommitAsync(draft.ToCommit(isCreate: read is null), cancellationToken);
            Project(invite.Room.Value, draft);
            return new ChangeResult(ChangeStatus.Changed, [invite.EventId], []);
        }, cancellationToken);
    }

    /// <summary>
    /// The head of a room hosted elsewhere: its ID, version and creator (from the stripped create event, else the
    /// inviter), its name and alias for display. No state events of its own: join rules and power levels are empty.
    /// </summary>
    private static RoomHead StubHead(RemoteInvite invite, DateTimeOffset now)
    {
        var creator = StrippedState.SenderOf(invite.StrippedState, RoomDraft.CreateType) is { } text && UserId.TryParse(text, out var user, out _) ? user : invite.Sender;
        return new RoomHead
        {
            RoomId = invite.Room.Value,
            RoomVersion = invite.RoomVersion,
            Creator = creator.Value,
            JoinRulesContent = "{}",
            PowerLevelsContent = "{}",
            Name = Json.StringOrNull(StrippedState.ContentOf(invite.StrippedState, "m.room.name")?["name"]),
            Alias = Json.StringOrNull(StrippedState.ContentOf(invite.StrippedState, "m.room.canonical_alias")?["alias"]),
            LastEventId = string.Empty,
            CreateEventId = string.Empty,
            PowerLevelsEventId = string.Empty,
            JoinRulesEventId = string.Empty,
            CreatedAt = now,
        };
    }

    /// <summary>The latest create, join rules, name, ... events of a room, as full PDUs (one partition query).</summary>
    private async Task<JsonArray> InviteRoomStateAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var events = await store.ReadLatestStateEventsAsync(roomId.Value, InviteStateTypes, cancellationToken);
        return [.. events.Select(e => JsonNode.Parse(e.Pdu))];
    }

    private static ChangeResult Deny(UserId target, ErrorCode code, string message) =>
        new(ChangeStatus.Denied, [], [new Denial(target, code, message)]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invite to {RoomId} co-signed by {Destination} and committed as {EventId}")]
    private static partial void LogRemoteInviteCommitted(ILogger logger, string roomId, string destination, string eventId);
}
