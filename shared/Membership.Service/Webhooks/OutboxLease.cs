using Membership.Storage;

namespace Membership.Service.Webhooks;

/// <summary>
/// The lease an instance takes on an outbox cursor (a room's callbacks, or one federation destination of a room) while
/// it delivers from it, so that one instance at a time does. Held in the cursor row; written with If-Match.
/// </summary>
internal static class OutboxLease
{
    /// <summary>Renews the lease before an attempt that could outlast it, so no other instance delivers from the cursor meanwhile.</summary>
    /// <exception cref="ConcurrencyConflictException">Another instance took the cursor over.</exception>
    public static async Task<WebhookCursor> RenewIfShortAsync(MembershipStore store, WebhookCursor cursor, string owner, TimeSpan length, TimeSpan attempt, DateTimeOffset now, CancellationToken cancellationToken) =>
        cursor.LeaseUntil is { } until && until - now > attempt + TimeSpan.FromSeconds(2)
            ? cursor
            : await store.SaveWebhookCursorAsync(cursor with { LeaseOwner = owner, LeaseUntil = now + length }, cancellationToken: cancellationToken);

    /// <summary>Best effort on shutdown: gives the lease up (if still ours) so another instance need not wait for it to run out.</summary>
    public static async Task ReleaseAsync(MembershipStore store, Func<CancellationToken, Task<WebhookCursor?>> read, string owner)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (await read(timeout.Token) is { } cursor && cursor.LeaseOwner == owner)
            {
                await store.SaveWebhookCursorAsync(cursor with { LeaseOwner = null, LeaseUntil = null }, cancellationToken: timeout.Token);
            }
        }
        catch (Exception ex) when (ex is StorageException or ConcurrencyConflictException or OperationCanceledException)
        {
            // The lease runs out by itself.
        }
    }
}
