using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Membership.Bench;

/// <summary>
/// The overhead baseline of DESIGN.md §10: the two storage round trips of a membership change made by a bare
/// Azure.Data.Tables client, shaped like the service's: one partition query for the head and two member rows, then one
/// entity-group transaction of the head (replace, If-Match), one member row (upsert) and one event row (insert), with
/// rows of about the service's size. It goes through the same counting proxy as the service.
/// </summary>
internal sealed class RawStorage : IDisposable
{
    private const string Partition = "!rawbaseline:localhost";
    private const string KickPartition = "!rawkick:localhost";
    private static readonly string[] Users = ["@alice:localhost", "@bob:localhost"];
    private static readonly string[] KickUsers = [.. Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"@k{i}:localhost"))];

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 });
    private readonly TableClient _table;
    private readonly byte[] _pdu = new byte[900];
    private readonly string _powerLevels;
    private int _flip;
    private long _kickSeq;

    public RawStorage(string connectionString, string tableName)
    {
        var options = new TableClientOptions { Transport = new HttpClientTransport(_http) };
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        _table = new TableClient(connectionString, tableName, options);
        Random.Shared.NextBytes(_pdu);
        _powerLevels = """{"ban":50,"events":{"m.room.name":50,"m.room.power_levels":100},"events_default":0,"invite":0,"kick":50,"redact":50,"state_default":50,"users":{"@alice:localhost":100},"users_default":0}""";
    }

    public async Task SetupAsync(CancellationToken cancellationToken)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        await _table.UpsertEntityAsync(Head(0), TableUpdateMode.Replace, cancellationToken);
        foreach (var user in Users)
        {
            await _table.UpsertEntityAsync(Member(user, "join", 0), TableUpdateMode.Replace, cancellationToken);
        }

        await _table.UpsertEntityAsync(Head(0, KickPartition), TableUpdateMode.Replace, cancellationToken);
        foreach (var user in KickUsers.Prepend(Users[0]))
        {
            await _table.UpsertEntityAsync(Member(user, "join", 0, KickPartition), TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>
    /// The raw shape of a 20-member kick: one partition query for the head and every member row (more than 14 row keys
    /// do not fit one filter), then one transaction of the head (If-Match), 20 member rows and 20 event rows.
    /// </summary>
    public async Task<double> KickOf20Async(CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var filter = $"PartitionKey eq '{KickPartition}' and (RowKey eq 'room' or (RowKey ge 'member:' and RowKey lt 'member;'))";
        ETag etag = default;
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == "room")
            {
                etag = entity.ETag;
            }
        }

        var actions = new List<TableTransactionAction>(41);
        var seq = _kickSeq;
        actions.Add(new(TableTransactionActionType.UpdateReplace, Head(seq + KickUsers.Length, KickPartition), etag));
        foreach (var user in KickUsers)
        {
            seq++;
            actions.Add(new(TableTransactionActionType.UpsertReplace, Member(user, "leave", seq, KickPartition)));
            actions.Add(new(TableTransactionActionType.Add, Event(seq, KickPartition)));
        }

        await _table.SubmitTransactionAsync(actions, cancellationToken);
        _kickSeq = seq;
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>
    /// The storage ceiling of a join storm of <paramref name="joins"/> users on one room: the same rows the service
    /// writes (a member row and an event row per join, both inserted, the head replaced once a transaction), in full transactions of 49 joins
    /// (99 operations) into one fresh partition, one after the other, each against the ETag the last one left. No reads
    /// and no per-user index: what storage itself allows one room.
    /// </summary>
    public async Task<StormCeiling> JoinStormCeilingAsync(int joins, CancellationToken cancellationToken)
    {
        const string Room = "!rawstorm:localhost";
        const int PerTransaction = 49;
        var head = await _table.UpsertEntityAsync(Head(0, Room), TableUpdateMode.Replace, cancellationToken);
        var etag = head.Headers.ETag ?? default;
        var start = Stopwatch.GetTimestamp();
        var (seq, transactions) = (0L, 0);
        while (seq < joins)
        {
            var count = (int)Math.Min(PerTransaction, joins - seq);
            var actions = new List<TableTransactionAction>(1 + (2 * count)) { new(TableTransactionActionType.UpdateReplace, Head(seq + count, Room), etag) };
            for (var i = 0; i < count; i++)
            {
                seq++;
                var user = string.Create(CultureInfo.InvariantCulture, $"@storm{seq}:localhost");
                actions.Add(new(TableTransactionActionType.Add, Member(user, "join", seq, Room)));
                actions.Add(new(TableTransactionActionType.Add, Event(seq, Room)));
            }

            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            etag = response.Value[0].Headers.ETag ?? default;
            transactions++;
        }

        return new StormCeiling(joins, transactions, (2 * joins) + transactions, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>One change: read, then commit. Returns the elapsed milliseconds.</summary>
    public async Task<double> ChangeAsync(CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var filter = $"PartitionKey eq '{Partition}' and (RowKey eq 'room' or RowKey eq 'member:{Users[0]}' or RowKey eq 'member:{Users[1]}')";
        ETag etag = default;
        long seq = 0;
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == "room")
            {
                etag = entity.ETag;
                seq = entity.GetInt64("Seq") ?? 0;
            }
        }

        seq++;
        var membership = Interlocked.Increment(ref _flip) % 2 == 0 ? "join" : "leave";
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, Head(seq), etag),
            new(TableTransactionActionType.UpsertReplace, Member(Users[1], membership, seq)),
            new(TableTransactionActionType.Add, Event(seq)),
        };
        await _table.SubmitTransactionAsync(actions, cancellationToken);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    public void Dispose() => _http.Dispose();

    private TableEntity Head(long seq, string partition = Partition) => new(partition, "room")
    {
        ["RoomId"] = partition,
        ["RoomVersion"] = "10",
        ["Creator"] = Users[0],
        ["Federate"] = true,
        ["JoinRulesContent"] = """{"join_rule":"public"}""",
        ["PowerLevelsContent"] = _powerLevels,
        ["Name"] = "bench",
        ["Alias"] = string.Empty,
        ["Seq"] = seq,
        ["LastEventId"] = "$" + new string('a', 43),
        ["CreateEventId"] = "$" + new string('b', 43),
        ["PowerLevelsEventId"] = "$" + new string('c', 43),
        ["JoinRulesEventId"] = "$" + new string('d', 43),
        ["JoinedCount"] = 2,
        ["InvitedCount"] = 0,
        ["CreatedAt"] = DateTimeOffset.UtcNow,
    };

    private static TableEntity Member(string user, string membership, long seq, string partition = Partition) => new(partition, "member:" + user)
    {
        ["UserId"] = user,
        ["Membership"] = membership,
        ["Sender"] = user,
        ["EventId"] = "$" + new string('e', 43),
        ["Seq"] = seq,
        ["Timestamp"] = DateTimeOffset.UtcNow,
        ["Content"] = """{"membership":"join"}""",
        ["Forgotten"] = false,
    };

    private TableEntity Event(long seq, string partition = Partition) => new(partition, "event:" + seq.ToString("D19", CultureInfo.InvariantCulture))
    {
        ["Seq"] = seq,
        ["EventId"] = "$" + new string('f', 43),
        ["Type"] = "m.room.member",
        ["StateKey"] = Users[1],
        ["Sender"] = Users[1],
        ["Pdu"] = _pdu,
        ["Timestamp"] = DateTimeOffset.UtcNow,
        ["ChangeSeq"] = seq,
        ["Surface"] = "client",
        ["Action"] = "join",
    };
}

