using System.Globalization;
using System.Threading.RateLimiting;
using Membership.Core.Rooms;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>
/// Matrix writes (POST and PUT of the client-server API) per access token: a token bucket that refills at
/// <c>Membership:RateLimits:ClientWritesPerSecond</c> (20 by default; 0 or less turns it off) and holds at most
/// <c>ClientWritesBurst</c> (50). A write over it answers 429 <c>M_LIMIT_EXCEEDED</c> with <c>Retry-After</c> and
/// <c>retry_after_ms</c>. Counted after authentication, so unknown tokens never get a bucket; reads are not limited.
/// </summary>
internal sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public ClientRateLimiter(MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PerSecond = options.RateLimits.ClientWritesPerSecond;
        Burst = Math.Max(options.RateLimits.ClientWritesBurst, 1);
        if (PerSecond > 0)
        {
            // The partitioned limiter replenishes every bucket from its own timer and drops buckets that have refilled.
            _limiter = PartitionedRateLimiter.Create<string, string>(token => RateLimitPartition.GetTokenBucketLimiter(token, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Burst,
                TokensPerPeriod = PerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            }));
        }
    }

    public int PerSecond { get; }

    public int Burst { get; }

    /// <summary>Takes one write from the token's bucket; throws 429 <c>M_LIMIT_EXCEEDED</c> when it is empty. Reads pass.</summary>
    public void ThrowIfLimited(HttpContext http, string accessToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (_limiter is null || !(HttpMethods.IsPost(http.Request.Method) || HttpMethods.IsPut(http.Request.Method)))
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(accessToken);
        if (lease.IsAcquired)
        {
            return;
        }

        // Whole seconds, rounded up: Retry-After has no finer unit, and retry_after_ms says the same.
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1.0 / PerSecond);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        throw new MatrixException(
            ErrorCode.LimitExceeded,
            string.Create(CultureInfo.InvariantCulture, $"Too many requests: an access token may make {PerSecond} changes a second (bursts of {Burst}); retry in {seconds} s"))
        {
            RetryAfterSeconds = seconds,
        };
    }

    public void Dispose() => _limiter?.Dispose();
}
