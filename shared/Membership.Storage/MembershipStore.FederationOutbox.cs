using System.Globalization;
using Azure.Data.Tables;

namespace Membership.Storage;

/// <summary>
/// Federation delivery state beside the webhook cursors (the room's log is the outbox for both): one cursor row per
/// room and destination server (<c>fed:{server}</c>), its dead letters (<c>feddead:{server}:{seq}</c>), and look-ups of
/// events by ID for the federation read endpoints.
/// </summary>
public sealed partial class MembershipStore
{
    private const string FederationCursorPrefix = "fed:";

    /// <summary>';' follows ':' in code-point order, so [fed:, fed;) is exactly the destination cursors.</summary>
    private const string FederationCursorRangeEnd = "fed;";

    private const string FederationDeadPrefix = "feddead:";

    /// <summary>Every destination cursor of a room (one partition query).</summary>
    public async Task<IReadOnlyList<WebhookCursor>> ReadFederationCursorsAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{Quote(TableKey.Encode(roomId))}' and RowKey ge '{FederationCursorPrefix}' and RowKey lt '{FederationCursorRangeEnd}'";
        return await QueryCursorsAsync(filter, cancellationToken);
    }

    /// <summary>The cursors of one destination in every room (a query over the webhooks table, which holds no events).</summary>
    public async Task<IReadOnlyList<WebhookCursor>> ReadFederationCursorsOfAsync(string destination, CancellationToken cancellationToken = default) =>
        await QueryCursorsAsync($"RowKey eq '{Quote(CursorRowKey(destination))}'", cancellationToken);

    /// <summary>Every destination cursor of every room (the sweep's view of which rooms federate).</summary>
    public async Task<IReadOnlyList<WebhookCursor>> ReadAllFederationCursorsAsync(CancellationToken cancellationToken = default) =>
        await QueryCursorsAsync($"RowKey ge '{FederationCursorPrefix}' and RowKey lt '{FederationCursorRangeEnd}'", cancellationToken);

    /// <summary>The dead letters of a room's federation destinations, oldest first per destination.</summary>
    public async Task<IReadOnlyList<WebhookDeadLetter>> ReadFederationDeadLettersAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{Quote(TableKey.Encode(roomId))}' and RowKey ge '{FederationDeadPrefix}' and RowKey lt 'feddead;'";
        return await QueryDeadLettersAsync(filter, int.MaxValue, cancellationToken);
    }

    /// <summary>
    /// The event of a room with this ID, or null (one partition query, filtered on the server: the room's events are
    /// scanned, not the table).
    /// </summary>
    public async Task<EventRecord?> ReadEventByIdAsync(string roomId, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        var filter = $"PartitionKey eq '{Quote(TableKey.Encode(roomId))}' and RowKey ge '{EventPrefix}' and RowKey lt 'event;' and EventId eq '{Quote(eventId)}'";
        return await Guard(async () =>
        {
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
            {
                return EntityMapping.ToEvent(entity);
            }

            return null;
        });
    }

    /// <summary>The row of the room's webhook cursor (no destination) or of a federation destination's cursor.</summary>
    internal static string CursorRowKey(string? destination) =>
        destination is null ? CursorKey : FederationCursorPrefix + TableKey.Encode(destination);

    private static string DeadLetterRowKey(string? destination, long changeSeq)
    {
        var seq = changeSeq.ToString("D19", CultureInfo.InvariantCulture);
        return destination is null ? DeadPrefix + seq : $"{FederationDeadPrefix}{TableKey.Encode(destination)}:{seq}";
    }

    private async Task<IReadOnlyList<WebhookCursor>> QueryCursorsAsync(string filter, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            var list = new List<WebhookCursor>();
            await foreach (var entity in Webhooks.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                list.Add(ToCursor(entity));
            }

            return (IReadOnlyList<WebhookCursor>)list;
        });
}
