using Azure.Data.Tables;

namespace Membership.Storage;

/// <summary>
/// Federation: the <c>serverkeys</c> table (verify keys of other servers, fetched from their
/// <c>/_matrix/key/v2/server</c>; partition = server name, row = key ID) and the state events an outgoing invite
/// carries as <c>invite_room_state</c>.
/// </summary>
public sealed partial class MembershipStore
{
    private const string ServerKeysTable = "serverkeys";

    private TableClient? _serverKeys;

    /// <summary>The table is the fifth of <see cref="_tableNames"/> (created with the others at start-up).</summary>
    private TableClient ServerKeys => _serverKeys ??= _service.GetTableClient(_tableNames[4]);

    /// <summary>Every cached key of a server (current and old), or none.</summary>
    public async Task<IReadOnlyList<ServerKeyRecord>> ReadServerKeysAsync(string serverName, CancellationToken cancellationToken = default)
    {
        var partition = TableKey.Encode(serverName);
        return await Guard(async () =>
        {
            var list = new List<ServerKeyRecord>();
            await foreach (var entity in ServerKeys.QueryAsync<TableEntity>($"PartitionKey eq '{Quote(partition)}'", cancellationToken: cancellationToken))
            {
                list.Add(new ServerKeyRecord(
                    serverName,
                    TableKey.Decode(entity.RowKey),
                    entity.GetString("PublicKey") ?? string.Empty,
                    entity.GetDateTimeOffset("ValidUntil"),
                    entity.GetDateTimeOffset("ExpiredAt"),
                    entity.GetDateTimeOffset("FetchedAt") ?? DateTimeOffset.MinValue));
            }

            return (IReadOnlyList<ServerKeyRecord>)list;
        });
    }

    /// <summary>Stores the keys of one fresh answer (one transaction of upserts; at most 100 keys).</summary>
    public async Task SaveServerKeysAsync(string serverName, IReadOnlyCollection<ServerKeyRecord> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count is 0 or > 100)
        {
            throw new ArgumentException("Between 1 and 100 keys are cached per server", nameof(keys));
        }

        var partition = TableKey.Encode(serverName);
        var actions = keys.Select(k => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, TableKey.Encode(k.KeyId))
        {
            ["PublicKey"] = k.PublicKey,
            ["ValidUntil"] = k.ValidUntil,
            ["ExpiredAt"] = k.ExpiredAt,
            ["FetchedAt"] = k.FetchedAt,
        })).ToList();
        await Guard(() => ServerKeys.SubmitTransactionAsync(actions, cancellationToken));
    }

    /// <summary>
    /// The latest event of each of <paramref name="types"/> with an empty state key (one partition query over the
    /// event rows, filtered by type on the server), in log order.
    /// </summary>
    public async Task<IReadOnlyList<EventRecord>> ReadLatestStateEventsAsync(string roomId, IReadOnlyCollection<string> types, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        var partition = TableKey.Encode(roomId);
        var typeFilter = string.Join(" or ", types.Select(t => $"Type eq '{Quote(t)}'"));
        var filter = $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{EventPrefix}' and RowKey lt 'event;' and StateKey eq '' and ({typeFilter})";
        return await Guard(async () =>
        {
            var latest = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                var ev = EntityMapping.ToEvent(entity);
                latest[ev.Type] = ev;
            }

            return (IReadOnlyList<EventRecord>)[.. latest.Values.OrderBy(e => e.Seq)];
        });
    }
}

/// <summary>
/// A cached verify key of another server: current keys carry <see cref="ValidUntil"/> (the answer's
/// <c>valid_until_ts</c>), old keys <see cref="ExpiredAt"/> (<c>expired_ts</c>).
/// </summary>
public sealed record ServerKeyRecord(string ServerName, string KeyId, string PublicKey, DateTimeOffset? ValidUntil, DateTimeOffset? ExpiredAt, DateTimeOffset FetchedAt);
