using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Protocols;
using Membership.Service.Federation;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// Member events signed by other servers: users of other servers joining and leaving rooms hosted here
/// (make_join/send_join, make_leave/send_leave, <c>/send</c>), and a local user's leave of a room hosted elsewhere
/// (rejecting a remote invite). The rules decide as for every other change; the event is committed exactly as its
/// server signed it (plus our signature on a restricted join we authorise).
/// </summary>
public sealed partial class RoomService
{
    /// <summary>The head of a room hosted here, or null when there is none (or it was destroyed).</summary>
    public async Task<RoomHead?> HostedRoomAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        if (roomId.Server != server.Name)
        {
            return null;
        }

        var read = await store.ReadRoomAsync(roomId.Value, [], cancellationToken);
        return read is null || read.Head.DestroyedAt is not null ? null : read.Head;
    }

    /// <summary>The head of any room this server keeps (hosted here, or the stub of a remote invite), or null.</summary>
    public async Task<RoomHead?> KnownRoomAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        (await store.ReadRoomAsync(roomId.Value, [], cancellationToken))?.Head;

    /// <summary>Every event of a room hosted here, in order; null when there is no such room.</summary>
    public async Task<RoomLog?> ReadLogAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        var head = await HostedRoomAsync(roomId, cancellationToken);
        return head is null ? null : new RoomLog(head, await store.ReadEventsAsync(roomId.Value, 1, head.Seq, cancellationToken));
    }

    /// <summary>A local user's member row in a room and the event that set it, or null.</summary>
    public async Task<(RoomHead Head, MemberRecord Member, EventRecord Event)?> MemberEventAsync(RoomId roomId, UserId user, CancellationToken cancellationToken = default)
    {
        var read = await store.ReadRoomAsync(roomId.Value, [user.Value], cancellationToken);
        if (read?.Members.GetValueOrDefault(user.Value) is not { } member)
        {
            return null;
        }

        var events = await store.ReadEventsAsync(roomId.Value, member.Seq, member.Seq, cancellationToken);
        return events is [var ev] ? (read.Head, member, ev) : null;
    }

    /// <summary>
    /// The template of make_join or make_leave: the member event the rules allow now, as this server would build it
    /// (auth events, previous event, depth, and for a restricted room the local user who authorises the join), without
    /// hashes or signatures. Nothing is written.
    /// </summary>
    public async Task<MemberTemplate> MemberTemplateAsync(RoomId roomId, MembershipChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var read = await store.ReadRoomAsync(roomId.Value, [change.Target.Value], cancellationToken);
        if (roomId.Server != server.Name || read is null || read.Head.DestroyedAt is not null)
        {
            return new MemberTemplate(null, null, null);
        }

        var draft = new RoomDraft(server, read.Head, read.Members, "federation");
        var prepared = await PrepareJoinAsync(draft, change);
        var decision = MembershipRules.Decide(draft.Snapshot(), prepared);
        if (decision.IsDenied)
        {
            return new MemberTemplate(read.Head.RoomVersion, null, new Denial(change.Target, UnableToAuthorise(draft.Snapshot(), prepared) ?? decision.Code, decision.Message));
        }

        var pdu = JsonNode.Parse(draft.AppendMember(prepared, "template", clock.GetUtcNow()).Pdu)!.AsObject();
        pdu.Remove("hashes");
        pdu.Remove("signatures");
        pdu["origin"] = server.Name.Value;
        return new MemberTemplate(read.Head.RoomVersion, pdu, null);
    }

    /// <summary>
    /// Commits a member event another server signed, after the rules and, for a room hosted here, the event's place in
    /// it: its <c>auth_events</c> are the ones the room's current state selects, its <c>prev_events</c> are events of the
    /// room, and a restricted join names a local authoriser only for a user joined to a room the join rule allows (we
    /// then add our signature) or one of the sender's own server. The same event again writes nothing.
    /// </summary>
    public async Task<SignedMemberOutcome> CommitSignedMemberAsync(SignedMember member, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        var change = member.Change;
        var hosted = member.Room.Server == server.Name;
        var via = Json.StringOrNull(change.Content["join_authorised_via_users_server"]);
        UserId? authoriser = via is not null && UserId.TryParse(via, out var parsed, out _) ? parsed : null;
        SignedMemberOutcome outcome = new(ChangeStatus.RoomNotFound, null, null, 0);
        await RetryOnConflictAsync(member.Room.Value, async () =>
        {
            var users = authoriser is { } a ? new[] { change.Target.Value, a.Value } : [change.Target.Value];
            var read = await store.ReadRoomAsync(member.Room.Value, users, cancellationToken);
            if (read is null || read.Head.DestroyedAt is not null)
            {
                outcome = new SignedMemberOutcome(ChangeStatus.RoomNotFound, null, null, 0);
                return ChangeResult.NotFound;
            }

            var current = read.Members.GetValueOrDefault(change.Target.Value);
            var knownSeq = current?.EventId == member.EventId ? current.Seq : (await store.ReadEventByIdAsync(member.Room.Value, member.EventId, cancellationToken))?.Seq;
            if (knownSeq is { } known)
            {
                outcome = new SignedMemberOutcome(ChangeStatus.Unchanged, null, null, known);
                return new ChangeResult(ChangeStatus.Unchanged, [], []);
            }

            var draft = new RoomDraft(server, read.Head, read.Members, "federation");
            var snapshot = draft.Snapshot();
            var decision = MembershipRules.Decide(snapshot, change);
            if (decision.Kind == DecisionKind.Unchanged)
            {
                // The same membership, sender and content as now: nothing to add (as for every surface).
                outcome = new SignedMemberOutcome(ChangeStatus.Unchanged, null, null, snapshot.MemberOf(change.Target)?.Sequence ?? read.Head.Seq);
                return new ChangeResult(ChangeStatus.Unchanged, [], []);
            }

            var pdu = member.Pdu.DeepClone().AsObject();
            var denial = decision.IsDenied ? decision.Message
                : hosted ? await PlaceInRoomAsync(draft, member, authoriser, pdu, cancellationToken)
                : null;
            if (denial is not null)
            {
                outcome = new SignedMemberOutcome(ChangeStatus.Denied, new Denial(change.Target, decision.IsDenied ? decision.Code : ErrorCode.Forbidden, denial), null, 0);
                return new ChangeResult(ChangeStatus.Denied, [], [outcome.Denial!]);
            }

            var ev = draft.AppendSignedMember(change, pdu, member.EventId, member.Action, clock.GetUtcNow());
            await store.CommitAsync(draft.ToCommit(isCreate: false), cancellationToken);
            LogSignedMemberCommitted(logger, member.Room.Value, change.Target.Value, member.Action, member.EventId, ev.Seq);
            Project(member.Room.Value, draft);
            outcome = new SignedMemberOutcome(ChangeStatus.Changed, null, pdu, ev.Seq);
            return new ChangeResult(ChangeStatus.Changed, [member.EventId], []);
        }, cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Null when the event fits the room as it stands: the restricted-join authoriser is one we can vouch for (then our
    /// signature is added to <paramref name="pdu"/>), the auth events are the current ones, the previous events are the
    /// room's. Otherwise why not.
    /// </summary>
    private async Task<string?> PlaceInRoomAsync(RoomDraft draft, SignedMember member, UserId? authoriser, JsonObject pdu, CancellationToken cancellationToken)
    {
        var change = member.Change;
        var snapshot = draft.Snapshot();
        var from = snapshot.MembershipOf(change.Target);
        if (authoriser is { } via && change.NewMembership == RoomMembership.Join && from != RoomMembership.Invite && from != RoomMembership.Join)
        {
            if (via.Server == server.Name)
            {
                if (!await JoinedToAllowedRoomAsync(snapshot, change.Target, cancellationToken))
                {
                    return $"{change.Target} names {via} to authorise the join, but is joined to none of the rooms hosted here that {snapshot.RoomId}'s join rule allows";
                }

                // The resident server whose user authorises a restricted join signs it (spec: before it is persisted).
                EventSigning.AddSignature(pdu, snapshot.RoomVersion, server.Name.Value, server.SigningKey);
            }
            else if (via.Server != change.Sender.Server)
            {
                return $"The join names {via} to authorise it, whose server {via.Server} did not sign it";
            }
        }

        var expected = draft.MemberAuthEvents(change);
        if (!expected.ToHashSet(StringComparer.Ordinal).SetEquals(member.AuthEvents))
        {
            return $"The event's auth_events [{string.Join(", ", member.AuthEvents)}] are not the ones {snapshot.RoomId}'s current state selects [{string.Join(", ", expected)}]; ask for a new template";
        }

        foreach (var prev in member.PrevEvents.Where(p => p != draft.Head.LastEventId))
        {
            if (await store.ReadEventByIdAsync(snapshot.RoomId.Value, prev, cancellationToken) is null)
            {
                return $"The event's prev_events name {prev}, which is not an event of {snapshot.RoomId}";
            }
        }

        return null;
    }

    /// <summary>Whether the user is joined to one of the rooms hosted here that a restricted join rule allows.</summary>
    private async Task<bool> JoinedToAllowedRoomAsync(RoomSnapshot snapshot, UserId user, CancellationToken cancellationToken)
    {
        foreach (var allowed in snapshot.AllowRooms.Where(r => r.Server == server.Name))
        {
            if ((await store.ReadRoomAsync(allowed.Value, [user.Value], cancellationToken))?.Members.GetValueOrDefault(user.Value)?.Membership == "join")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>M_UNABLE_TO_AUTHORISE_JOIN</c> for a restricted join that no room hosted here can vouch for (spec: none of
    /// the conditions can be validated by this server); null when the refusal is the rules' own.
    /// </summary>
    private ErrorCode? UnableToAuthorise(RoomSnapshot snapshot, MembershipChange change) =>
        change.NewMembership == RoomMembership.Join && IsRestricted(snapshot.JoinRule)
            && snapshot.MembershipOf(change.Target) is var from && from != RoomMembership.Invite && from != RoomMembership.Join && from != RoomMembership.Ban
            && !snapshot.AllowRooms.Any(r => r.Server == server.Name)
            ? new ErrorCode("M_UNABLE_TO_AUTHORISE_JOIN")
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId}: {UserId}'s {Action}, signed by their server, committed as {EventId} (seq {Seq})")]
    private static partial void LogSignedMemberCommitted(ILogger logger, string roomId, string userId, string action, string eventId, long seq);
}

/// <summary>A make_join or make_leave answer: the room's version and the template, or why not (no version: no such room).</summary>
public sealed record MemberTemplate(string? RoomVersion, JsonObject? Event, Denial? Denial);

/// <summary>A member event signed by another server (or by us for a room hosted elsewhere), checked, ready to commit.</summary>
/// <param name="Room">The event's room.</param>
/// <param name="EventId">The event's ID, computed from it.</param>
/// <param name="Pdu">The event as signed, without <c>unsigned</c>.</param>
/// <param name="Change">Its sender, target and content as the rules see them.</param>
/// <param name="AuthEvents">Its <c>auth_events</c>.</param>
/// <param name="PrevEvents">Its <c>prev_events</c>.</param>
/// <param name="Action">What the log records as the action ("join", "leave", "reject_invite", ...).</param>
public sealed record SignedMember(RoomId Room, string EventId, JsonObject Pdu, MembershipChange Change, IReadOnlyList<string> AuthEvents, IReadOnlyList<string> PrevEvents, string Action);

/// <summary>What committing a signed member event came to: committed at <see cref="Seq"/> (as <see cref="Event"/>), already there, or refused.</summary>
public sealed record SignedMemberOutcome(ChangeStatus Status, Denial? Denial, JsonObject? Event, long Seq);
