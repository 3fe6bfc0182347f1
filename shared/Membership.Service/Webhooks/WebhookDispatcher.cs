using Azure;
using Membership.Service.Federation;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Webhooks;

/// <summary>
/// Delivers callbacks from the rooms' event logs (DESIGN §8: the log is the outbox), at least once, in order per room.
/// <list type="bullet">
/// <item>After each commit <see cref="OnCommitted"/> writes the room's pending marker and starts delivering the room in
/// the background, off the request path (low latency).</item>
/// <item>A room is delivered by one loop at a time: per instance by this class, across instances by a lease in the
/// room's cursor row (If-Match). The loop reads the log after the cursor, builds each change's callback and sends it;
/// the next change is only sent once the previous one is done (HTTP 200) or dead (retried until
/// <see cref="WebhookOptions.MaxAge"/>), so a room's callbacks never overtake each other.</item>
/// <item>A failure records the attempt count and the next attempt time (exponential backoff with jitter) in the cursor
/// and retries from a timer here, or from any instance's sweep once that time has come.</item>
/// <item><see cref="SweepAsync"/> picks up what is left behind (a crash between commit and delivery, retries of an
/// instance that went away): every room with a pending marker, and every <see cref="WebhookOptions.ReconcileInterval"/>
/// (and on the first sweep of a process) every room whose head is past its cursor.</item>
/// </list>
/// A room seen for the first time starts at the beginning of its log; its changes older than MaxAge are skipped as
/// history rather than sent. With callbacks off, nothing here touches storage for rooms that do not federate.
/// The same loops deliver a room's events to the other servers with users in it (<see cref="FederationOutbox"/>).
/// </summary>
public sealed partial class WebhookDispatcher : IAsyncDisposable
{
    /// <summary>Events read per page: more than the 100 rows of the largest change, so a page holds at least one whole change.</summary>
    private const int PageSize = 200;

    private const int MaxParallelRooms = 16;
    private const int MaxDeferredRooms = 10_000;
    private const int MaxSweepRooms = 5_000;

    private static readonly TimeSpan StorageRetry = TimeSpan.FromSeconds(5);

