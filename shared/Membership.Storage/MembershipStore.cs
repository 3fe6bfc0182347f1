using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Membership.Storage;

/// <summary>A logged event without its PDU: its sequence, type and state key.</summary>
public sealed record EventSummary(long Seq, string Type, string? StateKey);

/// <summary>
/// The Table Storage store. One table holds every room, partitioned by room: the <c>room</c> head, <c>member:{user}</c>
/// rows and <c>event:{seq}</c> rows, so a whole change commits in one entity-group transaction. Other tables: the
/// per-user room index, access tokens (hashed) and aliases. Storage faults surface as <see cref="StorageUnavailableException"/>;
/// a request storage refuses as malformed, as <see cref="StorageRejectedException"/> (logged here as an error).
/// </summary>
public sealed partial class MembershipStore
{
    public const string HeadKey = "room";
    private const string MemberPrefix = "member:";
    private const string EventPrefix = "event:";

    /// <summary>';' follows ':' in code-point order, so [member:, member;) is exactly the member rows.</summary>
    private const string MemberRangeEnd = "member;";

    /// <summary>The same for the event rows.</summary>
    private const string EventRangeEnd = "event;";

    /// <summary>Row keys one filter may name: 15 comparisons, one of them the partition.</summary>
    private const int MaxPointReads = 14;

    private readonly TableClient _rooms;
    private readonly TableClient _userRooms;
    private readonly TableClient _tokens;
    private readonly TableClient _aliases;
    private readonly TableServiceClient _service;
    private readonly TableCreation _tableCreation;
    private readonly string[] _tableNames;
    private readonly Lock _creationGate = new();
    private Task? _creation;
    private int _tablesReady;
    private readonly ILogger _logger;

    // The SDK materialises query results with Activator.CreateInstance<TableEntity>(); keep that constructor under
    // trimming (Native AOT), where nothing else references it.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public MembershipStore(StorageOptions options, StorageMetrics metrics, ILogger<MembershipStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        Metrics = metrics;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.AddPolicy(metrics.CreatePolicy(), HttpPipelinePosition.PerRetry);

        var credential = options.TableServiceUri is null ? null : CreateCredential(options);
        _service = credential is not null
            ? new TableServiceClient(options.TableServiceUri, credential, clientOptions)
            : new TableServiceClient(options.ConnectionString, clientOptions);
        _tableCreation = TableCreation.FromOptions(options, credential);

