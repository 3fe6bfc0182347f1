using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;
using Membership.Service.Webhooks;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// The federation side of the outbox (the room's log, as for callbacks): every event of a room goes, in the room's
/// order, to each server that has a joined user just before or just after it, in <c>PUT /_matrix/federation/v1/send/{txnId}</c>
/// transactions of up to 50 PDUs, at least once. The <see cref="WebhookDispatcher"/> runs it inside its per-room loops
/// (one loop per room per instance, its parallelism, its sweeps); this class holds what differs:
/// <list type="bullet">
/// <item>One cursor per room and destination (a <see cref="WebhookCursor"/> with <see cref="WebhookCursor.Destination"/>):
/// how far the destination is served, how many of its users are joined at that point, the head-of-line attempt count
/// and backoff, a lease. A failing destination waits on its own backoff; the others go on.</item>
/// <item>A destination's cursor is created when its first user joins (send_join or <c>/send</c>), at the start of the
/// log with no joined users, which is exact: the count is then replayed from the log, never guessed.</item>
/// <item>A transaction that fails is retried with the outbox's backoff; after <see cref="WebhookOptions.MaxAge"/> it is
/// kept as a dead letter and the cursor moves past it. A transaction ID names its room and first and last event, so a
/// retry of the same PDUs is the same transaction to the receiver.</item>
/// <item>Rooms with a destination to serve are remembered here; another instance learns of them on its next sweep.</item>
/// </list>
/// </summary>
public sealed partial class FederationOutbox
{
    /// <summary>PDUs per transaction (spec: "Must not include more than 50 PDUs").</summary>
    public const int MaxPdusPerTransaction = 50;

    private const int PageSize = 200;

    private readonly WebhookStore _storage;
    private readonly FederationClient _client;
    private readonly ServerIdentity _server;
    private readonly WebhookOptions _outbox;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _lease;
    private readonly TimeProvider _clock;
    private readonly ILogger<FederationOutbox> _logger;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    /// <summary>Rooms with a destination to serve, each with the stamp of when it was last added (see <see cref="DeliverRoomAsync"/>).</summary>
    private readonly ConcurrentDictionary<string, long> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _destinations = new(StringComparer.Ordinal);
    private volatile bool _loaded;
    private long _stamp;

