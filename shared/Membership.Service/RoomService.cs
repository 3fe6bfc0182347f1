using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// The membership service: load the room, let the rules decide, commit the events in one transaction against the
/// head's ETag, retry on conflict; changes to one room that arrive together are committed together
/// (<see cref="GroupCommit"/>). Every surface (client-server, federation, admin) changes rooms only through here.
/// </summary>
public sealed partial class RoomService(
    MembershipStore store,
    ServerIdentity server,
    RoomLocks locks,
    UserIndex index,
    Webhooks.WebhookDispatcher webhooks,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<RoomService> logger)
{
    private readonly GroupCommit _groups = new(store, server, locks, clock, new GroupCommitMetrics(meters), (roomId, commit) => Project(index, webhooks, roomId, commit), logger);

    public ServerIdentity Server => server;

    /// <summary>Creates a room: create event, creator's join, power levels, join rules, history visibility, name, alias, invites.</summary>
    /// <exception cref="MembershipException">M_ROOM_IN_USE for a taken ID or alias, M_BAD_JSON for invalid power levels.</exception>
    public async Task<RoomId> CreateRoomAsync(CreateRoomSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var roomId = spec.RoomId ?? RoomId.Create(RandomLocalpart(), server.Name);
        var now = clock.GetUtcNow();
        var powerLevels = BuildPowerLevels(spec);
        var head = new RoomHead
        {
            RoomId = roomId.Value,
            RoomVersion = spec.RoomVersion,
            Creator = spec.Creator.Value,
            Federate = spec.CreationContent?["m.federate"] is not JsonValue f || !f.TryGetValue(out bool federate) || federate,
            JoinRulesContent = "{}",
            PowerLevelsContent = powerLevels.ToJsonString(),
            LastEventId = string.Empty,
            CreateEventId = string.Empty,
            PowerLevelsEventId = string.Empty,
            JoinRulesEventId = string.Empty,
            CreatedAt = now,
            MaxMembers = spec.MaxMembers,
            AdminInfo = spec.AdminInfo,
        };

        var draft = new RoomDraft(server, head, new Dictionary<string, MemberRecord>(), spec.Surface);
        var create = spec.CreationContent?.DeepClone().AsObject() ?? [];
        create["room_version"] = spec.RoomVersion;
        if (spec.RoomVersion == "10")
        {
            create["creator"] = spec.Creator.Value; // v11 takes the creator from the create event's sender.
        }

        draft.AppendCreate(spec.Creator, create, "create_room", now);
        draft.AppendMember(new MembershipChange(MembershipAction.Join, spec.Creator, spec.Creator, MembershipChange.ContentFor(MembershipAction.Join, null)), "create_room", now);
        draft.AppendState(StateRules.PowerLevelsType, spec.Creator, powerLevels, "create_room", now);
        if (spec.Alias is { } alias)
        {
            draft.AppendState("m.room.canonical_alias", spec.Creator, new JsonObject { ["alias"] = alias.Value }, "create_room", now);
        }

        draft.AppendState(StateRules.JoinRulesType, spec.Creator, new JsonObject { ["join_rule"] = spec.JoinRule.ToString() }, "create_room", now);
        draft.AppendState("m.room.history_visibility", spec.Creator, new JsonObject { ["history_visibility"] = spec.HistoryVisibility }, "create_room", now);
        if (spec.Name is not null)
        {
            draft.AppendState("m.room.name", spec.Creator, new JsonObject { ["name"] = spec.Name }, "create_room", now);
        }

        foreach (var invitee in spec.Invites)
        {
            var content = MembershipChange.ContentFor(MembershipAction.Invite, null);
            if (spec.IsDirect)
            {
                content["is_direct"] = true;
            }

            var change = new MembershipChange(MembershipAction.Invite, spec.Creator, invitee, content);
            var decision = MembershipRules.Decide(draft.Snapshot(), change);
            if (decision.IsDenied)
            {
                throw new MembershipException(decision.Code, decision.Message);
            }

            draft.AppendMember(change, "invite", now);
        }

        if (spec.Alias is { } claimed)
        {
            try
            {
                await store.AddAliasAsync(claimed.Value, roomId.Value, cancellationToken);
            }
            catch (AlreadyExistsException)
            {
                throw new MembershipException(ErrorCode.RoomInUse, $"Room alias {claimed} is already in use");
            }
        }

        try
        {
            await store.CommitAsync(draft.ToCommit(isCreate: true), cancellationToken);
        }
        catch (Exception ex) when (ex is AlreadyExistsException or StorageException)
        {
            if (spec.Alias is { } release)
            {
                await TryReleaseAliasAsync(release);
            }

            if (ex is AlreadyExistsException)
            {
                throw new MembershipException(ErrorCode.RoomInUse, $"Room {roomId} already exists");
            }

            throw;
        }

        Project(roomId.Value, draft);
        LogRoomCreated(logger, roomId.Value, spec.Surface, draft.Events.Count);
        return roomId;
    }

    /// <summary>
    /// Applies one or more membership changes to a room, all or nothing: each is decided against the room as the
    /// earlier ones leave it; if any is denied nothing is written and every denial is returned. Committed with the
    /// other changes to the room that arrive meanwhile; the list is one unit of that group.
    /// </summary>
    public async Task<ChangeResult> ChangeAsync(
        RoomId roomId,
        IReadOnlyList<MembershipChange> changes,
        string surface,
        string action,
        Func<MembershipChange, DateTimeOffset?>? banExpiry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var users = changes.SelectMany(c => new[] { c.Sender.Value, c.Target.Value }).Distinct(StringComparer.Ordinal).ToList();
        return await CommitInGroupAsync(roomId, users, surface, async draft =>
        {
            var now = draft.Now;
            var denials = new List<Denial>();
            foreach (var requested in changes)
            {
                EndExpiredBan(draft, requested.Target, now);
                var change = await PrepareJoinAsync(draft, requested);
                var decision = MembershipRules.Decide(draft.Snapshot(), change);
                switch (decision.Kind)
                {
                    case DecisionKind.Denied:
                        denials.Add(new Denial(change.Target, decision.Code, decision.Message));
                        break;
                    case DecisionKind.Allowed:
                        draft.AppendMember(change, action, now, banExpiry?.Invoke(change));
                        break;
                }
            }

            return denials;
        }, cancellationToken);
    }

    /// <summary>Sets <c>m.room.power_levels</c> or <c>m.room.join_rules</c> (other state types are refused at the edge).</summary>
    public Task<ChangeResult> SetStateAsync(RoomId roomId, UserId sender, string eventType, JsonObject content, string surface, CancellationToken cancellationToken = default) =>
        CommitInGroupAsync(roomId, [sender.Value], surface, draft =>
        {
            var snapshot = draft.Snapshot();
            var decision = eventType == StateRules.PowerLevelsType
                ? StateRules.ChangePowerLevels(snapshot, sender, content)
                : StateRules.ChangeJoinRules(snapshot, sender, content);
            if (decision.IsDenied)
            {
                return Task.FromResult(new List<Denial> { new(sender, decision.Code, decision.Message) });
            }

            // Repeating the current content is a no-op, but only for a sender who may set it (others get the denial above).
            var current = eventType == StateRules.PowerLevelsType ? snapshot.PowerLevels.Content : RoomDraft.ParseObject(draft.Head.JoinRulesContent);
            if (JsonNode.DeepEquals(current, content))
            {
                return Task.FromResult(new List<Denial>());
            }

            draft.AppendState(eventType, sender, content, "set_state", draft.Now);
            return Task.FromResult(new List<Denial>());
        }, cancellationToken);

    /// <summary>Marks a room forgotten for a user who has left it or was banned (no event; the row remembers).</summary>
    public Task<ChangeResult> ForgetAsync(RoomId roomId, UserId user, CancellationToken cancellationToken = default) =>
        CommitInGroupAsync(roomId, [user.Value], "client", draft =>
        {
            var member = draft.MemberOf(user.Value);
            if (member is null || member.Forgotten)
            {
                return Task.FromResult(new List<Denial>());
            }

            if (member.Membership != "leave" && member.Membership != "ban")
            {
                return Task.FromResult(new List<Denial> { new(user, ErrorCode.Unknown, $"{user} is in room {roomId} (membership '{member.Membership}'); leave it before forgetting it") });
            }

            draft.UpdateMemberRow(member with { Forgotten = true });
            return Task.FromResult(new List<Denial>());
        }, cancellationToken);

    /// <summary>The room's head and every member row (one partition query), or null when the room does not exist.</summary>
    public async Task<RoomView?> GetRoomAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        var read = await store.ReadRoomAsync(roomId.Value, users: null, cancellationToken);
        return read is null || read.Head.DestroyedAt is not null
            ? null
            : new RoomView(read.Head, [.. read.Members.Values.OrderBy(m => MembershipStore.MemberKey(m.UserId), StringComparer.Ordinal)]);
    }

    /// <summary>Rooms in which the user's membership is <c>join</c>, after the user's own pending index writes.</summary>
    public async Task<IReadOnlyList<UserRoomRecord>> UserRoomsAsync(UserId user, CancellationToken cancellationToken = default)
    {
        await index.WaitForUserAsync(user.Value);
        return await store.ReadUserRoomsAsync(user.Value, cancellationToken);
    }

    /// <summary>Rewrites the per-user index rows of every member of a room from its member rows (idempotent).</summary>
    public async Task RepairUserIndexAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        foreach (var member in await store.ReadMembersAsync(roomId.Value, cancellationToken))
        {
            await store.UpsertUserRoomAsync(new UserRoomRecord(member.UserId, roomId.Value, member.Membership, member.Seq), cancellationToken);
        }
    }

    public async Task<RoomId?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken = default) =>
        await store.ResolveAliasAsync(alias.Value, cancellationToken) is { } id && RoomId.TryParse(id, out var room, out _) ? room : null;

    /// <summary>
    /// Queues a change for its room's next group commit (<see cref="GroupCommit"/>): read, <paramref name="decide"/>
    /// (its refusals; none: what it appended is the change), commit, retried after a lost race. Logs what it committed.
    /// </summary>
    private async Task<ChangeResult> CommitInGroupAsync(
        RoomId roomId,
        IReadOnlyCollection<string> users,
        string surface,
        Func<RoomDraft, Task<List<Denial>>> decide,
        CancellationToken cancellationToken)
    {
        var result = await _groups.SubmitAsync(roomId.Value, users, surface, decide, cancellationToken);

        // Logged by the caller, inside its request's scope (a group is committed on one caller's context).
        if (result is { Status: ChangeStatus.Changed, EventIds: [var first, ..] })
        {
            LogCommitted(logger, roomId.Value, surface, first, result.EventIds.Count);
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (read, decide, commit) under the room's lock, and again whenever another
    /// instance's change won the room's ETag (412; or the room's creation, for a stub head). The lock is held across the
    /// retries, so this instance's group commits cannot overtake it. Retries stop after
    /// <see cref="GroupCommit.ConflictBudget"/> with a 503 (nothing written). Only events signed elsewhere use it (a
    /// remote room's invites, which may create the room's stub head; other servers' joins and leaves, which arrive
    /// already built and are checked against the room's current auth events): a group builds its own events.
    /// </summary>
    private async Task<ChangeResult> RetryOnConflictAsync(string roomId, Func<Task<ChangeResult>> attempt, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(roomId, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        for (var round = 1; ; round++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception ex) when (ex is ConcurrencyConflictException or AlreadyExistsException && Stopwatch.GetElapsedTime(started) >= GroupCommit.ConflictBudget)
            {
                throw new StorageUnavailableException($"Room {roomId} is changing too fast; try again", ex);
            }
            catch (Exception ex) when (ex is ConcurrencyConflictException or AlreadyExistsException)
            {
                LogConflict(logger, roomId, round);
            }

            // A millisecond or two of jitter so that instances retrying together fall out of step.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(round, 4))), cancellationToken);
        }
    }

    /// <summary>A timed ban (admin ban with Duration) ends by itself: the next change that touches the user first records the unban.</summary>
    private static void EndExpiredBan(RoomDraft draft, UserId target, DateTimeOffset now)
    {
        var member = draft.MemberOf(target.Value);
        if (member is { Membership: "ban", BanExpiresAt: { } until } && until <= now)
        {
            var unban = new MembershipChange(MembershipAction.Unban, UserId.Parse(member.Sender), target, MembershipChange.ContentFor(MembershipAction.Unban, "ban expired"), ByServerAdmin: true);
            draft.AppendMember(unban, "ban_expired", now);
        }
    }

    /// <summary>
    /// A joiner may not vouch for themselves: a client-sent <c>join_authorised_via_users_server</c> is dropped, and this
    /// server adds one only when the user is joined to a room the restricted join rule allows (rule 0b: we sign it).
    /// </summary>
    private async Task<MembershipChange> PrepareJoinAsync(RoomDraft draft, MembershipChange change)
    {
        if (change.NewMembership != RoomMembership.Join || !change.Content.ContainsKey("join_authorised_via_users_server") && !IsRestricted(draft))
        {
            return change;
        }

        var content = change.Content.DeepClone().AsObject();
        content.Remove("join_authorised_via_users_server");
        var snapshot = draft.Snapshot();
        var from = snapshot.MembershipOf(change.Target);
        if (!IsRestricted(draft) || from == RoomMembership.Join || from == RoomMembership.Invite
            || !await JoinedToAllowedRoomAsync(snapshot, change.Target, CancellationToken.None))
        {
            return change with { Content = content };
        }

        // Any joined user with the invite level can authorise; load the candidates named in the power levels.
        var candidates = snapshot.PowerLevels.Users.Where(u => u.Value >= snapshot.PowerLevels.Invite).Select(u => u.Key).ToList();
        var read = await store.ReadRoomAsync(snapshot.RoomId.Value, candidates);
        draft.AddKnownMembers(read?.Members.Values ?? []);
        var authoriser = candidates.FirstOrDefault(c => draft.MemberOf(c)?.Membership == "join");
        if (authoriser is not null)
        {
            content["join_authorised_via_users_server"] = authoriser;
        }

        return change with { Content = content };
    }

    private static bool IsRestricted(RoomDraft draft) => IsRestricted(draft.Snapshot().JoinRule);

    private static bool IsRestricted(JoinRule rule) => rule == JoinRule.Restricted || rule == JoinRule.KnockRestricted;

    /// <summary>After a commit, off the request path: the per-user index, and the webhook dispatcher (the log is its outbox).</summary>
    private void Project(string roomId, RoomDraft draft) => Project(index, webhooks, roomId, draft.ToCommit(isCreate: false));

    /// <summary>
    /// A committed transaction's projections: each user whose member row one of its events set gets that membership
    /// in the per-user index (in order per user), and the webhook dispatcher learns the room moved on.
    /// </summary>
    private static void Project(UserIndex index, Webhooks.WebhookDispatcher webhooks, string roomId, RoomCommit commit)
    {
        if (commit.Events is not [var first, ..])
        {
            return; // a forget: no event, nothing to project
        }

        index.Enqueue(commit.Members.Where(m => m.Seq >= first.Seq).Select(m => new UserRoomRecord(m.UserId, roomId, m.Membership, m.Seq)));
        webhooks.OnCommitted(roomId, commit.Head.Seq);
    }

    private static JsonObject BuildPowerLevels(CreateRoomSpec spec)
    {
        var content = PowerLevels.DefaultContent(spec.Creator, spec.InviteLevel);
        var users = content["users"]!.AsObject();
        foreach (var (user, level) in spec.ExtraUserLevels)
        {
            users[user.Value] = level;
        }

        foreach (var (key, value) in spec.PowerLevelOverride ?? [])
        {
            content[key] = value?.DeepClone();
        }

        if (!PowerLevels.TryParse(content, out _, out var error))
        {
            throw new MembershipException(ErrorCode.BadJson, $"power_level_content_override: {error}");
        }

        return content;
    }

    private async Task TryReleaseAliasAsync(RoomAlias alias)
    {
        try
        {
            await store.DeleteAliasAsync(alias.Value);
        }
        catch (StorageException ex)
        {
            LogAliasLeak(logger, ex, alias.Value);
        }
    }

    private static string RandomLocalpart()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        return RandomNumberGenerator.GetString(alphabet, 18);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId} created through {Surface} with {EventCount} events")]
    private static partial void LogRoomCreated(ILogger logger, string roomId, string surface, int eventCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId}: change through {Surface} committed as {EventId} ({EventCount} events)")]
    private static partial void LogCommitted(ILogger logger, string roomId, string surface, string eventId, int eventCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Room {RoomId} changed concurrently (attempt {Attempt}); re-reading")]
    private static partial void LogConflict(ILogger logger, string roomId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alias {Alias} could not be released after a failed room creation")]
    private static partial void LogAliasLeak(ILogger logger, Exception ex, string alias);
}

/// <summary>A room's head and all its member rows, for the read endpoints.</summary>
public sealed record RoomView(RoomHead Head, IReadOnlyList<MemberRecord> Members)
{
    public MemberRecord? MemberOf(UserId user) => Members.FirstOrDefault(m => m.UserId == user.Value);
}
