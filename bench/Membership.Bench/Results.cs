namespace Membership.Bench;

/// <summary>Storage requests of one operation: before the HTTP response (request path) and after it (background).</summary>
internal sealed record RoundTripSample(int Status, int RequestPath, int Background, int Raced, string PathKinds, string BackgroundKinds);

/// <summary>One throughput phase: <paramref name="Clients"/> concurrent clients for a fixed time.</summary>
internal sealed record ThroughputResult(
    string Scenario,
    int Clients,
    double Seconds,
    int Successes,
    double OpsPerSecond,
    int Status5xx,
    int NoResponse,
    int Status429,
    int OtherErrors,
    long Conflicts412,
    long StorageRequests,
    double P50Ms,
    double P99Ms,
    bool? LostUpdate,
    string? Check);

/// <summary>Everything measured against one build in one run (one service process, one Azurite).</summary>
internal sealed class SessionResult(string build, int run)
{
    public string Build { get; } = build;

    public int Run { get; } = run;

    public Dictionary<string, List<RoundTripSample>> RoundTrips { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<double>> Latency { get; } = new(StringComparer.Ordinal);

    public List<double> RawStorage { get; } = [];

    /// <summary>The same raw change straight to Azurite, not through the proxy: what the proxy's hop costs.</summary>
    public List<double> RawDirect { get; } = [];

    /// <summary>The raw shape of a 20-member kick (1 query + a 41-row transaction), beside kick_user_out samples.</summary>
    public List<double> RawKick { get; } = [];

    /// <summary>Storage requests per raw baseline change (a check that the baseline is the two round trips it claims).</summary>
    public List<int> RawRoundTrips { get; } = [];

    public List<ThroughputResult> Throughput { get; } = [];

    public double IdleRssMb { get; set; } = double.NaN;

    public double PeakRssMb { get; set; } = double.NaN;

    public double StartupMs { get; set; } = double.NaN;

    public string? KickOutSkipped { get; set; }

    public List<string> Errors { get; } = [];

    /// <summary>p50 of every change sample pooled (join, invite, kick, ban, unban, leave) over the raw baseline's p50.</summary>
    public double ChangeOverhead
    {
        get
        {
            var changes = Session.ChangeOps.Where(Latency.ContainsKey).SelectMany(op => Latency[op]).ToList();
            return changes.Count == 0 || RawStorage.Count == 0 ? double.NaN : Stats.Percentile(changes, 50) / Stats.Percentile(RawStorage, 50);
        }
    }
}

/// <summary>One cold-start trial of one binary.</summary>
internal sealed record ColdStartSample(string Binary, int Trial, double FirstSuccessMs, double FirstMembersMs, double RssMb);
