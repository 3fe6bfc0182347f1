namespace Membership.Service.Webhooks;

/// <summary>Bound from <c>Membership:Webhooks</c>; <see cref="SdkAppId"/> comes from <c>Membership:Tencent:SdkAppId</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>Where callbacks go (http or https) unless <c>room_config/set_callback</c> stored another URL. Unset: no callbacks.</summary>
    public Uri? Url { get; set; }

    /// <summary>When set, every callback carries <c>Sign = sha256(Token + RequestTime)</c> and <c>RequestTime</c>.</summary>
    public string? Token { get; set; }

    /// <summary>How long a change's callback is retried, counted from the change; after that it is dead-lettered.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Bound on one delivery attempt (connect, send, answer).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry waits about this long; each later one twice as long (with jitter), up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Interval of the local background sweep (in Azure the <c>WebhookSweep</c> timer function sweeps instead).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a sweep also compares every room head with its cursor (catches a crash between commit and marker).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long the stored <c>room_config</c> callback configuration is trusted from memory.</summary>
    public TimeSpan ConfigRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether an instance that knows of no callback configuration still re-reads it (on commits and local sweeps, at
    /// most every <see cref="ConfigRefresh"/>), to learn of a <c>set_callback</c> made on another instance. On by default
    /// under the Functions host (many instances); off locally, where such an instance does no webhook I/O at all.
    /// </summary>
    public bool? PollConfigWhenDisabled { get; set; }

    /// <summary>Whether the local background sweep runs (default: unless under the Functions host, whose timer sweeps).</summary>
    public bool? BackgroundSweep { get; set; }

    /// <summary>
    /// Whether callbacks may go to addresses the outbound policy refuses (loopback, private, link-local, ...): a
    /// receiver on the same network is a legitimate setup, but off by default so that a callback URL cannot point the
    /// service at internal hosts.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The App's SDKAppID, sent as <c>SdkAppid</c> (from <c>Membership:Tencent:SdkAppId</c>).</summary>
    public long SdkAppId { get; set; }

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> of the outbox (callbacks and federation transactions alike):
    /// InitialBackoff × 2^(attempt-1), at most MaxBackoff, times a random 0.5-1.0 (jitter).
    /// </summary>
    public TimeSpan Backoff(int attempt)
    {
        var exponential = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    /// <summary>Throws on values that cannot work (an URL that is not absolute http or https, non-positive durations).</summary>
    public void Validate()
    {
        if (Url is not null && !WebhookSettings.IsHttpUrl(Url))
        {
            throw new ArgumentException("Membership:Webhooks:Url must be an absolute http or https URL");
        }

        foreach (var (name, value) in new[] { ("MaxAge", MaxAge), ("Timeout", Timeout), ("InitialBackoff", InitialBackoff), ("MaxBackoff", MaxBackoff), ("SweepInterval", SweepInterval), ("ReconcileInterval", ReconcileInterval), ("ConfigRefresh", ConfigRefresh) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"Membership:Webhooks:{name} must be positive");
            }
        }
    }
}
