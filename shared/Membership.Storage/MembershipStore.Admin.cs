using Azure.Data.Tables;

namespace Membership.Storage;

/// <summary>Queries of the admin surface (Tencent Room Engine member and ban lists).</summary>
public sealed partial class MembershipStore
{
    /// <summary>
    /// Up to <paramref name="take"/> member rows of one membership whose row key follows that of
    /// <paramref name="afterUserId"/> (from the first row when null), in row-key order, leaving out rows
    /// <paramref name="where"/> refuses. Paging by row key stays stable while members come and go: a change before the
    /// cursor never shifts what follows it. Reads pages of at most <paramref name="take"/> rows until enough match.
    /// </summary>
    public async Task<IReadOnlyList<MemberRecord>> ReadMembersAfterAsync(
        string roomId,
        string membership,
        string? afterUserId,
        int take,
        Func<MemberRecord, bool>? where = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        var partition = TableKey.Encode(roomId);
        var from = afterUserId is null ? $"RowKey ge '{MemberPrefix}'" : $"RowKey gt '{Quote(MemberKey(afterUserId))}'";
        var filter = $"PartitionKey eq '{Quote(partition)}' and {from} and RowKey lt '{MemberRangeEnd}' and Membership eq '{Quote(membership)}'";
        return await Guard(async () =>
        {
            var list = new List<MemberRecord>(take);
            await foreach (var entity in _rooms.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
            {
                var member = EntityMapping.ToMember(entity);
                if (where is null || where(member))
                {
                    list.Add(member);
                    if (list.Count == take)
                    {
                        break;
                    }
                }
            }

            return (IReadOnlyList<MemberRecord>)list;
        });
    }
}
