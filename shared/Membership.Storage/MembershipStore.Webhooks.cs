using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;

namespace Membership.Storage;

/// <summary>
/// Webhook delivery state, in the <c>webhooks</c> table (the room's event log itself is the outbox):
/// <list type="bullet">
/// <item>partition = room, row <c>cursor</c>: how far the room's callbacks are delivered, the joined count at that
/// point, the head-of-line attempt count and backoff, and a short lease so one instance delivers a room at a time;</item>
/// <item>partition = room, rows <c>dead:{19-digit change seq}</c>: callbacks given up on, kept for inspection (written
/// in one transaction with the cursor that moves past them);</item>
/// <item>partition = room, rows <c>fed:{server}</c> and <c>feddead:{server}:{seq}</c>: the same cursor and dead letters
/// for each federation destination of the room (<see cref="WebhookCursor.Destination"/>);</item>
/// <item>partitions <c>pending-0</c>..<c>pending-7</c>, row = room: rooms with changes not yet delivered, written after
/// each commit and removed once the cursor has caught up, so a sweep finds left-over work without scanning every room;</item>
/// <item>partition <c>config</c>, row <c>callback</c>: the URL and command list set by <c>room_config/set_callback</c>.</item>
/// </list>
/// </summary>
public sealed partial class MembershipStore
{
    private const string WebhooksTable = "webhooks";
    private const string CursorKey = "cursor";
    private const string DeadPrefix = "dead:";
    private const string ConfigPartition = "config";
    private const string ConfigKey = "callback";
    private const string PendingPrefix = "pending-";

    /// <summary>Pending markers are spread over this many partitions so no single partition takes every commit.</summary>
    public const int PendingShards = 8;

    private TableClient? _webhooks;

    /// <summary>The table is the sixth of <see cref="_tableNames"/> (created with the others at start-up).</summary>
    private TableClient Webhooks => _webhooks ??= _service.GetTableClient(_tableNames[5]);

