using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service;

/// <summary>
/// The per-user room index (<c>/joined_rooms</c>), projected from each commit after it succeeds, off the request's
/// critical path so a change costs one read and one transaction. Writes for one user run in order; a reader of a
/// user's rooms first waits for that user's pending writes, so a client sees its own changes. A write that fails is
/// logged and repaired from the room's member rows by <see cref="RoomService.RepairUserIndexAsync"/>.
/// </summary>
public sealed partial class UserIndex(MembershipStore store, ILogger<UserIndex> logger)
{
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Enqueue(IEnumerable<UserRoomRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            foreach (var record in records)
            {
                var previous = _tails.GetValueOrDefault(record.UserId, Task.CompletedTask);
                var next = WriteAfterAsync(previous, record);
                _tails[record.UserId] = next;
                _ = next.ContinueWith(_ => Forget(record.UserId, next), TaskScheduler.Default);
            }
        }
    }

    /// <summary>Completes when every index write enqueued so far for the user has finished (or failed and been logged).</summary>
    public Task WaitForUserAsync(string userId)
    {
        lock (_gate)
        {
            return _tails.GetValueOrDefault(userId, Task.CompletedTask);
        }
    }

    private async Task WriteAfterAsync(Task previous, UserRoomRecord record)
    {
        await previous;
        try
        {
            await store.UpsertUserRoomAsync(record);
        }
        catch (StorageException ex)
        {
            LogIndexWriteFailed(logger, ex, record.RoomId, record.Seq);
        }
    }

    private void Forget(string userId, Task finished)
    {
        lock (_gate)
        {
            if (_tails.TryGetValue(userId, out var tail) && tail == finished)
            {
                _tails.Remove(userId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "User index write for room {RoomId} at event {Seq} failed; it will be repaired from the room")]
    private static partial void LogIndexWriteFailed(ILogger logger, Exception ex, string roomId, long seq);
}