        var prefix = options.TablePrefix;
        if (prefix.Length > 0 && (!char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit) || prefix.Length > 40))
        {
            throw new ArgumentException("Membership:Storage:TablePrefix must be letters and digits, starting with a letter, at most 40 characters");
        }

        _tableNames = [prefix + "rooms", prefix + "userrooms", prefix + "tokens", prefix + "aliases", prefix + ServerKeysTable, prefix + WebhooksTable];
        _rooms = _service.GetTableClient(_tableNames[0]);
        _userRooms = _service.GetTableClient(_tableNames[1]);
        _tokens = _service.GetTableClient(_tableNames[2]);
        _aliases = _service.GetTableClient(_tableNames[3]);
    }

    public StorageMetrics Metrics { get; }

    private static DefaultAzureCredential CreateCredential(StorageOptions options) =>
        new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });

    /// <summary>
    /// Creates the tables if they do not exist: started at start-up without holding up the first request (in Azure they
    /// exist after the first run), and awaited by tests.
    /// </summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _tablesReady) == 1)
        {
            return;
        }

        await CreateTablesOnceAsync().WaitAsync(cancellationToken);
        Volatile.Write(ref _tablesReady, 1);
    }

    /// <summary>
    /// Creates the tables, sharing one attempt among callers at the same time: start-up, and calls that met
    /// TableNotFound (tables not created yet, an emulator restarted in memory, an account recreated).
    /// </summary>
    private Task CreateTablesOnceAsync()
    {
        lock (_creationGate)
        {
            if (_creation is null || _creation.IsCompleted)
            {
                _creation = CreateTablesAsync();
            }

            return _creation;
        }
    }

    private async Task CreateTablesAsync()
    {
        using var http = new HttpClient();
        await GuardOnce(async () =>
        {
            await Task.WhenAll(_tableNames.Select(name => _tableCreation.CreateIfNotExistsAsync(http, name, CancellationToken.None)));
            return true;
        });
    }

    /// <summary>
    /// One round trip: the room head and the member rows of <paramref name="users"/> (every member row when null), in a
    /// single partition query. Null when the room does not exist.
    /// </summary>
    public async Task<RoomRead?> ReadRoomAsync(string roomId, IEnumerable<string>? users, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(roomId);
        var rowKeys = users is null ? null : users.Distinct(StringComparer.Ordinal).Select(MemberKey).Prepend(HeadKey).ToList();

        // Table Storage allows at most 15 comparisons in a filter: a larger set (a 20-member kick) reads the head and
        // every member row of the partition instead, still in one query (1,000 rows a page).
        var filter = rowKeys is { Count: <= MaxPointReads }
            ? PointFilter(partition, rowKeys)
            : $"PartitionKey eq '{Quote(partition)}' and (RowKey eq '{HeadKey}' or (RowKey ge '{MemberPrefix}' and RowKey lt '{MemberRangeEnd}'))";
        return await QueryRoomAsync(filter, cancellationToken);
    }

    /// <summary>
    /// The room head and the member rows of <paramref name="users"/> for a group of changes, however many users: up to
    /// <see cref="GroupReadRows"/> rows a query, the head in each, the queries in parallel (one round trip of time,
    /// and no query reads rows it was not asked for, so a big room costs no more than a small one). The head of every
    /// query must be the same one; otherwise the room changed between them and the rows might not belong to that head.
    /// Null when the room does not exist.
    /// </summary>
    /// <exception cref="ConcurrencyConflictException">The room changed while it was being read.</exception>
    public async Task<RoomRead?> ReadRoomRowsAsync(string roomId, IReadOnlyCollection<string> users, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        var partition = TableKey.Encode(roomId);
        var keys = users.Distinct(StringComparer.Ordinal).Select(MemberKey).Chunk(GroupReadRows).ToList();
        var parts = keys.Count == 0
            ? [await QueryRoomAsync(PointFilter(partition, [HeadKey]), cancellationToken)]
            : await Task.WhenAll(keys.Select(chunk => QueryRoomAsync(PointFilter(partition, chunk.Prepend(HeadKey)), cancellationToken)));
        if (parts[0] is not { } first)
        {
            return null;
        }

        if (parts.Length == 1)
        {
            return first;
        }

        var members = new Dictionary<string, MemberRecord>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            if (part is null || part.Head.ETag != first.Head.ETag)
            {
                throw new ConcurrencyConflictException($"Room {roomId} changed while it was being read");
            }

            foreach (var (user, member) in part.Members)
            {
                members[user] = member;
            }
        }

        return new RoomRead(first.Head, members);
    }

    /// <summary>Member rows one query of <see cref="ReadRoomRowsAsync"/> asks for, beside the head.</summary>
    public const int GroupReadRows = MaxPointReads - 1;

    /// <summary>
    /// <see cref="ReadRoomRowsAsync"/> for a reader that knows which users had member rows as of event
    /// <paramref name="afterSeq"/>: beside the head and the rows of <paramref name="users"/>, the sequence, type and
    /// state key of every event after it (a range of the log, read in parallel), so the reader can tell which users
    /// have rows now: a row is only ever created with a member event, and never deleted. The events must run from
    /// <paramref name="afterSeq"/> + 1 to the head's sequence exactly; otherwise the room changed between the reads.
    /// </summary>
    /// <exception cref="ConcurrencyConflictException">The room changed while it was being read.</exception>
    public async Task<(RoomRead? Read, IReadOnlyList<EventSummary> Events)> ReadRoomSinceAsync(string roomId, IReadOnlyCollection<string> users, long afterSeq, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(roomId);
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey gt '{EventKey(afterSeq)}' and RowKey lt '{EventRangeEnd}'";
        var rows = ReadRoomRowsAsync(roomId, users, cancellationToken);
        var events = Guard(async () =>
        {
            var list = new List<EventSummary>();
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, select: ["Seq", "Type", "StateKey"], cancellationToken: cancellationToken))
            {
                list.Add(new EventSummary(entity.GetInt64("Seq") ?? 0, entity.GetString("Type") ?? string.Empty, entity.GetString("StateKey")));
            }

            return list;
        });
        await Task.WhenAll(rows, events);
        if (await rows is not { } read)
        {
            return (null, []);
        }

        var summaries = await events;
        if (summaries.Count != read.Head.Seq - afterSeq || summaries.Where((e, i) => e.Seq != afterSeq + 1 + i).Any())
        {
            throw new ConcurrencyConflictException($"Room {roomId} changed while it was being read");
        }

        return (read, summaries);
    }

    /// <summary>Every user with a member row in the room (row keys only, every page).</summary>
    public async Task<IReadOnlyList<string>> ReadMemberUsersAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(roomId);
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{MemberPrefix}' and RowKey lt '{MemberRangeEnd}'";
        return await Guard(async () =>
        {
            var users = new List<string>();
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                users.Add(TableKey.Decode(entity.RowKey[MemberPrefix.Length..]));
            }

            return (IReadOnlyList<string>)users;
        });
    }

    private static string PointFilter(string partition, IEnumerable<string> rowKeys) =>
        $"PartitionKey eq '{Quote(partition)}' and ({string.Join(" or ", rowKeys.Select(k => $"RowKey eq '{Quote(k)}'"))})";

    private async Task<RoomRead?> QueryRoomAsync(string filter, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            RoomHead? head = null;
            var members = new Dictionary<string, MemberRecord>(StringComparer.Ordinal);
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (entity.RowKey == HeadKey)
                {
                    head = EntityMapping.ToHead(entity);
                }
                else
                {
                    var member = EntityMapping.ToMember(entity);
                    members[member.UserId] = member;
                }
            }

            return head is null ? null : new RoomRead(head, members);
        });

    /// <summary>Every member row of a room, in row-key order (stable across calls).</summary>
    public async Task<IReadOnlyList<MemberRecord>> ReadMembersAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(roomId);
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{MemberPrefix}' and RowKey lt '{MemberRangeEnd}'";
        return await Guard(async () =>
        {
            var list = new List<MemberRecord>();
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                list.Add(EntityMapping.ToMember(entity));
            }

            return (IReadOnlyList<MemberRecord>)list;
        });
    }

    /// <summary>The room's events with sequence numbers in [<paramref name="fromSeq"/>, <paramref name="toSeq"/>], in order.</summary>
    public async Task<IReadOnlyList<EventRecord>> ReadEventsAsync(string roomId, long fromSeq, long toSeq, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(roomId);
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{EventKey(fromSeq)}' and RowKey le '{EventKey(toSeq)}'";
        return await Guard(async () =>
        {
            var list = new List<EventRecord>();
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                list.Add(EntityMapping.ToEvent(entity));
            }

            return (IReadOnlyList<EventRecord>)list;
        });
    }

    /// <summary>
    /// Commits changes as one entity-group transaction: the head (inserted for a new room, otherwise replaced with
    /// If-Match on the ETag read), the member rows, the new event rows (inserted; a sequence can never be written twice).
    /// Returns the head's new ETag, so the next transaction of a group can follow this one without reading again.
    /// </summary>
    /// <exception cref="ConcurrencyConflictException">Another change committed first.</exception>
    /// <exception cref="AlreadyExistsException">A new room's ID is taken.</exception>
    public Task<ETag> CommitAsync(RoomCommit commit, CancellationToken cancellationToken = default) =>
        CommitAsync(commit, newMembers: null, cancellationToken);

    /// <summary>
    /// <see cref="CommitAsync(RoomCommit, CancellationToken)"/> for a caller that knows which member rows are not
    /// stored yet (<paramref name="newMembers"/>, by user: read and found missing): those are inserted rather than
    /// upserted, so storage does not look for them first. The head's If-Match keeps that knowledge true (member rows
    /// change only with the head).
    /// </summary>
    public async Task<ETag> CommitAsync(RoomCommit commit, IReadOnlySet<string>? newMembers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var partition = TableKey.Encode(commit.Head.RoomId);
        var actions = new List<TableTransactionAction>(1 + commit.Members.Count + commit.Events.Count);
        var head = EntityMapping.FromHead(partition, commit.Head);
        actions.Add(commit.IsCreate
            ? new TableTransactionAction(TableTransactionActionType.Add, head)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, head, commit.Head.ETag));
        actions.AddRange(commit.Members.Select(m => new TableTransactionAction(
            newMembers?.Contains(m.UserId) == true ? TableTransactionActionType.Add : TableTransactionActionType.UpsertReplace,
            EntityMapping.FromMember(partition, MemberKey(m.UserId), m))));
        actions.AddRange(commit.Events.Select(e => new TableTransactionAction(TableTransactionActionType.Add, EntityMapping.FromEvent(partition, EventKey(e.Seq), e))));
        if (actions.Count > MaxTransactionOperations)
        {
            throw new ArgumentException($"A transaction may write at most {MaxTransactionOperations} rows; this one writes {actions.Count}");
        }

        try
        {
            var response = await Guard(() => _rooms.SubmitTransactionAsync(actions, cancellationToken));
            return response.Value[0].Headers.ETag ?? default;
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is TableTransactionFailedException { Status: 412 } || (ex.InnerException is TableTransactionFailedException { Status: 409 } && !commit.IsCreate))
        {
            Metrics.CountConflict();
            throw new ConcurrencyConflictException($"Room {commit.Head.RoomId} changed concurrently", ex.InnerException);
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is TableTransactionFailedException { Status: 409 })
        {
            throw new AlreadyExistsException($"Room {commit.Head.RoomId} exists already", ex.InnerException);
        }
    }

    /// <summary>Operations one entity-group transaction may hold (Table Storage's limit).</summary>
    public const int MaxTransactionOperations = 100;

    /// <summary>
    /// What the rows of one transaction may add up to by <see cref="RequestBytes(RoomHead)"/>: Table Storage refuses a
    /// request body over 4 MiB; 64 KiB are left for the multipart envelope around the operations.
    /// </summary>
    public const int MaxTransactionBytes = (4 * 1024 * 1024) - (64 * 1024);

    /// <summary>An upper bound of the bytes the head adds to a transaction's request body (see <see cref="RequestBytes(TableEntity)"/>).</summary>
    public static int RequestBytes(RoomHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return RequestBytes(EntityMapping.FromHead(TableKey.Encode(head.RoomId), head));
    }

    /// <summary>An upper bound of the bytes a member row adds to a transaction's request body.</summary>
    public static int RequestBytes(string roomId, MemberRecord member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return RequestBytes(EntityMapping.FromMember(TableKey.Encode(roomId), MemberKey(member.UserId), member));
    }

    /// <summary>An upper bound of the bytes an event row adds to a transaction's request body.</summary>
    public static int RequestBytes(string roomId, EventRecord ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return RequestBytes(EntityMapping.FromEvent(TableKey.Encode(roomId), EventKey(ev.Seq), ev));
    }

    /// <summary>
    /// An upper bound of what one operation adds to a transaction's request body, computed from the entity as it is
    /// sent: its JSON (every character the JSON writer might escape counted as a six-byte <c>\uXXXX</c>, binary as
    /// base64, a type annotation beside each typed value) plus the operation's part of the multipart body (its headers
    /// and the URL naming the keys, percent-encoded).
    /// </summary>
    private static int RequestBytes(TableEntity entity)
    {
        const int PartEnvelope = 1024;
        const int TypeAnnotation = 40;
        var bytes = PartEnvelope + (3 * 3 * (entity.PartitionKey.Length + entity.RowKey.Length));
        foreach (var (name, value) in entity)
        {
            bytes += JsonStringBytes(name) + 1 + value switch
            {
                null => 4,
                string text => JsonStringBytes(text),
                byte[] binary => 2 + (4 * ((binary.Length + 2) / 3)) + JsonStringBytes(name) + TypeAnnotation,
                bool => 5,
                int => 11,
                _ => 48 + JsonStringBytes(name) + TypeAnnotation, // long, DateTimeOffset, Guid, double: quoted with a type
            };
        }

        return bytes;

        static int JsonStringBytes(string text)
        {
            var bytes = 3; // quotes and a separator
            foreach (var c in text)
            {
                bytes += c is >= ' ' and < '\u007f' and not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`') ? 1 : 6;
            }

            return bytes;
        }
    }

    public async Task UpsertUserRoomAsync(UserRoomRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = new TableEntity(TableKey.Encode(record.UserId), TableKey.Encode(record.RoomId))
        {
            ["Membership"] = record.Membership,
            ["Seq"] = record.Seq,
        };
        await Guard(() => _userRooms.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken));
    }

    public async Task<IReadOnlyList<UserRoomRecord>> ReadUserRoomsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(userId);
        return await Guard(async () =>
        {
            var list = new List<UserRoomRecord>();
            await foreach (var entity in _userRooms.QueryAsync<TableEntity>($"PartitionKey eq '{Quote(partition)}'", cancellationToken: cancellationToken))
            {
                list.Add(new UserRoomRecord(userId, TableKey.Decode(entity.RowKey), entity.GetString("Membership") ?? "leave", entity.GetInt64("Seq") ?? 0));
            }

            return (IReadOnlyList<UserRoomRecord>)list;
        });
    }

    public async Task SaveTokenAsync(TokenRecord token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        var entity = new TableEntity(token.TokenHash, string.Empty) { ["UserId"] = token.UserId, ["ExpiresAt"] = token.ExpiresAt };
        await Guard(() => _tokens.AddEntityAsync(entity, cancellationToken));
    }

    public async Task<TokenRecord?> FindTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        var response = await Guard(() => _tokens.GetEntityIfExistsAsync<TableEntity>(tokenHash, string.Empty, cancellationToken: cancellationToken));
        return response.HasValue && response.Value is { } entity
            ? new TokenRecord(tokenHash, entity.GetString("UserId") ?? string.Empty, entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue)
            : null;
    }

    /// <summary>Claims an alias for a room.</summary>
    /// <exception cref="AlreadyExistsException">The alias is taken.</exception>
    public async Task AddAliasAsync(string alias, string roomId, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(TableKey.Encode(alias), string.Empty) { ["RoomId"] = roomId };
        try
        {
            await Guard(() => _aliases.AddEntityAsync(entity, cancellationToken));
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409 })
        {
            throw new AlreadyExistsException($"Alias {alias} is taken", ex.InnerException);
        }
    }

    public async Task<string?> ResolveAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        var response = await Guard(() => _aliases.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(alias), string.Empty, cancellationToken: cancellationToken));
        return response.HasValue ? response.Value?.GetString("RoomId") : null;
    }

    public async Task DeleteAliasAsync(string alias, CancellationToken cancellationToken = default) =>
        await Guard(() => _aliases.DeleteEntityAsync(TableKey.Encode(alias), string.Empty, cancellationToken: cancellationToken));

    public static string MemberKey(string userId) => MemberPrefix + TableKey.Encode(userId);

    public static string EventKey(long seq) => EventPrefix + seq.ToString("D19", CultureInfo.InvariantCulture);

    // OData string literals double their single quotes.
    private static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    /// <summary>
    /// Every storage fault becomes one typed exception; callers never see SDK exceptions or hang past the bound. A table
    /// that has vanished (404 TableNotFound) is created again, once, and the call retried: nothing was written by a
    /// call to a table that did not exist, so the retry cannot apply anything twice.
    /// </summary>
    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await GuardOnce(call);
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404, ErrorCode: "TableNotFound" })
        {
            await CreateTablesOnceAsync();
            return await GuardOnce(call);
        }
    }

    private async Task<T> GuardOnce<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 413)
        {
            // Never an outage: retrying cannot help, and a 503 would have clients retry forever.
            LogRejected(_logger, ex, ex.Status, ex.ErrorCode);
            throw new StorageRejectedException($"Table Storage refused the request as malformed ({ex.Status} {ex.ErrorCode}): a bug of this service", ex);
        }
        catch (RequestFailedException ex)
        {
            throw new StorageUnavailableException($"Table Storage answered {ex.Status} {ex.ErrorCode}", ex);
        }
        // SocketException too: SocketsHttpHandler lets one escape when the peer drops a connection it has just accepted.
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or AggregateException or TaskCanceledException)
        {
            throw new StorageUnavailableException("Table Storage could not be reached", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Table Storage refused a request as malformed ({Status} {ErrorCode}): a bug of this service, not an outage")]
    private static partial void LogRejected(ILogger logger, Exception ex, int status, string? errorCode);
}
