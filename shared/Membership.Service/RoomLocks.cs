namespace Membership.Service;

/// <summary>
/// A per-room async lock inside one instance, so an instance never contends with itself on a room's ETag. Striped
/// over a fixed array: bounded memory, and two rooms sharing a stripe only wait for each other briefly.
/// </summary>
public sealed class RoomLocks : IDisposable
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> AcquireAsync(string roomId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(roomId) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