    private readonly WebhookStore _storage;
    private readonly WebhookSettings _settings;
    private readonly WebhookSender _sender;
    private readonly CallbackBuilder _builder;
    private readonly WebhookOptions _options;
    private readonly FederationOutbox _federation;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _lease;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _parallel = new(MaxParallelRooms, MaxParallelRooms);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RoomWork> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _deferred = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seq, ETag ETag)> _markers = new(StringComparer.Ordinal);
    private DateTimeOffset _lastReconcile = DateTimeOffset.MinValue;
    private Task _loading = Task.CompletedTask;

    public WebhookDispatcher(WebhookStore storage, WebhookSettings settings, WebhookSender sender, ServerIdentity server, WebhookOptions options, FederationOutbox federation, TimeProvider clock, ILogger<WebhookDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        _storage = storage;
        _settings = settings;
        _sender = sender;
        _builder = new CallbackBuilder(server.Name);
        _options = options;
        _federation = federation;
        _clock = clock;
        _logger = logger;
        _lease = (options.Timeout * 2) + TimeSpan.FromSeconds(5);
    }

    private MembershipStore Store => _storage.Store;

    private bool PollWhenDisabled => _options.PollConfigWhenDisabled ?? false;

    /// <summary>Reads the stored configuration in the background (retrying while storage is down), then delivers what was committed meanwhile.</summary>
    public void Start() => _loading = LoadAsync();

    /// <summary>Called after every commit (off the request path: it only records the room and starts background work).</summary>
    public void OnCommitted(string roomId, long seq)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (!_settings.IsLoaded)
        {
            Defer(roomId, seq);
            ScheduleFederation(roomId);
            return;
        }

        if (_settings.Cached is null)
        {
            ScheduleFederation(roomId);

            // Callbacks are off. Another instance may have turned them on: only look when told to (many instances).
            if (PollWhenDisabled)
            {
                Defer(roomId, seq);
                if (_settings.IsStale)
                {
                    _ = RefreshAsync();
                }
            }

            return;
        }

        Schedule(roomId, MarkPendingAsync(roomId, seq));
    }

    /// <summary>
    /// A user of <paramref name="destination"/> joined the room: from now on its events go there too (delivered
    /// from the destination's cursor, created at the start of the log if it has none).
    /// </summary>
    public async Task AddFederationDestinationAsync(Core.Identifiers.RoomId room, Core.Identifiers.ServerName destination, CancellationToken cancellationToken = default)
    {
        await _federation.AddDestinationAsync(room, destination, cancellationToken);
        ScheduleFederation(room.Value);
    }

    /// <summary>
    /// Sweeps both sides of the outbox: the federated rooms this instance knows or finds in storage, and the
    /// callbacks (<see cref="SweepWebhooksAsync"/>). Completes when those rooms' delivery loops have finished.
    /// </summary>
    public async Task<SweepReport> SweepAsync(bool fromTimer, CancellationToken cancellationToken = default)
    {
        var federated = (await _federation.RoomsToSweepAsync(fromTimer, cancellationToken)).Select(room => Schedule(room, null)).ToList();
        var report = await SweepWebhooksAsync(fromTimer, cancellationToken);
        await Task.WhenAll(federated).WaitAsync(cancellationToken);
        return report with { FederatedRooms = federated.Count };
    }

    /// <summary>
    /// Delivers every room with work left: pending markers, rooms committed while the configuration was unknown, and
    /// (periodically) every room whose head is past its cursor. <paramref name="fromTimer"/> is the Functions timer,
    /// which always re-reads the configuration; the local background sweep does no I/O while callbacks are off.
    /// Completes when those rooms' delivery loops have finished (caught up, waiting for a retry, or busy elsewhere).
    /// </summary>
    private async Task<SweepReport> SweepWebhooksAsync(bool fromTimer, CancellationToken cancellationToken)
    {
        if (!fromTimer && _settings.IsLoaded && _settings.Cached is null && !PollWhenDisabled)
        {
            return new SweepReport(false, 0, false);
        }

        var target = fromTimer ? await _settings.RefreshAsync(cancellationToken) : await _settings.GetAsync(cancellationToken);
        RunDeferred(target);
        if (target is null)
        {
            return new SweepReport(false, 0, false);
        }

        var rooms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var marker in await Store.ReadWebhookPendingAsync(MaxSweepRooms, cancellationToken))
        {
            lock (_gate)
            {
                _markers[marker.RoomId] = (marker.Seq, marker.ETag);
            }

            rooms.Add(marker.RoomId);
        }

        var now = _clock.GetUtcNow();
        bool reconcile;
        lock (_gate)
        {
            reconcile = now - _lastReconcile >= _options.ReconcileInterval;
        }

        if (reconcile)
        {
            rooms.UnionWith(await RoomsBehindAsync(target, now, cancellationToken));
            lock (_gate)
            {
                _lastReconcile = now;
            }
        }

        var loops = rooms.Select(room => Schedule(room, null)).ToList();
        await Task.WhenAll(loops).WaitAsync(cancellationToken);
        return new SweepReport(true, rooms.Count, reconcile);
    }

    /// <summary>
    /// What is waiting: the pending callbacks of one room (or the first of each room with a pending marker) with the
    /// head-of-line attempt count, and the dead letters. Read-only.
    /// </summary>
    public async Task<DeliveryListing> ListAsync(string? roomId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var target = await _settings.GetAsync(cancellationToken);
        var dead = Store.ReadWebhookDeadLettersAsync(roomId, limit, cancellationToken);
        var rooms = roomId is not null
            ? [roomId]
            : (await Store.ReadWebhookPendingAsync(limit, cancellationToken)).Select(m => m.RoomId).Distinct(StringComparer.Ordinal).ToList();
        var pending = new List<PendingDelivery>();
        foreach (var room in rooms)
        {
            if (pending.Count >= limit)
            {
                break;
            }

            pending.AddRange(await PendingOfAsync(room, target, roomId is null ? 1 : limit - pending.Count, cancellationToken));
        }

        return new DeliveryListing(pending, await dead);
    }

    /// <summary>The Tencent RoomId of a room (for listings).</summary>
    public string RoomIdOf(string roomId) => _builder.RoomIdOf(roomId);

    /// <summary>Stops delivering: in-flight attempts are abandoned (not counted) and their leases released.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = [.. _rooms.Values.Select(w => w.Task), _loading];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or StorageException)
        {
            // Abandoned on purpose: the cursor and markers in storage say what is left.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _parallel.Dispose();
    }

    private async Task LoadAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                RunDeferred(await _settings.RefreshAsync(_stopping.Token));
                return;
            }
            catch (StorageException ex)
            {
                LogConfigUnavailable(_logger, ex);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(StorageRetry, _clock, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            RunDeferred(await _settings.RefreshAsync(_stopping.Token));
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            // Tried again on the next commit or sweep.
        }
    }

    private void Defer(string roomId, long seq)
    {
        lock (_gate)
        {
            if (_deferred.Count < MaxDeferredRooms || _deferred.ContainsKey(roomId))
            {
                _deferred[roomId] = Math.Max(seq, _deferred.GetValueOrDefault(roomId));
            }
            else
            {
                // Too many to remember: the next sweep compares every head with its cursor instead.
                _lastReconcile = DateTimeOffset.MinValue;
            }
        }
    }

    /// <summary>Rooms committed while the configuration was unknown: delivered now if callbacks are on, forgotten if off.</summary>
    private void RunDeferred(WebhookTarget? target)
    {
        KeyValuePair<string, long>[] deferred;
        lock (_gate)
        {
            deferred = [.. _deferred];
            _deferred.Clear();
        }

        if (target is null)
        {
            return;
        }

        foreach (var (room, seq) in deferred)
        {
            Schedule(room, MarkPendingAsync(room, seq));
        }
    }

    private async Task MarkPendingAsync(string roomId, long seq)
    {
        try
        {
            var etag = await Store.MarkWebhookPendingAsync(roomId, seq, _stopping.Token);
            lock (_gate)
            {
                if (!_markers.TryGetValue(roomId, out var known) || known.Seq <= seq)
                {
                    _markers[roomId] = (seq, etag);
                }
            }
        }
        catch (StorageException ex)
        {
            // Delivery goes on; should this process stop before it is done, the reconciling sweep finds the room.
            LogMarkerFailed(_logger, ex, roomId);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Starts the room's delivery loop (or has it go round again) when other servers are to be told of its events.</summary>
    private void ScheduleFederation(string roomId)
    {
        if (_federation.Serves(roomId))
        {
            Schedule(roomId, null);
        }
    }

    /// <summary>Starts the room's delivery loop, or asks the running one to go round again; returns the loop.</summary>
    private Task Schedule(string roomId, Task? marking)
    {
        lock (_gate)
        {
            if (_rooms.TryGetValue(roomId, out var running))
            {
                running.Again = true;
                if (marking is not null)
                {
                    running.Marking = Task.WhenAll(running.Marking, marking);
                }

                return running.Task;
            }

            if (_stopping.IsCancellationRequested)
            {
                return Task.CompletedTask;
            }

            var work = new RoomWork { Marking = marking ?? Task.CompletedTask };
            _rooms[roomId] = work;
            work.Task = Task.Run(() => RunRoomAsync(roomId, work));
            return work.Task;
        }
    }

    private void ScheduleAt(string roomId, DateTimeOffset at)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var delay = at - _clock.GetUtcNow();
        _ = Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _clock, _stopping.Token)
            .ContinueWith(t => Schedule(roomId, null), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task RunRoomAsync(string roomId, RoomWork work)
    {
        Outcome outcome;
        DateTimeOffset? federationAgain = null;
        try
        {
            await _parallel.WaitAsync(_stopping.Token);
            try
            {
                while (true)
                {
                    lock (_gate)
                    {
                        work.Again = false;
                    }

                    outcome = await DeliverRoomAsync(roomId, _stopping.Token);
                    if (outcome.Kind == OutcomeKind.CaughtUp)
                    {
                        await ClearMarkerAsync(roomId, outcome.Seq, work);
                    }

                    var federated = _federation.Serves(roomId);
                    federationAgain = federated ? await _federation.DeliverRoomAsync(roomId, _stopping.Token) : null;
                    lock (_gate)
                    {
                        // A commit during the pass goes round again, unless callbacks are failing and no server waits.
                        if (!work.Again || (outcome.Kind is not (OutcomeKind.CaughtUp or OutcomeKind.Off) && !federated))
                        {
                            _rooms.Remove(roomId);
                            break;
                        }
                    }
                }
            }
            finally
            {
                _parallel.Release();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            Forget(roomId);
            return;
        }
        catch (StorageException ex)
        {
            LogStorageFailed(_logger, ex, roomId, StorageRetry);
            Forget(roomId);
            outcome = Outcome.Retry(_clock.GetUtcNow() + StorageRetry);
        }

        if (FederationOutbox.Earliest(outcome.Kind is OutcomeKind.Retry or OutcomeKind.Busy ? outcome.At : null, federationAgain) is { } at)
        {
            ScheduleAt(roomId, at);
        }
    }

    private void Forget(string roomId)
    {
        lock (_gate)
        {
            _rooms.Remove(roomId);
        }
    }

    /// <summary>One pass over a room: everything after its cursor, in order, until caught up or a callback fails.</summary>
    private async Task<Outcome> DeliverRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        var target = await _settings.GetAsync(cancellationToken);
        if (target is null)
        {
            return Outcome.Off;
        }

        var now = _clock.GetUtcNow();
        var cursor = await Store.ReadWebhookCursorAsync(roomId, cancellationToken);
        var firstSight = cursor is null;
        if (cursor is { LeaseUntil: { } until } && cursor.LeaseOwner != _instance && until > now)
        {
            return Outcome.Busy(until);
        }

        if (cursor is { NextAttemptAt: { } next } && next > now)
        {
            return Outcome.Retry(next);
        }

        cursor ??= new WebhookCursor { RoomId = roomId };
        var events = await Store.ReadEventPageAsync(roomId, cursor.DeliveredSeq + 1, PageSize, cancellationToken);
        if (events.Count == 0)
        {
            return Outcome.CaughtUp(cursor.DeliveredSeq);
        }

        try
        {
            cursor = await Store.SaveWebhookCursorAsync(cursor with { LeaseOwner = _instance, LeaseUntil = now + _lease }, cancellationToken: cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            return Outcome.Busy(now + TimeSpan.FromMilliseconds(250));
        }

        try
        {
            return await DeliverEventsAsync(roomId, target, cursor, firstSight, events, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // The lease ran out and another instance took the room over; it carries on from the cursor.
            return Outcome.Busy(_clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseAsync(roomId);
            throw;
        }
    }

    private async Task<Outcome> DeliverEventsAsync(string roomId, WebhookTarget target, WebhookCursor cursor, bool firstSight, IReadOnlyList<EventRecord> events, CancellationToken cancellationToken)
    {
        var replay = new MembershipReplay(cursor.JoinedCount);
        RoomHead? head = null;
        var headRead = false;
        while (true)
        {
            var lastPage = events.Count < PageSize;
            var changes = RoomChange.Group(events);
            if (!lastPage && changes.Count > 1)
            {
                changes.RemoveAt(changes.Count - 1); // may be cut by the page; read again with the next page
            }

            await SeedAsync(roomId, replay, changes, cursor.DeliveredSeq, cancellationToken);
            var saved = true;
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                if (!headRead && CallbackBuilder.NeedsHead(change))
                {
                    head = (await Store.ReadRoomAsync(roomId, [], cancellationToken))?.Head;
                    headRead = true;
                }

                var deadLetter = (WebhookDeadLetter?)null;
                var sent = false;
                foreach (var callback in _builder.Build(roomId, change, replay, head).Where(c => ShouldSend(target, c, firstSight)))
                {
                    cursor = await RenewLeaseIfShortAsync(cursor, cancellationToken);
                    var result = await _sender.SendAsync(target, callback, cancellationToken);
                    var attempt = cursor.Attempts + 1;
                    if (result.Delivered)
                    {
                        LogDelivered(_logger, callback.Command, roomId, change.ChangeSeq, attempt);
                        sent = true;
                        continue;
                    }

                    var now = _clock.GetUtcNow();
                    var delay = _options.Backoff(attempt);
                    if (now + delay - callback.EventTime <= _options.MaxAge)
                    {
                        LogFailed(_logger, callback.Command, roomId, change.ChangeSeq, result.Error, attempt, delay);
                        await Store.SaveWebhookCursorAsync(cursor with { Attempts = attempt, NextAttemptAt = now + delay, LastError = result.Error, LeaseOwner = null, LeaseUntil = null }, cancellationToken: cancellationToken);
                        return Outcome.Retry(now + delay);
                    }

                    LogDead(_logger, callback.Command, roomId, change.ChangeSeq, attempt, result.Error);
                    deadLetter = new WebhookDeadLetter(roomId, change.ChangeSeq, callback.Command, callback.Body.ToJsonString(), attempt, callback.EventTime, now, result.Error);
                    break; // a change has one callback in practice; give the rest of this one up with it
                }

                var isLast = lastPage && i == changes.Count - 1;
                cursor = cursor with
                {
                    DeliveredSeq = change.LastSeq,
                    JoinedCount = replay.JoinedCount,
                    Attempts = 0,
                    NextAttemptAt = null,
                    LastError = null,
                    LeaseOwner = isLast ? null : _instance,
                    LeaseUntil = isLast ? null : cursor.LeaseUntil,
                };
                saved = false;
                if (sent || deadLetter is not null || isLast)
                {
                    cursor = await Store.SaveWebhookCursorAsync(cursor, deadLetter, cancellationToken);
                    saved = true;
                }
            }

            if (lastPage)
            {
                return Outcome.CaughtUp(cursor.DeliveredSeq);
            }

            if (!saved)
            {
                cursor = await Store.SaveWebhookCursorAsync(cursor, cancellationToken: cancellationToken);
            }

            events = await Store.ReadEventPageAsync(roomId, cursor.DeliveredSeq + 1, PageSize, cancellationToken);
            if (events.Count == 0)
            {
                await Store.SaveWebhookCursorAsync(cursor with { LeaseOwner = null, LeaseUntil = null }, cancellationToken: cancellationToken);
                return Outcome.CaughtUp(cursor.DeliveredSeq);
            }
        }
    }

    /// <summary>
    /// A change is sent when the target takes its command, it was made after the target was set, and (for a room seen
    /// for the first time) it is not history older than MaxAge.
    /// </summary>
    private bool ShouldSend(WebhookTarget target, PlannedCallback callback, bool firstSight) =>
        target.Sends(callback.Command)
        && callback.EventTime >= target.Since
        && !(firstSight && _clock.GetUtcNow() - callback.EventTime > _options.MaxAge);

    /// <summary>Renews the lease before a send that could outlast it, so no other instance sends this room meanwhile.</summary>
    private Task<WebhookCursor> RenewLeaseIfShortAsync(WebhookCursor cursor, CancellationToken cancellationToken) =>
        OutboxLease.RenewIfShortAsync(Store, cursor, _instance, _lease, _options.Timeout, _clock.GetUtcNow(), cancellationToken);

    /// <summary>Best effort on shutdown: give the room's lease up so another instance need not wait for it to run out.</summary>
    private Task ReleaseAsync(string roomId) => OutboxLease.ReleaseAsync(Store, t => Store.ReadWebhookCursorAsync(roomId, t), _instance);

    /// <summary>The memberships, before the page, of the users its member events change (their latest member event before it).</summary>
    private async Task SeedAsync(string roomId, MembershipReplay replay, List<RoomChange> changes, long deliveredSeq, CancellationToken cancellationToken)
    {
        var users = changes.SelectMany(c => c.Events)
            .Where(e => e.Type == RoomDraft.MemberType && e.StateKey is not null && !replay.Knows(e.StateKey))
            .Select(e => e.StateKey!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (users.Count == 0 || deliveredSeq == 0)
        {
            return;
        }

        var previous = await Store.ReadLastMemberEventsAsync(roomId, users, deliveredSeq + 1, cancellationToken);
        foreach (var (user, ev) in previous)
        {
            replay.Seed(user, CallbackBuilder.MembershipOf(ev));
        }
    }

    private async Task ClearMarkerAsync(string roomId, long deliveredSeq, RoomWork work)
    {
        try
        {
            await work.Marking;
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            // Logged where it happened.
        }

        (long Seq, ETag ETag) marker;
        lock (_gate)
        {
            if (!_markers.TryGetValue(roomId, out marker) || marker.Seq > deliveredSeq)
            {
                return;
            }
        }

        await Store.ClearWebhookPendingAsync(roomId, marker.ETag, _stopping.Token);
        lock (_gate)
        {
            if (_markers.TryGetValue(roomId, out var now) && now.ETag == marker.ETag)
            {
                _markers.Remove(roomId);
            }
        }
    }

    private async Task<IEnumerable<string>> RoomsBehindAsync(WebhookTarget target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var heads = Store.ReadRoomHeadSummariesAsync(cancellationToken);
        var cursors = await Store.ReadWebhookCursorSeqsAsync(cancellationToken);
        var horizon = now - _options.MaxAge > target.Since ? now - _options.MaxAge : target.Since;
        return (await heads)
            .Where(h => cursors.TryGetValue(h.RoomId, out var delivered) ? h.Seq > delivered : h.ChangedAt >= horizon)
            .Select(h => h.RoomId);
    }

    private async Task<List<PendingDelivery>> PendingOfAsync(string roomId, WebhookTarget? target, int max, CancellationToken cancellationToken)
    {
        var cursor = await Store.ReadWebhookCursorAsync(roomId, cancellationToken);
        var firstSight = cursor is null;
        cursor ??= new WebhookCursor { RoomId = roomId };
        var events = await Store.ReadEventPageAsync(roomId, cursor.DeliveredSeq + 1, PageSize, cancellationToken);
        var changes = RoomChange.Group(events);
        var replay = new MembershipReplay(cursor.JoinedCount);
        await SeedAsync(roomId, replay, changes, cursor.DeliveredSeq, cancellationToken);
        var head = changes.Any(CallbackBuilder.NeedsHead) ? (await Store.ReadRoomAsync(roomId, [], cancellationToken))?.Head : null;
        var pending = new List<PendingDelivery>();
        foreach (var change in changes)
        {
            foreach (var callback in _builder.Build(roomId, change, replay, head).Where(c => target is null || ShouldSend(target, c, firstSight)))
            {
                var headOfLine = pending.Count == 0;
                pending.Add(new PendingDelivery(roomId, callback.ChangeSeq, callback.Command, callback.EventTime, headOfLine ? cursor.Attempts : 0, headOfLine ? cursor.NextAttemptAt : null, headOfLine ? cursor.LastError : null));
                if (pending.Count == max)
                {
                    return pending;
                }
            }
        }

        return pending;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Callback {Command} of room {RoomId} change {ChangeSeq} delivered (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string command, string roomId, long changeSeq, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback {Command} of room {RoomId} change {ChangeSeq} failed ({Error}) on attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogFailed(ILogger logger, string command, string roomId, long changeSeq, string error, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback {Command} of room {RoomId} change {ChangeSeq} given up after {Attempts} attempts ({Error}); kept as a dead letter")]
    private static partial void LogDead(ILogger logger, string command, string roomId, long changeSeq, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery of room {RoomId} met a storage failure; trying again in {Delay}")]
    private static partial void LogStorageFailed(ILogger logger, Exception ex, string roomId, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pending-webhook marker of room {RoomId} could not be written; a reconciling sweep will find the room")]
    private static partial void LogMarkerFailed(ILogger logger, Exception ex, string roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The callback configuration could not be read; trying again")]
    private static partial void LogConfigUnavailable(ILogger logger, Exception ex);

    private enum OutcomeKind
    {
        CaughtUp,
        Retry,
        Busy,
        Off,
    }

    private readonly record struct Outcome(OutcomeKind Kind, long Seq, DateTimeOffset? At)
    {
        public static Outcome Off => new(OutcomeKind.Off, 0, null);

        public static Outcome CaughtUp(long seq) => new(OutcomeKind.CaughtUp, seq, null);

        public static Outcome Retry(DateTimeOffset at) => new(OutcomeKind.Retry, 0, at);

        public static Outcome Busy(DateTimeOffset at) => new(OutcomeKind.Busy, 0, at);
    }

    private sealed class RoomWork
    {
        public Task Task { get; set; } = Task.CompletedTask;

        public Task Marking { get; set; } = Task.CompletedTask;

        public bool Again { get; set; }
    }
}

/// <summary>What a sweep did: whether callbacks are on, how many rooms it looked at, whether it compared every head.</summary>
public sealed record SweepReport(bool Enabled, int Rooms, bool Reconciled)
{
    /// <summary>Rooms with other servers to inform that the sweep delivered.</summary>
    public int FederatedRooms { get; init; }
}

/// <summary>A callback not delivered yet; the first of a room carries the attempts made so far and when the next is due.</summary>
public sealed record PendingDelivery(string RoomId, long ChangeSeq, string CallbackCommand, DateTimeOffset EventTime, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);

public sealed record DeliveryListing(IReadOnlyList<PendingDelivery> Pending, IReadOnlyList<WebhookDeadLetter> Dead);
