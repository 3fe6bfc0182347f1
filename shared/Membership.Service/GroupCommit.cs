using System.Diagnostics;
using Azure;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// Group commit per room. Changes to a room that arrive while one of its commits is in flight wait, and are then
/// taken together: one read, each change decided in arrival order against the room as the ones before it left it
/// (a refused change is taken back alone), and one entity-group transaction for all of them, or several in order when
/// they exceed 100 operations or 4 MiB. Each caller gets its own answer.
/// <list type="bullet">
/// <item>No timer: the first change to an idle room is committed at once, alone, by its own caller (one read, one
/// transaction: what a change always cost). A group is what queued behind the commit before it, at most
/// <see cref="MaxChanges"/> changes and <see cref="MaxReadRows"/> member rows to read.</item>
/// <item>A busy room's read names only what it must (see <see cref="ReadAsync"/>): once the room's users with member
/// rows are listed, a newcomer's join needs no read.</item>
/// <item>A refusal or a no-op that depends on an earlier change of the group is answered only once that change is
/// committed; a change whose transaction lost the room's ETag to another instance goes back to the front of the
/// queue with everything decided after it, and is decided again with the next group, against a fresh read. Past
/// <see cref="ConflictBudget"/> of such losses it is answered 503.</item>
/// <item>A change whose caller gave up before its group was read is dropped (never committed); once read, it is
/// committed or not with its group, and its caller is still answered (the caller logs what was committed).</item>
/// <item>The room's lock (<see cref="RoomLocks"/>) is held for each group, so a group never races another change of
/// this instance (a remote invite); across instances the head's ETag decides. While another instance is seen
/// committing to the room too (its commits between ours, or a lost race, within <see cref="ContentionWindow"/>), a
/// group that committed is followed by a pause as long as its round took: the other instance's group, read after our
/// commit, can then commit before our next one instead of both losing rounds to each other (the one that just won
/// would otherwise win again, starting its next round first).</item>
/// </list>
/// </summary>
internal sealed partial class GroupCommit(
    MembershipStore store,
    ServerIdentity server,
    RoomLocks locks,
    TimeProvider clock,
    GroupCommitMetrics metrics,
    Action<string, RoomCommit> committed,
    ILogger logger)
{
    /// <summary>Callers' changes in one group: bounds what a late change waits for behind a group, and the draft's memory.</summary>
    public const int MaxChanges = 128;

    /// <summary>Member rows one group reads: eight parallel queries (<see cref="MembershipStore.GroupReadRows"/> rows each).</summary>
    public const int MaxReadRows = 8 * MembershipStore.GroupReadRows;

    /// <summary>How long a change keeps being retried after losing the room's ETag to other instances before answering 503.</summary>
    public static readonly TimeSpan ConflictBudget = TimeSpan.FromSeconds(5);

    /// <summary>How long after another instance was last seen committing to a room its groups keep pausing for it.</summary>
    private static readonly TimeSpan ContentionWindow = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause after a group (a round stretched by slow storage does not stall the room longer).</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    /// <summary>A busy room whose head counts more members than this is not listed (its groups read row by row).</summary>
    private const int MaxListedMembers = 50_000;

    private readonly Dictionary<string, RoomQueue> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Queues a change of <paramref name="roomId"/> for its next group and answers it. <paramref name="users"/> are the
    /// member rows it needs; <paramref name="decide"/> runs on the group's draft and returns the change's refusals (none:
    /// whatever it appended is the change).
    /// </summary>
    public async Task<ChangeResult> SubmitAsync(string roomId, IReadOnlyCollection<string> users, string surface, Func<RoomDraft, Task<List<Denial>>> decide, CancellationToken cancellationToken)
    {
        var change = new QueuedChange(users, surface, decide, cancellationToken);
        RoomQueue? lead = null;
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var queue))
            {
                queue = new RoomQueue(roomId);
                _rooms[roomId] = queue;
                lead = queue;
            }

            queue.Waiting.Add(change);
        }

        metrics.Enqueued(1);
        if (lead is not null)
        {
            await LeadAsync(lead, change);
        }

        return await change.Answer.Task;
    }

    /// <summary>
    /// Commits the room's groups, on the caller's own context until its change is answered (so a change nobody
    /// contends with runs exactly as before), then, if more are waiting, on a background task of its own. A group is
    /// taken once the room's lock is held, so it holds everything that queued while the lock was busy.
    /// </summary>
    private async Task LeadAsync(RoomQueue queue, QueuedChange? own)
    {
        while (true)
        {
            if (queue.Pause > TimeSpan.Zero)
            {
                await Task.Delay(queue.Pause);
                queue.Pause = TimeSpan.Zero;
            }

            var started = Stopwatch.GetTimestamp();
            var committedBefore = queue.LastCommitted;
            bool lostRace;
            using (await locks.AcquireAsync(queue.RoomId, CancellationToken.None))
            {
                if (Take(queue) is not { } group)
                {
                    return;
                }

                lostRace = await CommitGroupAsync(queue, group);
            }

            // After a lost race a millisecond or two of jitter, so that instances retrying together fall out of step;
            // after a commit while another instance commits too, room for its group (see the summary).
            queue.Pause = lostRace
                ? TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4))
                : queue.LastCommitted != committedBefore && Stopwatch.GetTimestamp() < queue.ContendedUntil
                    ? TimeSpan.FromTicks(Math.Min(Stopwatch.GetElapsedTime(started).Ticks, MaxPause.Ticks))
                    : TimeSpan.Zero;

            if (own is not null && own.Answer.Task.IsCompleted)
            {
                // Handed over before any pause: this caller's answer does not wait for it.
                if (HasWaiting(queue))
                {
                    using (ExecutionContext.SuppressFlow())
                    {
                        _ = Task.Run(() => LeadAsync(queue, null));
                    }
                }

                return;
            }
        }
    }

    /// <summary>Whether changes wait for the room; when none do, the room is left (its next change leads anew).</summary>
    private bool HasWaiting(RoomQueue queue)
    {
        lock (_gate)
        {
            if (queue.Waiting.Count > 0)
            {
                return true;
            }

            _rooms.Remove(queue.RoomId);
            return false;
        }
    }

    /// <summary>The next group in arrival order (changes whose callers gave up are dropped); null, and the room left, when none wait.</summary>
    private List<QueuedChange>? Take(RoomQueue queue)
    {
        var group = new List<QueuedChange>();
        var dropped = new List<QueuedChange>();
        lock (_gate)
        {
            var rows = new HashSet<string>(StringComparer.Ordinal);
            while (queue.Waiting.Count > 0 && group.Count < MaxChanges)
            {
                var next = queue.Waiting[0];
                if (next.Cancellation.IsCancellationRequested)
                {
                    queue.Waiting.RemoveAt(0);
                    dropped.Add(next);
                    continue;
                }

                if (group.Count > 0 && rows.Count + next.Users.Count(u => !rows.Contains(u)) > MaxReadRows)
                {
                    break;
                }

                queue.Waiting.RemoveAt(0);
                group.Add(next);
                rows.UnionWith(next.Users);
            }

            if (group.Count == 0)
            {
                _rooms.Remove(queue.RoomId);
            }
        }

        metrics.Enqueued(-(group.Count + dropped.Count));
        foreach (var change in dropped)
        {
            metrics.CountChange("cancelled");
            change.Answer.TrySetCanceled(change.Cancellation);
        }

        return group.Count == 0 ? null : group;
    }

    /// <summary>
    /// One group (the room's lock held): read, decide, commit, answer. What lost the room's ETag goes back to the front
    /// of the queue (or is answered 503 past its budget); returns whether anything did.
    /// </summary>
    private async Task<bool> CommitGroupAsync(RoomQueue queue, List<QueuedChange> group)
    {
        List<QueuedChange> again;
        try
        {
            again = await ReadDecideCommitAsync(queue, group);
        }
        catch (Exception ex)
        {
            // A fault of this code rather than of a change: answer every caller of the group with it, and go on with
            // the queue, so no caller is left waiting.
            LogGroupFault(logger, ex, queue.RoomId);
            foreach (var change in group)
            {
                Fail(change, ex);
            }

            return false;
        }

        if (again.Count == 0)
        {
            return false;
        }

        var requeue = new List<QueuedChange>();
        foreach (var change in again)
        {
            if (Stopwatch.GetElapsedTime(change.FirstAttempt!.Value) >= ConflictBudget)
            {
                Fail(change, new StorageUnavailableException($"Room {queue.RoomId} is changing too fast; try again"));
            }
            else
            {
                requeue.Add(change);
            }
        }

        lock (_gate)
        {
            queue.Waiting.InsertRange(0, requeue);
        }

        metrics.Enqueued(requeue.Count);
        return true;
    }

    private async Task<List<QueuedChange>> ReadDecideCommitAsync(RoomQueue queue, List<QueuedChange> group)
    {
        var roomId = queue.RoomId;
        var attempt = Stopwatch.GetTimestamp();
        foreach (var change in group)
        {
            change.FirstAttempt ??= attempt;
        }

        RoomRead? read;
        var users = group.SelectMany(c => c.Users).ToHashSet(StringComparer.Ordinal);
        try
        {
            read = await ReadAsync(queue, group, users);
        }
        catch (ConcurrencyConflictException)
        {
            LogConflict(logger, roomId, group.Count);
            queue.SeeOtherInstance();
            return group;
        }
        catch (StorageUnavailableException ex)
        {
            foreach (var change in group)
            {
                Fail(change, ex);
            }

            return [];
        }

        if (read is not null && queue.LastCommitted != default && read.Head.ETag != queue.LastCommitted)
        {
            queue.SeeOtherInstance(); // the room moved on since our last commit: not by us
        }

        if (read is null || read.Head.DestroyedAt is not null)
        {
            foreach (var change in group)
            {
                Answer(change, ChangeResult.NotFound);
            }

            return [];
        }

        return await DecideAndCommitAsync(queue, read, users, group);
    }

    /// <summary>
    /// The group's read. One caller's change reads as it always has (one query). A group reads only the rows it names,
    /// and once the room is busy, only the rows of users known to have one: the room's users with rows are listed
    /// once (row keys only) and kept up to date from the log (a row is only created with a member event), so a user
    /// who has never been in the room (a join storm's) needs no read at all, and the group's read is the head, the
    /// known users' rows and the few events since the last group.
    /// </summary>
    private async Task<RoomRead?> ReadAsync(RoomQueue queue, List<QueuedChange> group, HashSet<string> users)
    {
        if (queue.UsersWithRows is { } known)
        {
            var (since, events) = await store.ReadRoomSinceAsync(queue.RoomId, [.. users.Where(known.Contains)], queue.KnownSeq, CancellationToken.None);
            if (since is not null)
            {
                known.UnionWith(events.Where(e => e.Type == RoomDraft.MemberType && e.StateKey is not null).Select(e => e.StateKey!));
                queue.KnownSeq = since.Head.Seq;
            }

            return since;
        }

        if (group.Count == 1)
        {
            return await store.ReadRoomAsync(queue.RoomId, users, CancellationToken.None);
        }

        var read = await store.ReadRoomRowsAsync(queue.RoomId, users, CancellationToken.None);
        if (read is not null && read.Head.JoinedCount + read.Head.InvitedCount <= MaxListedMembers)
        {
            try
            {
                // Listed after the head was read: every row as of the head is there (rows are never deleted); one
                // created since is there too, or in the events the next group reads.
                queue.UsersWithRows = (await store.ReadMemberUsersAsync(queue.RoomId, CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
                queue.KnownSeq = read.Head.Seq;
            }
            catch (StorageUnavailableException)
            {
                // The next group reads its rows one by one again, and tries listing again.
            }
        }

        return read;
    }

    /// <summary>
    /// Decides the group on one draft, commits it, answers what is settled; returns what is to be decided again.
    /// <paramref name="asked"/>: the users whose rows were read or are known to be missing (a row of theirs the read did
    /// not return does not exist).
    /// </summary>
    private async Task<List<QueuedChange>> DecideAndCommitAsync(RoomQueue queue, RoomRead read, HashSet<string> asked, List<QueuedChange> group)
    {
        var roomId = queue.RoomId;
        var draft = new RoomDraft(server, read.Head, read.Members, group[0].Surface) { Now = clock.GetUtcNow() };
        var verdicts = new List<Verdict>(group.Count);
        foreach (var change in group)
        {
            verdicts.Add(await DecideAsync(draft, change, roomId));
        }

        // The accepted changes, in order, in transactions within Table Storage's limits, each committed against the ETag
        // the one before it left. Whatever was decided after a transaction that failed depended on it: after a lost
        // race it is decided again; the changes of a transaction whose outcome is unknown (storage failed) are
        // answered 503 (a retry of an identical change is a no-op) and the rest decided again.
        var etag = read.Head.ETag;
        var settledBefore = group.Count;
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var transaction in Pack(verdicts))
        {
            var changes = transaction.Select(i => verdicts[i].Change!).ToList();
            var commit = new RoomCommit(changes[^1].Head with { ETag = etag }, Members(changes), [.. changes.SelectMany(c => c.Events)]);
            var newMembers = commit.Members.Select(m => m.UserId).Where(u => asked.Contains(u) && !draft.WasStored(u) && !written.Contains(u)).ToHashSet(StringComparer.Ordinal);
            try
            {
                etag = await store.CommitAsync(commit, newMembers, CancellationToken.None);
            }
            catch (ConcurrencyConflictException)
            {
                LogConflict(logger, roomId, group.Count - transaction[0]);
                queue.SeeOtherInstance();
                settledBefore = transaction[0];
                break;
            }
            catch (StorageUnavailableException ex)
            {
                LogTransactionFailed(logger, ex, roomId, transaction.Count, group.Count);
                foreach (var i in transaction)
                {
                    Fail(group[i], ex);
                }

                settledBefore = transaction[0];
                break;
            }

            metrics.CountTransaction(changes.Count);
            queue.LastCommitted = etag;
            queue.KnownSeq = commit.Head.Seq;
            queue.UsersWithRows?.UnionWith(commit.Members.Select(m => m.UserId));
            written.UnionWith(commit.Members.Select(m => m.UserId));
            committed(roomId, commit);
            foreach (var i in transaction)
            {
                verdicts[i] = verdicts[i] with { Committed = true };
            }
        }

        var again = new List<QueuedChange>();
        for (var i = 0; i < group.Count; i++)
        {
            if (group[i].Answer.Task.IsCompleted)
            {
                continue;
            }

            if (i >= settledBefore || verdicts[i] is { Change: not null, Committed: false })
            {
                again.Add(group[i]);
            }
            else if (verdicts[i].Failure is { } failure)
            {
                Fail(group[i], failure);
            }
            else
            {
                Answer(group[i], verdicts[i].Result ?? new ChangeResult(ChangeStatus.Changed, [.. verdicts[i].Change!.Events.Select(e => e.EventId)], []));
            }
        }

        return again;
    }

    /// <summary>Runs one caller's decision on the draft; what it appended stays only if it was not refused.</summary>
    private static async Task<Verdict> DecideAsync(RoomDraft draft, QueuedChange change, string roomId)
    {
        if (draft.Head.DestroyedAt is not null)
        {
            return new Verdict(Result: ChangeResult.NotFound);
        }

        draft.BeginChange(change.Surface);
        List<Denial> denials;
        try
        {
            denials = await change.Decide(draft);
        }
        catch (Exception ex)
        {
            // The caller's own failure, passed on to it as it would have met it alone; the others go on without its change.
            draft.DiscardChange();
            return new Verdict(Failure: ex);
        }

        if (denials.Count > 0)
        {
            draft.DiscardChange();
            return new Verdict(Result: new ChangeResult(ChangeStatus.Denied, [], denials));
        }

        if (!draft.ChangeWrites)
        {
            return new Verdict(Result: new ChangeResult(ChangeStatus.Unchanged, [], []));
        }

        var decided = draft.EndChange();
        var (rowBytes, headBytes) = (RowBytes(roomId, decided), MembershipStore.RequestBytes(decided.Head));
        if (1 + decided.Members.Count + decided.Events.Count > MembershipStore.MaxTransactionOperations || rowBytes + headBytes > MembershipStore.MaxTransactionBytes)
        {
            // Only a change larger than a whole transaction gets here (the edge bounds what one request may change).
            draft.DiscardChange();
            return new Verdict(Failure: new EventTooLargeException($"The change would write {decided.Events.Count} events and {decided.Members.Count} member rows, more than one transaction may hold"));
        }

        return new Verdict(Change: decided, RowBytes: rowBytes, HeadBytes: headBytes);
    }

    /// <summary>The accepted changes (indexes into <paramref name="verdicts"/>) split, in order, into transactions that fit.</summary>
    private static List<List<int>> Pack(List<Verdict> verdicts)
    {
        var transactions = new List<List<int>>();
        var current = new List<int>();
        var operations = 1;
        var rowBytes = 0;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < verdicts.Count; i++)
        {
            if (verdicts[i] is not { Change: { } change } verdict)
            {
                continue;
            }

            var newRows = change.Members.Count(m => !rows.Contains(m.UserId));
            if (current.Count > 0 && (operations + newRows + change.Events.Count > MembershipStore.MaxTransactionOperations
                || rowBytes + verdict.RowBytes + verdict.HeadBytes > MembershipStore.MaxTransactionBytes))
            {
                transactions.Add(current);
                current = [];
                operations = 1;
                rowBytes = 0;
                rows.Clear();
                newRows = change.Members.Count;
            }

            current.Add(i);
            operations += newRows + change.Events.Count;
            rowBytes += verdict.RowBytes;
            rows.UnionWith(change.Members.Select(m => m.UserId));
        }

        if (current.Count > 0)
        {
            transactions.Add(current);
        }

        return transactions;
    }

    /// <summary>What a change's events and member rows add to a transaction's request body (an upper bound).</summary>
    private static int RowBytes(string roomId, DraftChange change) =>
        change.Events.Sum(e => MembershipStore.RequestBytes(roomId, e)) + change.Members.Sum(m => MembershipStore.RequestBytes(roomId, m));

    /// <summary>The member rows of consecutive changes: each user's row as the last of them left it.</summary>
    private static List<MemberRecord> Members(IReadOnlyList<DraftChange> changes)
    {
        var rows = new Dictionary<string, MemberRecord>(StringComparer.Ordinal);
        foreach (var row in changes.SelectMany(c => c.Members))
        {
            rows[row.UserId] = row;
        }

        return [.. rows.Values];
    }

    private void Answer(QueuedChange change, ChangeResult result)
    {
        metrics.CountChange(result.Status switch
        {
            ChangeStatus.Changed => "changed",
            ChangeStatus.Unchanged => "unchanged",
            ChangeStatus.Denied => "denied",
            _ => "not_found",
        });
        change.Answer.TrySetResult(result);
    }

    private void Fail(QueuedChange change, Exception ex)
    {
        if (change.Answer.TrySetException(ex))
        {
            metrics.CountChange("failed");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Room {RoomId} changed concurrently; {Changes} changes go to the next group")]
    private static partial void LogConflict(ILogger logger, string roomId, int changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId}: a transaction of {Changes} changes (group of {GroupSize}) failed on storage; its callers are answered 503")]
    private static partial void LogTransactionFailed(ILogger logger, Exception ex, string roomId, int changes, int groupSize);

    [LoggerMessage(Level = LogLevel.Error, Message = "Room {RoomId}: a group commit failed unexpectedly; its callers get the error")]
    private static partial void LogGroupFault(ILogger logger, Exception ex, string roomId);

    private sealed class RoomQueue(string roomId)
    {
        public string RoomId { get; } = roomId;

        /// <summary>Changes in arrival order (guarded by the committer's gate).</summary>
        public List<QueuedChange> Waiting { get; } = [];

        // Used by the room's leader only, one at a time.

        /// <summary>The head's ETag after this instance's last transaction to the room.</summary>
        public ETag LastCommitted { get; set; }

        /// <summary>Until when (a Stopwatch timestamp) another instance counts as committing to the room too.</summary>
        public long ContendedUntil { get; private set; }

        /// <summary>What the leader waits before its next group.</summary>
        public TimeSpan Pause { get; set; }

        /// <summary>Once the room is busy: every user with a member row as of event <see cref="KnownSeq"/> (maybe a few more).</summary>
        public HashSet<string>? UsersWithRows { get; set; }

        public long KnownSeq { get; set; }

        public void SeeOtherInstance() => ContendedUntil = Stopwatch.GetTimestamp() + (long)(ContentionWindow.TotalSeconds * Stopwatch.Frequency);
    }

    private sealed class QueuedChange(IReadOnlyCollection<string> users, string surface, Func<RoomDraft, Task<List<Denial>>> decide, CancellationToken cancellation)
    {
        public IReadOnlyCollection<string> Users { get; } = users;

        public string Surface { get; } = surface;

        public Func<RoomDraft, Task<List<Denial>>> Decide { get; } = decide;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource<ChangeResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>When the change was first decided (its conflict budget runs from there).</summary>
        public long? FirstAttempt { get; set; }
    }

    /// <summary>
    /// What deciding a change gave: a result to answer, or a change to commit (with its request bytes: rows, and the
    /// head as it leaves it), or the caller's own failure.
    /// </summary>
    private sealed record Verdict(ChangeResult? Result = null, DraftChange? Change = null, Exception? Failure = null, int RowBytes = 0, int HeadBytes = 0, bool Committed = false);
}