/// <summary>Direct reads of the service's tables (not through the proxy) to check a contention phase lost no update.</summary>
internal sealed class StorageInspector : IDisposable
{
    private static readonly System.Buffers.SearchValues<char> NeedsEncoding = System.Buffers.SearchValues.Create("/\\#?%'");
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private readonly TableClient _rooms;

    public StorageInspector(string connectionString, string tablePrefix)
    {
        _rooms = new TableClient(connectionString, tablePrefix + "rooms", new TableClientOptions { Transport = new HttpClientTransport(_http) });
    }

    /// <summary>The head's sequence number, the number of event rows and each member's membership.</summary>
    public async Task<(long Seq, int Events, Dictionary<string, string> Members)> ReadAsync(string roomId, CancellationToken cancellationToken)
    {
        if (roomId.AsSpan().IndexOfAny(NeedsEncoding) >= 0)
        {
            throw new BenchException($"room ID {roomId} needs key encoding; the inspector reads plain keys only");
        }

        long seq = -1;
        var events = 0;
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in _rooms.QueryAsync<TableEntity>($"PartitionKey eq '{roomId}'", select: ["RowKey", "Seq", "UserId", "Membership"], cancellationToken: cancellationToken))
        {
            if (e.RowKey == "room")
            {
                seq = e.GetInt64("Seq") ?? -1;
            }
            else if (e.RowKey.StartsWith("event:", StringComparison.Ordinal))
            {
                events++;
            }
            else if (e.RowKey.StartsWith("member:", StringComparison.Ordinal))
            {
                members[e.GetString("UserId") ?? e.RowKey] = e.GetString("Membership") ?? string.Empty;
            }
        }