    public async Task<WebhookCursor?> ReadWebhookCursorAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var response = await Guard(() => Webhooks.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(roomId), CursorKey, cancellationToken: cancellationToken));
        return response.HasValue && response.Value is { } entity ? ToCursor(entity) : null;
    }

    /// <summary>
    /// Writes a cursor: inserted when it has no ETag yet, otherwise replaced with If-Match. With
    /// <paramref name="deadLetter"/>, the dead-letter row is written in the same transaction. Returns the cursor with its
    /// new ETag.
    /// </summary>
    /// <exception cref="ConcurrencyConflictException">Another instance wrote the cursor first (412, or 409 on insert).</exception>
    public async Task<WebhookCursor> SaveWebhookCursorAsync(WebhookCursor cursor, WebhookDeadLetter? deadLetter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var partition = TableKey.Encode(cursor.RoomId);
        var entity = new TableEntity(partition, CursorRowKey(cursor.Destination))
        {
            ["RoomId"] = cursor.RoomId,
            ["Destination"] = cursor.Destination,
            ["DeliveredSeq"] = cursor.DeliveredSeq,
            ["JoinedCount"] = cursor.JoinedCount,
            ["Attempts"] = cursor.Attempts,
            ["NextAttemptAt"] = cursor.NextAttemptAt,
            ["LastError"] = cursor.LastError,
            ["LeaseOwner"] = cursor.LeaseOwner,
            ["LeaseUntil"] = cursor.LeaseUntil,
        };
        var isNew = cursor.ETag == default;
        try
        {
            if (deadLetter is null)
            {
                var response = await Guard(() => isNew
                    ? Webhooks.AddEntityAsync(entity, cancellationToken)
                    : Webhooks.UpdateEntityAsync(entity, cursor.ETag, TableUpdateMode.Replace, cancellationToken));
                return cursor with { ETag = response.Headers.ETag ?? default };
            }

            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpsertReplace, FromDeadLetter(partition, deadLetter with { Destination = cursor.Destination })),
                isNew ? new(TableTransactionActionType.Add, entity) : new(TableTransactionActionType.UpdateReplace, entity, cursor.ETag),
            };
            var result = await Guard(() => Webhooks.SubmitTransactionAsync(actions, cancellationToken));
            return cursor with { ETag = result.Value[1].Headers.ETag ?? default };
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409 or 412 } or TableTransactionFailedException { Status: 409 or 412 })
        {
            throw new ConcurrencyConflictException($"The {cursor.Destination ?? "webhook"} cursor of {cursor.RoomId} changed concurrently", ex.InnerException);
        }
    }

    /// <summary>Every cursor (one cross-partition query; only the reconciling sweep uses it).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ReadWebhookCursorSeqsAsync(CancellationToken cancellationToken = default) =>
        await Guard(async () =>
        {
            var seqs = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var entity in Webhooks.QueryAsync<TableEntity>($"RowKey eq '{CursorKey}'", select: ["RoomId", "DeliveredSeq"], cancellationToken: cancellationToken))
            {
                seqs[entity.GetString("RoomId") ?? TableKey.Decode(entity.PartitionKey)] = entity.GetInt64("DeliveredSeq") ?? 0;
            }

            return (IReadOnlyDictionary<string, long>)seqs;
        });

    /// <summary>
    /// Dead letters, oldest change first within a room: one room's (a partition query), or every room's (a query over
    /// the whole table, for inspection only). At most <paramref name="take"/>.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDeadLetter>> ReadWebhookDeadLettersAsync(string? roomId, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        var range = $"RowKey ge '{DeadPrefix}' and RowKey lt 'dead;'";
        var filter = roomId is null ? range : $"PartitionKey eq '{Quote(TableKey.Encode(roomId))}' and {range}";
        return await QueryDeadLettersAsync(filter, take, cancellationToken);
    }

    /// <summary>The dead letters (callbacks' or federation destinations') the filter selects, at most <paramref name="take"/>.</summary>
    private async Task<IReadOnlyList<WebhookDeadLetter>> QueryDeadLettersAsync(string filter, int take, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            var list = new List<WebhookDeadLetter>();
            await foreach (var entity in Webhooks.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
            {
                list.Add(ToDeadLetter(entity));
                if (list.Count == take)
                {
                    break;
                }
            }

            return (IReadOnlyList<WebhookDeadLetter>)list;
        });

    /// <summary>Records that a room has changes to deliver, up to event <paramref name="seq"/>; returns the marker's ETag.</summary>
    public async Task<ETag> MarkWebhookPendingAsync(string roomId, long seq, CancellationToken cancellationToken = default)
    {
        var key = TableKey.Encode(roomId);
        var entity = new TableEntity(PendingPartition(key), key) { ["RoomId"] = roomId, ["Seq"] = seq };
        var response = await Guard(() => Webhooks.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken));
        return response.Headers.ETag ?? default;
    }

    /// <summary>Up to <paramref name="take"/> pending markers of every shard.</summary>
    public async Task<IReadOnlyList<WebhookPendingMarker>> ReadWebhookPendingAsync(int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        var shards = await Task.WhenAll(Enumerable.Range(0, PendingShards).Select(shard => Guard(async () =>
        {
            var list = new List<WebhookPendingMarker>();
            await foreach (var entity in Webhooks.QueryAsync<TableEntity>($"PartitionKey eq '{PendingPrefix}{shard}'", maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
            {
                list.Add(new WebhookPendingMarker(entity.GetString("RoomId") ?? TableKey.Decode(entity.RowKey), entity.GetInt64("Seq") ?? 0, entity.ETag));
                if (list.Count == take)
                {
                    break;
                }
            }

            return list;
        })));
        return [.. shards.SelectMany(s => s).Take(take)];
    }

    /// <summary>Removes a pending marker unless it was rewritten since <paramref name="etag"/> (then a newer change needs it).</summary>
    public async Task<bool> ClearWebhookPendingAsync(string roomId, ETag etag, CancellationToken cancellationToken = default)
    {
        var key = TableKey.Encode(roomId);
        try
        {
            await Guard(() => Webhooks.DeleteEntityAsync(PendingPartition(key), key, etag, cancellationToken));
            return true;
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404 or 412 })
        {
            return false;
        }
    }

    public async Task<WebhookConfigRecord?> ReadWebhookConfigAsync(CancellationToken cancellationToken = default)
    {
        var response = await Guard(() => Webhooks.GetEntityIfExistsAsync<TableEntity>(ConfigPartition, ConfigKey, cancellationToken: cancellationToken));
        if (!response.HasValue || response.Value is not { } entity)
        {
            return null;
        }

        var commands = JsonNode.Parse(entity.GetString("CallbackCommandList") ?? "[]") as JsonArray ?? [];
        return new WebhookConfigRecord(
            entity.GetString("Url") ?? string.Empty,
            [.. commands.Select(c => c?.GetValue<string>() ?? string.Empty)],
            entity.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue,
            entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);
    }

    public async Task SaveWebhookConfigAsync(WebhookConfigRecord config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var entity = new TableEntity(ConfigPartition, ConfigKey)
        {
            ["Url"] = config.Url,
            ["CallbackCommandList"] = new JsonArray([.. config.CallbackCommands.Select(c => (JsonNode)JsonValue.Create(c))]).ToJsonString(),
            ["Since"] = config.Since,
            ["UpdatedAt"] = config.UpdatedAt,
        };
        await Guard(() => Webhooks.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken));
    }

    /// <summary>Deletes the stored callback configuration; false when there was none (the SDK's delete succeeds either way, so read first).</summary>
    public async Task<bool> DeleteWebhookConfigAsync(CancellationToken cancellationToken = default)
    {
        var response = await Guard(() => Webhooks.GetEntityIfExistsAsync<TableEntity>(ConfigPartition, ConfigKey, select: ["Url"], cancellationToken: cancellationToken));
        if (!response.HasValue || response.Value is not { } entity)
        {
            return false;
        }

        await Guard(() => Webhooks.DeleteEntityAsync(ConfigPartition, ConfigKey, entity.ETag, cancellationToken));
        return true;
    }

    /// <summary>Up to <paramref name="take"/> events of a room from sequence <paramref name="fromSeq"/> on, in order.</summary>
    public async Task<IReadOnlyList<EventRecord>> ReadEventPageAsync(string roomId, long fromSeq, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        var partition = TableKey.Encode(roomId);
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{EventKey(fromSeq)}' and RowKey lt 'event;'";
        return await Guard(async () =>
        {
            var list = new List<EventRecord>(Math.Min(take, 1000));
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
            {
                list.Add(EntityMapping.ToEvent(entity));
                if (list.Count == take)
                {
                    break;
                }
            }

            return (IReadOnlyList<EventRecord>)list;
        });
    }

    /// <summary>
    /// The latest <c>m.room.member</c> event of each of <paramref name="users"/> before sequence
    /// <paramref name="beforeSeq"/> (users without one are left out). One partition query per 12 users, filtered by the
    /// service.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, EventRecord>> ReadLastMemberEventsAsync(string roomId, IReadOnlyCollection<string> users, long beforeSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        var partition = TableKey.Encode(roomId);
        var latest = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
        foreach (var chunk in users.Distinct(StringComparer.Ordinal).Chunk(12))
        {
            var who = string.Join(" or ", chunk.Select(u => $"StateKey eq '{Quote(u)}'"));
            var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{EventPrefix}' and RowKey lt '{EventKey(beforeSeq)}' and Type eq 'm.room.member' and ({who})";
            await Guard(async () =>
            {
                await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
                {
                    var ev = EntityMapping.ToEvent(entity);
                    latest[ev.StateKey!] = ev;
                }

                return true;
            });
        }

        return latest;
    }

    /// <summary>Every room's sequence number and last-change time (one query over the room heads; the reconciling sweep only).</summary>
    public async Task<IReadOnlyList<RoomHeadSummary>> ReadRoomHeadSummariesAsync(CancellationToken cancellationToken = default) =>
        await Guard(async () =>
        {
            var list = new List<RoomHeadSummary>();
            await foreach (var entity in _rooms.QueryAsync<TableEntity>($"RowKey eq '{HeadKey}'", select: ["RoomId", "Seq", "Timestamp"], cancellationToken: cancellationToken))
            {
                list.Add(new RoomHeadSummary(entity.GetString("RoomId") ?? TableKey.Decode(entity.PartitionKey), entity.GetInt64("Seq") ?? 0, entity.Timestamp ?? DateTimeOffset.MinValue));
            }

            return (IReadOnlyList<RoomHeadSummary>)list;
        });

    /// <summary>A stable shard for a room (FNV-1a of its key), so its marker is always in the same partition.</summary>
    private static string PendingPartition(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return PendingPrefix + (hash % PendingShards).ToString(CultureInfo.InvariantCulture);
    }

    private static WebhookCursor ToCursor(TableEntity e) => new()
    {
        RoomId = e.GetString("RoomId") ?? TableKey.Decode(e.PartitionKey),
        DeliveredSeq = e.GetInt64("DeliveredSeq") ?? 0,
        JoinedCount = e.GetInt32("JoinedCount") ?? 0,
        Attempts = e.GetInt32("Attempts") ?? 0,
        NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt"),
        LastError = e.GetString("LastError"),
        LeaseOwner = e.GetString("LeaseOwner"),
        LeaseUntil = e.GetDateTimeOffset("LeaseUntil"),
        Destination = e.GetString("Destination"),
        ETag = e.ETag,
    };

    private static TableEntity FromDeadLetter(string partition, WebhookDeadLetter d) =>
        new(partition, DeadLetterRowKey(d.Destination, d.ChangeSeq))
        {
            ["RoomId"] = d.RoomId,
            ["Destination"] = d.Destination,
            ["ChangeSeq"] = d.ChangeSeq,
            ["CallbackCommand"] = d.CallbackCommand,
            ["Body"] = EntityMapping.Text(d.Body),
            ["Attempts"] = d.Attempts,
            ["EventTime"] = d.EventTime,
            ["DeadAt"] = d.DeadAt,
            ["LastError"] = d.LastError,
        };

    private static WebhookDeadLetter ToDeadLetter(TableEntity e) => new(
        e.GetString("RoomId") ?? TableKey.Decode(e.PartitionKey),
        e.GetInt64("ChangeSeq") ?? 0,
        e.GetString("CallbackCommand") ?? string.Empty,
        EntityMapping.GetText(e, "Body") ?? "{}",
        e.GetInt32("Attempts") ?? 0,
        e.GetDateTimeOffset("EventTime") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("DeadAt") ?? DateTimeOffset.MinValue,
        e.GetString("LastError") ?? string.Empty)
    {
        Destination = e.GetString("Destination"),
    };
}

