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

/// <summary>One join storm: N distinct users joined one room from <paramref name="Clients"/> clients over <paramref name="Instances"/> instances.</summary>
internal sealed record StormResult(
    int Instances,
    int Users,
    int Clients,
    double Seconds,
    int Joins,
    double JoinsPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    long Conflicts412,
    int Transactions,
    int Status5xx,
    int NoResponse,
    int OtherErrors,
    bool Consistent,
    string Check)
{
    public double ChangesPerTransaction => Transactions == 0 ? double.NaN : (double)Joins / Transactions;

    /// <summary>CPU time the service instances, Azurite and the harness (clients and proxy) used during the storm.</summary>
    public double ServiceCpuMs { get; init; } = double.NaN;

    public double StorageCpuMs { get; init; } = double.NaN;

    public double HarnessCpuMs { get; init; } = double.NaN;

    /// <summary>Milliseconds of CPU per join, service + Azurite + harness: on a 2-core machine 1000 x 2 / this bounds joins/s.</summary>
    public double CpuMsPerJoin => (ServiceCpuMs + StorageCpuMs + HarnessCpuMs) / Joins;
}

/// <summary>A bare client writing the storm's rows into one partition in full transactions, one after the other (each against the ETag the last left).</summary>
internal sealed record StormCeiling(int Joins, int Transactions, int Entities, double Seconds)
{
    /// <summary>CPU time Azurite used for it.</summary>
    public double StorageCpuMs { get; init; } = double.NaN;

    public double JoinsPerSecond => Joins / Seconds;

    public double TransactionsPerSecond => Transactions / Seconds;

    public double EntitiesPerSecond => Entities / Seconds;
}

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

    public List<StormResult> Storms { get; } = [];

    /// <summary>The serial single-client rate on one room (the hot room, one client) the storms are compared with.</summary>
    public double StormSerialRate { get; set; } = double.NaN;

    public StormCeiling? StormCeiling { get; set; }

    /// <summary>VmHWM of the instances after the storms (the larger of the two).</summary>
    public double StormPeakRssMb { get; set; } = double.NaN;

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