        return (seq, events, members);
    }

    /// <summary>
    /// A room after a storm: its joined members, its event rows, the head's sequence, and what is wrong with the log as
    /// a chain (null when every sequence 1..head is there once, each event's depth is its sequence and its
    /// prev_events the event before it, and the head names the last).
    /// </summary>
    public async Task<(int Joined, int Events, long Seq, string? Problem)> ReadChainAsync(string roomId, CancellationToken cancellationToken)
    {
        if (roomId.AsSpan().IndexOfAny(NeedsEncoding) >= 0)
        {
            throw new BenchException($"room ID {roomId} needs key encoding; the inspector reads plain keys only");
        }

        long seq = -1;
        var lastEventId = string.Empty;
        var joined = 0;
        var events = new SortedDictionary<long, (string EventId, byte[] Pdu)>();
        await foreach (var e in _rooms.QueryAsync<TableEntity>($"PartitionKey eq '{roomId}'", select: ["RowKey", "Seq", "Membership", "EventId", "LastEventId", "Pdu"], cancellationToken: cancellationToken))
        {
            if (e.RowKey == "room")
            {
                seq = e.GetInt64("Seq") ?? -1;
                lastEventId = e.GetString("LastEventId") ?? string.Empty;
            }
            else if (e.RowKey.StartsWith("event:", StringComparison.Ordinal))
            {
                events[e.GetInt64("Seq") ?? -1] = (e.GetString("EventId") ?? string.Empty, e.GetBinary("Pdu") ?? []);
            }
            else if (e.RowKey.StartsWith("member:", StringComparison.Ordinal) && e.GetString("Membership") == "join")
            {
                joined++;
            }
        }

        string? problem = null;
        var previous = (string?)null;
        var expected = 1L;
        foreach (var (n, (eventId, pdu)) in events)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(pdu);
            var prev = json?["prev_events"]?.AsArray().Select(p => (string?)p).ToArray() ?? [];
            if (n != expected || (long?)json?["depth"] != n || !prev.SequenceEqual(previous is null ? [] : [previous]))
            {
                problem = $"the chain breaks at event {n}";
                break;
            }

            previous = eventId;
            expected++;
        }

        if (problem is null && (events.Count != seq || previous != lastEventId))
        {
            problem = $"{events.Count} events, head at {seq} naming {lastEventId}";
        }

        return (joined, events.Count, seq, problem);
    }

    public void Dispose() => _http.Dispose();
}