/// <summary>
/// How far a room's callbacks are delivered: every change up to <see cref="DeliveredSeq"/> is done (sent or given up),
/// <see cref="JoinedCount"/> is the joined count at that point (for <c>MemberCount</c>). <see cref="Attempts"/>,
/// <see cref="NextAttemptAt"/> and <see cref="LastError"/> describe the failing head-of-line change; the lease names the
/// instance delivering the room now.
/// </summary>
public sealed record WebhookCursor
{
    public required string RoomId { get; init; }
    public long DeliveredSeq { get; init; }
    public int JoinedCount { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>
    /// Null for the room's callbacks; a server name for a federation destination, whose <see cref="JoinedCount"/> counts
    /// that server's joined users at <see cref="DeliveredSeq"/>.
    /// </summary>
    public string? Destination { get; init; }

    public ETag ETag { get; init; }
}

/// <summary>A callback (or federation transaction) given up on after retrying for the maximum age; kept with its body for inspection.</summary>
public sealed record WebhookDeadLetter(string RoomId, long ChangeSeq, string CallbackCommand, string Body, int Attempts, DateTimeOffset EventTime, DateTimeOffset DeadAt, string LastError)
{
    /// <summary>The federation destination it was for; null for a callback.</summary>
    public string? Destination { get; init; }
}

/// <summary>A room with changes that were not yet delivered when <see cref="Seq"/> was committed.</summary>
public sealed record WebhookPendingMarker(string RoomId, long Seq, ETag ETag);

/// <summary>The callback configuration set through <c>room_config</c>; changes before <see cref="Since"/> are not sent to it.</summary>
public sealed record WebhookConfigRecord(string Url, IReadOnlyList<string> CallbackCommands, DateTimeOffset Since, DateTimeOffset UpdatedAt);

/// <summary>A room head's sequence number and when it last changed (the row's Timestamp).</summary>
public sealed record RoomHeadSummary(string RoomId, long Seq, DateTimeOffset ChangedAt);