    public FederationOutbox(WebhookStore storage, FederationClient client, ServerIdentity server, MembershipOptions options, WebhookOptions outbox, TimeProvider clock, ILogger<FederationOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outbox);
        _storage = storage;
        _client = client;
        _server = server;
        _outbox = outbox;
        _timeout = options.Federation.TransactionTimeout;
        _lease = (_timeout * 2) + TimeSpan.FromSeconds(5);
        _clock = clock;
        _logger = logger;
    }

    private MembershipStore Store => _storage.Store;

    /// <summary>Whether this instance knows the room to have a destination to serve (no I/O).</summary>
    public bool Serves(string roomId) => _rooms.ContainsKey(roomId);

    /// <summary>
    /// Makes sure <paramref name="destination"/> has a cursor in the room (created at the start of the log when it has
    /// none), and remembers the room. Called after a user of that server joined; the caller then schedules the room.
    /// </summary>
    public async Task AddDestinationAsync(RoomId room, ServerName destination, CancellationToken cancellationToken)
    {
        if (destination == _server.Name)
        {
            return;
        }

        var cursors = await Store.ReadFederationCursorsAsync(room.Value, cancellationToken);
        if (cursors.All(c => c.Destination != destination.Value))
        {
            try
            {
                await Store.SaveWebhookCursorAsync(new WebhookCursor { RoomId = room.Value, Destination = destination.Value }, cancellationToken: cancellationToken);
                LogDestinationAdded(_logger, destination.Value, room.Value);
            }
            catch (ConcurrencyConflictException)
            {
                // Created meanwhile by another join of the same server.
            }
        }

        _rooms[room.Value] = Interlocked.Increment(ref _stamp);
    }

    /// <summary>
    /// The rooms a sweep delivers: every room with a destination whose users are joined (or whose cursor is new), read
    /// from storage, which is how an instance learns of rooms another one made federated. Without the Functions timer,
    /// an instance that knows of no such room does no I/O here once it has looked after its start.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> RoomsToSweepAsync(bool fromTimer, CancellationToken cancellationToken)
    {
        if (!fromTimer && _loaded && _rooms.IsEmpty)
        {
            return [];
        }

        var active = (await Store.ReadAllFederationCursorsAsync(cancellationToken)).Where(IsActive).Select(c => c.RoomId).ToHashSet(StringComparer.Ordinal);
        _loaded = true;
        foreach (var room in active)
        {
            _rooms.TryAdd(room, Interlocked.Increment(ref _stamp));
        }

        return active;
    }

    /// <summary>
    /// One pass over a room's destinations, each from its cursor until caught up or a transaction fails. Returns when
    /// to come back (the earliest backoff or lease among them), or null when every destination is caught up.
    /// </summary>
    public async Task<DateTimeOffset?> DeliverRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        var stamp = _rooms.GetValueOrDefault(roomId);
        var cursors = await Store.ReadFederationCursorsAsync(roomId, cancellationToken);
        DateTimeOffset? again = null;
        var active = false;
        foreach (var cursor in cursors.Where(c => c.Destination is not null))
        {
            var (at, after) = await DeliverDestinationAsync(cursor, cancellationToken);
            again = Earliest(again, at);
            active |= after is null || IsActive(after);
        }

        if (!active)
        {
            // Every destination's users have gone: nothing to send until one joins again (which adds it back). A
            // destination added during this pass (a newer stamp) keeps the room.
            _rooms.TryRemove(KeyValuePair.Create(roomId, stamp));
        }

        return again;
    }

    /// <summary>The earlier of two times to come back, either of which may be none.</summary>
    public static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null || (b is not null && b < a) ? b : a;

    /// <summary>A cursor that may have something to send: users of its server joined, or not replayed yet.</summary>
    private static bool IsActive(WebhookCursor cursor) => cursor.JoinedCount > 0 || cursor.DeliveredSeq == 0;

    /// <summary>Serves one destination; returns when to come back (null: caught up) and the cursor as left (null if unknown).</summary>
    private async Task<(DateTimeOffset? Again, WebhookCursor? Cursor)> DeliverDestinationAsync(WebhookCursor cursor, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (cursor is { LeaseUntil: { } until } && cursor.LeaseOwner != _instance && until > now)
        {
            return (until, null);
        }

        if (cursor is { NextAttemptAt: { } next } && next > now)
        {
            return (next, cursor);
        }

        var events = await Store.ReadEventPageAsync(cursor.RoomId, cursor.DeliveredSeq + 1, PageSize, cancellationToken);
        if (events.Count == 0)
        {
            return (null, cursor);
        }

        try
        {
            cursor = await Store.SaveWebhookCursorAsync(cursor with { LeaseOwner = _instance, LeaseUntil = now + _lease }, cancellationToken: cancellationToken);
            return await DeliverEventsAsync(cursor, events, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Another instance took the destination over (or its lease ran out); it carries on from the cursor.
            return (_clock.GetUtcNow() + TimeSpan.FromSeconds(1), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await OutboxLease.ReleaseAsync(Store, _ => Task.FromResult<WebhookCursor?>(cursor), _instance);
            throw;
        }
    }

    private async Task<(DateTimeOffset? Again, WebhookCursor? Cursor)> DeliverEventsAsync(WebhookCursor cursor, IReadOnlyList<EventRecord> events, CancellationToken cancellationToken)
    {
        var destination = ServerName.Parse(cursor.Destination!);
        var replay = new MembershipReplay(cursor.JoinedCount);
        while (true)
        {
            await SeedAsync(cursor, destination, replay, events, cancellationToken);

            // The destination gets every event while one of its users is joined, and the one that makes the last leave.
            var batch = new List<EventRecord>();
            var through = cursor.DeliveredSeq;
            foreach (var ev in events)
            {
                var before = replay.JoinedCount;
                if (ev.Type == RoomDraft.MemberType && IsUserOf(ev.StateKey, destination))
                {
                    replay.Apply(ev.StateKey!, CallbackBuilder.MembershipOf(ev));
                }

                if (before > 0 || replay.JoinedCount > 0)
                {
                    batch.Add(ev);
                }

                through = ev.Seq;
                if (batch.Count == MaxPdusPerTransaction)
                {
                    break;
                }
            }

            WebhookDeadLetter? deadLetter = null;
            if (batch.Count > 0)
            {
                cursor = await OutboxLease.RenewIfShortAsync(Store, cursor, _instance, _lease, _timeout, _clock.GetUtcNow(), cancellationToken);
                var (txnId, body) = Transaction(cursor.RoomId, batch);
                var error = await SendAsync(destination, txnId, body, cancellationToken);
                var attempt = cursor.Attempts + 1;
                if (error is null)
                {
                    LogSent(_logger, txnId, destination.Value, batch.Count, cursor.RoomId, attempt);
                }
                else
                {
                    var now = _clock.GetUtcNow();
                    var delay = _outbox.Backoff(attempt);
                    if (now + delay - batch[0].Timestamp <= _outbox.MaxAge)
                    {
                        LogFailed(_logger, txnId, destination.Value, error, attempt, delay);
                        cursor = await Store.SaveWebhookCursorAsync(cursor with { Attempts = attempt, NextAttemptAt = now + delay, LastError = error, LeaseOwner = null, LeaseUntil = null }, cancellationToken: cancellationToken);
                        return (now + delay, cursor);
                    }

                    LogDead(_logger, txnId, destination.Value, attempt, error);
                    deadLetter = new WebhookDeadLetter(cursor.RoomId, batch[0].Seq, "m.federation.send", Encoding.UTF8.GetString(CanonicalJson.Encode(body)), attempt, batch[0].Timestamp, now, error);
                }
            }

            var isLast = events.Count < PageSize && through == events[^1].Seq;
            cursor = await Store.SaveWebhookCursorAsync(
                cursor with
                {
                    DeliveredSeq = through,
                    JoinedCount = replay.JoinedCount,
                    Attempts = 0,
                    NextAttemptAt = null,
                    LastError = null,
                    LeaseOwner = isLast ? null : _instance,
                    LeaseUntil = isLast ? null : cursor.LeaseUntil,
                },
                deadLetter,
                cancellationToken);
            if (isLast)
            {
                return (null, cursor);
            }

            events = await Store.ReadEventPageAsync(cursor.RoomId, cursor.DeliveredSeq + 1, PageSize, cancellationToken);
            if (events.Count == 0)
            {
                cursor = await Store.SaveWebhookCursorAsync(cursor with { LeaseOwner = null, LeaseUntil = null }, cancellationToken: cancellationToken);
                return (null, cursor);
            }
        }
    }

    /// <summary>The transaction of a batch: its ID (room, first and last event) and body.</summary>
    private (string TxnId, JsonObject Body) Transaction(string roomId, List<EventRecord> batch)
    {
        var room = UnpaddedBase64.EncodeUrlSafe(SHA256.HashData(Encoding.UTF8.GetBytes(roomId)))[..16];
        var body = new JsonObject
        {
            ["origin"] = _server.Name.Value,
            ["origin_server_ts"] = _clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray([.. batch.Select(e => (JsonNode)RoomLog.Pdu(e))]),
        };
        return ($"{room}.{batch[0].Seq}.{batch[^1].Seq}", body);
    }

    /// <summary>
    /// Sends a transaction, one at a time per destination from this instance (spec: wait for a 200 before sending the
    /// next). Null when the destination answered 200 (per-PDU errors are its verdict on the events, not a failure).
    /// </summary>
    private async Task<string?> SendAsync(ServerName destination, string txnId, JsonObject body, CancellationToken cancellationToken)
    {
        var gate = _destinations.GetOrAdd(destination.Value, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var answer = await _client.SendSignedAsync(destination, HttpMethod.Put, $"/_matrix/federation/v1/send/{Uri.EscapeDataString(txnId)}", body, _timeout, cancellationToken);
            return answer.Status == 200 ? null : $"{destination} answered HTTP {answer.Status}";
        }
        catch (FederationUnavailableException ex)
        {
            return ex.Message;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The memberships, before the page, of the destination's users the page's member events change.</summary>
    private async Task SeedAsync(WebhookCursor cursor, ServerName destination, MembershipReplay replay, IReadOnlyList<EventRecord> events, CancellationToken cancellationToken)
    {
        var users = events.Where(e => e.Type == RoomDraft.MemberType && IsUserOf(e.StateKey, destination) && !replay.Knows(e.StateKey!))
            .Select(e => e.StateKey!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (users.Count == 0 || cursor.DeliveredSeq == 0)
        {
            return;
        }

        foreach (var (user, ev) in await Store.ReadLastMemberEventsAsync(cursor.RoomId, users, cursor.DeliveredSeq + 1, cancellationToken))
        {
            replay.Seed(user, CallbackBuilder.MembershipOf(ev));
        }
    }

    private static bool IsUserOf(string? userId, ServerName server) => UserId.TryParse(userId, out var user, out _) && user.Server == server;

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId} now has users of {Destination}: its events will be sent there")]
    private static partial void LogDestinationAdded(ILogger logger, string destination, string roomId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Transaction {TxnId} to {Destination} delivered ({Count} PDUs of {RoomId}, attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, string txnId, string destination, int count, string roomId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction {TxnId} to {Destination} failed ({Error}) on attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogFailed(ILogger logger, string txnId, string destination, string error, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transaction {TxnId} to {Destination} given up after {Attempts} attempts ({Error}); kept as a dead letter")]
    private static partial void LogDead(ILogger logger, string txnId, string destination, int attempts, string error);
}
