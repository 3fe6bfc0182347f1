using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Membership.Functions.Admin;

/// <summary>
/// Tencent's per-App, per-command call limit (200 calls a second by default; <c>Membership:Tencent:RateLimitPerSecond</c>,
/// 0 or less turns it off): a fixed one-second window per (SDKAppID, command). Calls over it answer 60007.
/// Counted after authentication, so callers who cannot sign do not use up the App's budget.
/// </summary>
internal sealed class AdminRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public AdminRateLimiter(IOptions<TencentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perSecond = options.Value.RateLimitPerSecond;
        if (perSecond > 0)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perSecond,
                Window = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            }));
        }

        PerSecond = perSecond;
    }

    public int PerSecond { get; }

    /// <summary>Takes one call from the command's budget; false when the second's budget is spent.</summary>
    public bool TryAcquire(long sdkAppId, string command)
    {
        if (_limiter is null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire($"{sdkAppId}/{command}");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter?.Dispose();
}
