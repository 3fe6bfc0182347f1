using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Membership.Bench;

/// <summary>A DESIGN.md §10 target beside its measured value. Pass is null when it could not be measured.</summary>
internal sealed record TargetCheck(string Name, string Goal, string Measured, bool? Pass);

/// <summary>Aggregates the sessions (medians across runs of per-run figures; ratios computed inside a run first) and prints them.</summary>
internal sealed class Report
{
    public static readonly string[] Scenarios = ["many_rooms", "hot_room", "hot_room_2_instances"];
    private static readonly string[] BuildOrder = ["aot", "jit"];
    private static readonly string[] RoundTripHeader = ["operation", "request path", "background", "request-path requests", "background requests"];
    private static readonly string[] ColdBinaries = ["aot", "jit", "r2r", "worker", "baseline"];

    private static string ColdLabel(string binary) => binary switch
    {
        "aot" => "AOT custom handler",
        "jit" => "JIT on Kestrel",
        "r2r" => "ReadyToRun on Kestrel",
        "worker" => "isolated worker (ReadyToRun, host double)",
        _ => "empty AOT app (1 read)",
    };

    public static readonly string[] OpOrder = ["join", "invite", "kick", "ban", "unban", "leave", "kick_user_out_20", "members", "issue_token", "whoami_first_use"];

    private static readonly Dictionary<string, string> OpLabels = new(StringComparer.Ordinal)
    {
        ["kick_user_out_20"] = "kick_user_out (20)",
        ["whoami_first_use"] = "whoami (token's first use)",
    };

    private readonly BenchOptions _options;
    private readonly List<SessionResult> _sessions;
    private readonly List<ColdStartSample> _cold;

    public Report(BenchOptions options, JsonObject machine, JsonObject builds, List<SessionResult> sessions, List<ColdStartSample> cold, List<string> notes, List<string> errors)
    {
        _options = options;
        Machine = machine;
        Builds = builds;
        _sessions = sessions;
        _cold = cold;
        Notes = notes;
        Errors = errors;
        BuildNames = [.. BuildOrder.Where(b => sessions.Any(s => s.Build == b))];
        Targets = EvaluateTargets();
    }

    public JsonObject Machine { get; }

    public JsonObject Builds { get; }

    public List<string> Notes { get; }

    public List<string> Errors { get; }

    public List<string> BuildNames { get; }

    public List<TargetCheck> Targets { get; }

    public static string Label(string op) => OpLabels.GetValueOrDefault(op, op);

    public IEnumerable<SessionResult> Of(string build) => _sessions.Where(s => s.Build == build);

    // ---------------------------------------------------------------- aggregates

    /// <summary>Median over runs of the per-run percentile of an operation's latency.</summary>
    public double LatencyPercentile(string build, string op, double p) =>
        Stats.Median(Of(build).Where(s => s.Latency.ContainsKey(op)).Select(s => Stats.Percentile(s.Latency[op], p)));

    public double RawPercentile(string build, double p, Func<SessionResult, List<double>>? which = null)
    {
        which ??= s => s.RawStorage;
        return Stats.Median(Of(build).Where(s => which(s).Count > 0).Select(s => Stats.Percentile(which(s), p)));
    }

    /// <summary>
    /// Per run: p50 of the operation / p50 of its raw storage equivalent in the same run (a change: 1 query + a 3-row
    /// transaction; kick_user_out of 20: 1 query + a 41-row transaction); then the median over runs. NaN for reads.
    /// </summary>
    public double Overhead(string build, string op)
    {
        Func<SessionResult, List<double>>? raw = op == "kick_user_out_20" ? s => s.RawKick : Session.ChangeOps.Contains(op) ? s => s.RawStorage : null;
        return raw is null
            ? double.NaN
            : Stats.Median(Of(build).Where(s => s.Latency.ContainsKey(op) && raw(s).Count > 0)
                .Select(s => Stats.Percentile(s.Latency[op], 50) / Stats.Percentile(raw(s), 50)));
    }

    public double ChangeOverhead(string build) => Stats.Median(Of(build).Select(s => s.ChangeOverhead));

    public double ChangeP50(string build) =>
        Stats.Median(Of(build).Select(s => Session.ChangeOps.Where(s.Latency.ContainsKey).SelectMany(op => s.Latency[op]).ToList())
            .Where(l => l.Count > 0).Select(l => Stats.Percentile(l, 50)));

    public double Throughput(string build, string scenario, int clients) =>
        Stats.Median(Of(build).SelectMany(s => s.Throughput).Where(t => t.Scenario == scenario && t.Clients == clients).Select(t => t.OpsPerSecond));

    /// <summary>Per run: the hot room with the most clients / the hot room with one client (serial); median over runs.</summary>
    public double ContentionRatio(string build, string scenario = "hot_room")
    {
        var max = _options.Concurrency.Max();
        return Stats.Median(Of(build).Select(s =>
        {
            var one = s.Throughput.FirstOrDefault(t => t.Scenario == "hot_room" && t.Clients == 1);
            var many = s.Throughput.FirstOrDefault(t => t.Scenario == scenario && t.Clients == max);
            return one is null || many is null || one.OpsPerSecond == 0 ? double.NaN : many.OpsPerSecond / one.OpsPerSecond;
        }));
    }

    public List<RoundTripSample> RoundTripSamples(string build, string op) =>
        [.. Of(build).Where(s => s.RoundTrips.ContainsKey(op)).SelectMany(s => s.RoundTrips[op])];

    public double ColdMedian(string binary, Func<ColdStartSample, double> value) =>
        Stats.Median(_cold.Where(c => c.Binary == binary).Select(value));

    /// <summary>Per trial: <paramref name="numerator"/>'s time / <paramref name="denominator"/>'s time; median over trials.</summary>
    public double ColdRatio(string numerator, string denominator) =>
        Stats.Median(_cold.GroupBy(c => c.Trial).Select(g =>
        {
            var n = g.FirstOrDefault(c => c.Binary == numerator);
            var d = g.FirstOrDefault(c => c.Binary == denominator);
            return n is null || d is null ? double.NaN : n.FirstSuccessMs / d.FirstSuccessMs;
        }));

    public double PeakRss(string build) => Stats.Median(Of(build).Select(s => s.PeakRssMb));

    public string? KickOutSkipped => _sessions.Select(s => s.KickOutSkipped).FirstOrDefault(n => n is not null);

    // ---------------------------------------------------------------- targets

    private List<TargetCheck> EvaluateTargets()
    {
        var checks = new List<TargetCheck>();

        // Round trips: every change (and the 20-member kick) costs 2 on the request path, in every sample.
        var changeOps = Session.ChangeOps.Append("kick_user_out_20").ToList();
        var counted = changeOps.Select(op => (op, samples: BuildNames.SelectMany(b => RoundTripSamples(b, op)).ToList())).Where(x => x.samples.Count > 0).ToList();
        checks.Add(counted.Count == 0
            ? new TargetCheck("storage round trips per change", "2 (1 read + 1 transaction)", "not measured", null)
            : new TargetCheck(
                "storage round trips per change",
                "2 (1 read + 1 transaction)",
                string.Join(", ", counted.Select(x => $"{Label(x.op)} {Range(x.samples.Select(s => s.RequestPath))}")) + (KickOutSkipped is null ? string.Empty : "; kick_user_out not measured"),
                counted.All(x => x.samples.All(s => s.RequestPath == 2))));

        foreach (var build in BuildNames)
        {
            var ratio = ChangeOverhead(build);
            checks.Add(new TargetCheck($"service overhead ({build})", "<= 1.3", double.IsNaN(ratio) ? "not measured" : F(ratio, "0.00") + $" (p50 change {F(ChangeP50(build))} ms / p50 raw {F(RawPercentile(build, 50))} ms)", double.IsNaN(ratio) ? null : ratio <= 1.3));
        }

        var cold = ColdRatio("aot", "baseline");
        checks.Add(new TargetCheck("cold start AOT / empty AOT app", "<= 1.5",
            double.IsNaN(cold) ? "not measured" : F(cold, "0.00") + $" ({F(ColdMedian("aot", c => c.FirstSuccessMs), "0")} ms / {F(ColdMedian("baseline", c => c.FirstSuccessMs), "0")} ms)",
            double.IsNaN(cold) ? null : cold <= 1.5));

        foreach (var build in BuildNames)
        {
            var max = _options.Concurrency.Max();
            var hot = Of(build).SelectMany(s => s.Throughput).Where(t => t.Scenario.StartsWith("hot_room", StringComparison.Ordinal)).ToList();
            var ratio = ContentionRatio(build);
            if (hot.Count == 0 || double.IsNaN(ratio))
            {
                checks.Add(new TargetCheck($"contention, {max} clients on one room ({build})", "no lost update, no 5xx, >= 0.5 x serial", "not measured", null));
                continue;
            }

            var lost = hot.Any(t => t.LostUpdate == true);
            var fivexx = hot.Sum(t => t.Status5xx + t.NoResponse);
            checks.Add(new TargetCheck($"contention, {max} clients on one room ({build})", "no lost update, no 5xx, >= 0.5 x serial",
                $"{(lost ? "LOST UPDATE" : "no lost update")}, {fivexx} 5xx, {F(ratio, "0.00")} x serial ({F(Throughput(build, "hot_room", max), "0")} vs {F(Throughput(build, "hot_room", 1), "0")} changes/s); two instances: {F(ContentionRatio(build, "hot_room_2_instances"), "0.00")} x serial, {hot.Where(t => t.Scenario == "hot_room_2_instances").Sum(t => t.Conflicts412)} retries on 412",
                !lost && fivexx == 0 && ratio >= 0.5));
        }

        var rss = PeakRss("aot");
        checks.Add(new TargetCheck("peak RSS under load (aot)", "<= 120 MB", double.IsNaN(rss) ? "not measured" : F(rss, "0.0") + " MB", double.IsNaN(rss) ? null : rss <= 120));
        return checks;
    }

    private static string Range(IEnumerable<int> values)
    {
        var list = values.ToList();
        return list.Min() == list.Max() ? list.Min().ToString(CultureInfo.InvariantCulture) : $"{list.Min()}-{list.Max()}";
    }

    public static string F(double value, string format = "0.0") =>
        double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private static JsonValue? J(double value, int digits = 2) =>
        double.IsNaN(value) || double.IsInfinity(value) ? null : JsonValue.Create(Math.Round(value, digits));

    // ---------------------------------------------------------------- JSON

    public JsonObject ToJson(DateTimeOffset started, TimeSpan elapsed)
    {
        var root = new JsonObject
        {
            ["schema"] = 1,
            ["mode"] = _options.Quick ? "quick" : "full",
            ["started_utc"] = started.ToString("O", CultureInfo.InvariantCulture),
            ["duration_s"] = Math.Round(elapsed.TotalSeconds, 1),
            ["command"] = "bench/run.sh " + string.Join(' ', _options.Raw),
            ["machine"] = Machine.DeepClone(),
            ["settings"] = new JsonObject
            {
                ["runs"] = _options.Runs,
                ["latency_samples_per_op_per_run"] = _options.Samples,
                ["throughput_phase_seconds"] = _options.DurationSeconds,
                ["concurrency"] = new JsonArray([.. _options.Concurrency.Select(c => (JsonNode)c)]),
                ["cold_start_trials"] = _options.ColdTrials,
                ["storage_delay_ms"] = _options.StorageDelayMs,
                ["storage"] = "Azurite (in memory, one instance per run and build) behind the harness's counting proxy; the raw baseline goes through the same proxy",
            },
            ["builds"] = Builds.DeepClone(),
        };

        var roundTrips = new JsonObject();
        var latency = new JsonObject();
        var throughput = new JsonObject();
        var memory = new JsonObject();
        foreach (var build in BuildNames)
        {
            var rt = new JsonObject();
            foreach (var op in OpOrder)
            {
                var samples = RoundTripSamples(build, op);
                if (samples.Count == 0)
                {
                    continue;
                }

                rt[op] = new JsonObject
                {
                    ["request_path"] = J(Stats.Median(samples.Select(s => (double)s.RequestPath))),
                    ["request_path_max"] = samples.Max(s => s.RequestPath),
                    ["background"] = J(Stats.Median(samples.Select(s => (double)s.Background))),
                    ["index_writes_that_raced_the_response"] = samples.Sum(s => s.Raced),
                    ["samples"] = samples.Count,
                    ["request_path_kinds"] = MostCommon(samples.Select(s => s.PathKinds)),
                    ["background_kinds"] = MostCommon(samples.Select(s => s.BackgroundKinds)),
                };
            }

            roundTrips[build] = rt;

            var lat = new JsonObject();
            foreach (var op in OpOrder.Where(op => Of(build).Any(s => s.Latency.ContainsKey(op))))
            {
                lat[op] = new JsonObject
                {
                    ["p50_ms"] = J(LatencyPercentile(build, op, 50)),
                    ["p95_ms"] = J(LatencyPercentile(build, op, 95)),
                    ["p99_ms"] = J(LatencyPercentile(build, op, 99)),
                    ["samples_per_run"] = Of(build).Where(s => s.Latency.ContainsKey(op)).Select(s => s.Latency[op].Count).DefaultIfEmpty().Max(),
                    ["overhead_vs_raw_p50"] = J(Overhead(build, op)),
                };
            }

            lat["raw_storage_change"] = new JsonObject
            {
                ["p50_ms"] = J(RawPercentile(build, 50)),
                ["p95_ms"] = J(RawPercentile(build, 95)),
                ["p99_ms"] = J(RawPercentile(build, 99)),
                ["storage_requests_per_change"] = J(Stats.Median(Of(build).SelectMany(s => s.RawRoundTrips).Select(n => (double)n))),
                ["what"] = "bare Azure.Data.Tables client through the same proxy: 1 partition query (head + 2 member rows) + 1 transaction (head If-Match, 1 member upsert, 1 event insert)",
            };
            lat["raw_storage_change_direct"] = new JsonObject
            {
                ["p50_ms"] = J(RawPercentile(build, 50, s => s.RawDirect)),
                ["p95_ms"] = J(RawPercentile(build, 95, s => s.RawDirect)),
                ["p99_ms"] = J(RawPercentile(build, 99, s => s.RawDirect)),
                ["what"] = "the same change straight to Azurite, without the proxy (the difference is the proxy's hop)",
            };
            lat["raw_storage_kick_of_20"] = new JsonObject
            {
                ["p50_ms"] = J(RawPercentile(build, 50, s => s.RawKick)),
                ["p95_ms"] = J(RawPercentile(build, 95, s => s.RawKick)),
                ["p99_ms"] = J(RawPercentile(build, 99, s => s.RawKick)),
                ["what"] = "1 partition query (head + every member row) + 1 transaction of 41 rows, beside each kick_user_out sample",
            };
            lat["change_pooled"] = new JsonObject
            {
                ["p50_ms"] = J(ChangeP50(build)),
                ["overhead_vs_raw_p50"] = J(ChangeOverhead(build)),
                ["overhead_per_run"] = new JsonArray([.. Of(build).Select(s => J(s.ChangeOverhead))]),
            };
            latency[build] = lat;

            var tp = new JsonObject();
            foreach (var scenario in Scenarios)
            {
                var sc = new JsonObject();
                foreach (var clients in _options.Concurrency)
                {
                    var phases = Of(build).SelectMany(s => s.Throughput).Where(t => t.Scenario == scenario && t.Clients == clients).ToList();
                    if (phases.Count == 0)
                    {
                        continue;
                    }

                    sc[clients.ToString(CultureInfo.InvariantCulture)] = new JsonObject
                    {
                        ["changes_per_s"] = J(Stats.Median(phases.Select(t => t.OpsPerSecond)), 1),
                        ["changes_per_s_per_run"] = new JsonArray([.. phases.Select(t => J(t.OpsPerSecond, 1))]),
                        ["p50_ms"] = J(Stats.Median(phases.Select(t => t.P50Ms))),
                        ["p99_ms"] = J(Stats.Median(phases.Select(t => t.P99Ms))),
                        ["retries_on_412"] = phases.Sum(t => t.Conflicts412),
                        ["storage_requests_per_change"] = J(phases.Sum(t => (double)t.StorageRequests) / Math.Max(1, phases.Sum(t => t.Successes))),
                        ["status_5xx"] = phases.Sum(t => t.Status5xx),
                        ["no_response"] = phases.Sum(t => t.NoResponse),
                        ["status_429"] = phases.Sum(t => t.Status429),
                        ["other_errors"] = phases.Sum(t => t.OtherErrors),
                        ["lost_update"] = scenario != "many_rooms" ? phases.Any(t => t.LostUpdate == true) : null,
                        ["check"] = scenario != "many_rooms" ? string.Join("; ", phases.Select(t => t.Check).Distinct()) : null,
                    };
                }

                tp[scenario] = sc;
            }

            tp["contention_ratio_max_clients_vs_one"] = J(ContentionRatio(build));
            tp["contention_ratio_two_instances_max_clients_vs_one"] = J(ContentionRatio(build, "hot_room_2_instances"));
            throughput[build] = tp;

            memory[build] = new JsonObject
            {
                ["peak_rss_mb_under_load"] = J(PeakRss(build), 1),
                ["peak_rss_mb_per_run"] = new JsonArray([.. Of(build).Select(s => J(s.PeakRssMb, 1))]),
                ["idle_rss_mb_after_start"] = J(Stats.Median(Of(build).Select(s => s.IdleRssMb)), 1),
                ["start_to_ready_ms_with_proxy"] = J(Stats.Median(Of(build).Select(s => s.StartupMs)), 0),
            };
        }

        root["round_trips"] = roundTrips;
        root["latency"] = latency;
        root["throughput"] = throughput;
        root["memory"] = memory;

        var cold = new JsonObject();
        foreach (var binary in ColdBinaries)
        {
            var s = _cold.Where(c => c.Binary == binary).ToList();
            if (s.Count == 0)
            {
                continue;
            }

            cold[binary] = new JsonObject
            {
                ["first_success_ms"] = J(ColdMedian(binary, c => c.FirstSuccessMs), 1),
                ["first_success_ms_per_trial"] = new JsonArray([.. s.Select(c => J(c.FirstSuccessMs, 1))]),
                ["first_members_ms"] = binary == "baseline" ? null : J(ColdMedian(binary, c => c.FirstMembersMs), 1),
                ["rss_mb_after_first_response"] = J(ColdMedian(binary, c => c.RssMb), 1),
            };
        }

        cold["ratio_aot_vs_baseline"] = J(ColdRatio("aot", "baseline"));
        cold["ratio_jit_vs_aot"] = J(ColdRatio("jit", "aot"));
        cold["ratio_r2r_vs_aot"] = J(ColdRatio("r2r", "aot"));
        cold["ratio_worker_vs_aot"] = J(ColdRatio("worker", "aot"));
        cold["first_request"] = "service: GET /_matrix/client/v3/account/whoami with a token issued beforehand (one storage read); baseline: GET /probe (one storage read); then the service's first GET /members; the worker's through the Functions host double's front door, timed from the worker's process start";
        root["cold_start"] = cold;

        root["targets"] = new JsonArray([.. Targets.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["goal"] = t.Goal,
            ["measured"] = t.Measured,
            ["pass"] = t.Pass,
        })]);
        root["notes"] = new JsonArray([.. Notes.Select(n => (JsonNode)n)]);
        root["errors"] = new JsonArray([.. Errors.Select(e => (JsonNode)e)]);
        return root;
    }

    private static string MostCommon(IEnumerable<string> values) =>
        values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? string.Empty;

    public static string Serialize(JsonObject json) => json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    // ---------------------------------------------------------------- console

    /// <summary>The tables as plain text (console) or Markdown (bench/results/latest.md).</summary>
    public string ToText(bool markdown = false, string? heading = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine(heading ?? string.Empty);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Membership service benchmark ({(_options.Quick ? "QUICK mode: few samples, figures are indicative only" : "full")}; {_options.Runs} run(s); medians over runs)");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {MachineInfo.Summary(Machine)}; load average at start {Machine["load_average_at_start"]}");
        sb.AppendLine();

        // Round trips.
        var rows = new List<string[]> { RoundTripHeader };
        foreach (var op in OpOrder)
        {
            var samples = BuildNames.SelectMany(b => RoundTripSamples(b, op)).ToList();
            if (samples.Count == 0)
            {
                continue;
            }

            rows.Add([Label(op), Range(samples.Select(s => s.RequestPath)), Range(samples.Select(s => s.Background)), MostCommon(samples.Select(s => s.PathKinds)), MostCommon(samples.Select(s => s.BackgroundKinds))]);
        }

        Table(sb, markdown, "Storage round trips per operation (counted by the proxy; all samples, both builds; 'background' = after the response)", rows);

        // Latency.
        rows = [["operation", .. BuildNames.SelectMany(b => new[] { $"{b} p50", $"{b} p95", $"{b} p99", $"{b} /raw" })]];
        foreach (var op in OpOrder.Where(op => _sessions.Any(s => s.Latency.ContainsKey(op))))
        {
            rows.Add([Label(op), .. BuildNames.SelectMany(b => new[] { F(LatencyPercentile(b, op, 50)), F(LatencyPercentile(b, op, 95)), F(LatencyPercentile(b, op, 99)), F(Overhead(b, op), "0.00") })]);
        }

        rows.Add(["change (pooled)", .. BuildNames.SelectMany(b => new[] { F(ChangeP50(b)), string.Empty, string.Empty, F(ChangeOverhead(b), "0.00") })]);
        rows.Add(["raw storage change", .. BuildNames.SelectMany(b => new[] { F(RawPercentile(b, 50)), F(RawPercentile(b, 95)), F(RawPercentile(b, 99)), "1.00" })]);
        rows.Add(["  same, no proxy", .. BuildNames.SelectMany(b => new[] { F(RawPercentile(b, 50, s => s.RawDirect)), F(RawPercentile(b, 95, s => s.RawDirect)), F(RawPercentile(b, 99, s => s.RawDirect)), string.Empty })]);
        if (_sessions.Any(s => s.RawKick.Count > 0))
        {
            rows.Add(["raw kick of 20", .. BuildNames.SelectMany(b => new[] { F(RawPercentile(b, 50, s => s.RawKick)), F(RawPercentile(b, 95, s => s.RawKick)), F(RawPercentile(b, 99, s => s.RawKick)), "1.00" })]);
        }

        Table(sb, markdown, "Latency through HTTP, ms (serial, one client); /raw = p50 of a change / p50 of the same two storage round trips by a bare client, same run", rows);

        // Throughput.
        rows = [["scenario", "clients", .. BuildNames.SelectMany(b => new[] { $"{b} changes/s", $"{b} p50 ms", $"{b} 412 retries", $"{b} 5xx" }), "check"]];
        foreach (var scenario in Scenarios)
        {
            foreach (var clients in _options.Concurrency.Where(c => _sessions.SelectMany(s => s.Throughput).Any(t => t.Scenario == scenario && t.Clients == c)))
            {
                var cells = new List<string> { scenario.Replace('_', ' '), clients.ToString(CultureInfo.InvariantCulture) };
                var checks = new List<string>();
                foreach (var b in BuildNames)
                {
                    var phases = Of(b).SelectMany(s => s.Throughput).Where(t => t.Scenario == scenario && t.Clients == clients).ToList();
                    cells.Add(F(Stats.Median(phases.Select(t => t.OpsPerSecond)), "0"));
                    cells.Add(F(Stats.Median(phases.Select(t => t.P50Ms))));
                    cells.Add(phases.Count == 0 ? "-" : phases.Sum(t => t.Conflicts412).ToString(CultureInfo.InvariantCulture));
                    cells.Add(phases.Count == 0 ? "-" : phases.Sum(t => t.Status5xx).ToString(CultureInfo.InvariantCulture));
                    checks.AddRange(phases.Select(t => t.Check).OfType<string>());
                }

                cells.Add(string.Join("; ", checks.Distinct()));
                rows.Add([.. cells]);
            }
        }

        Table(sb, markdown, $"Throughput: each client alternates join/leave for {F(_options.DurationSeconds, "0.#")} s (many rooms: one room per client; hot room: all clients on one room; 2 instances: the clients split over two service processes on the same storage)", rows);

        // Cold start.
        rows = [["binary", "first success ms (median)", "min", "max", "first /members ms", "RSS MB"]];
        foreach (var binary in ColdBinaries)
        {
            var s = _cold.Where(c => c.Binary == binary).ToList();
            if (s.Count == 0)
            {
                continue;
            }

            rows.Add([ColdLabel(binary), F(ColdMedian(binary, c => c.FirstSuccessMs), "0"), F(s.Min(c => c.FirstSuccessMs), "0"), F(s.Max(c => c.FirstSuccessMs), "0"),
                binary == "baseline" ? "-" : F(ColdMedian(binary, c => c.FirstMembersMs), "0"), F(ColdMedian(binary, c => c.RssMb))]);
        }

        if (_cold.Count > 0)
        {
            Table(sb, markdown, $"Cold start: process start to first successful response ({_options.ColdTrials} trials; AOT/baseline {F(ColdRatio("aot", "baseline"), "0.00")}, JIT/AOT {F(ColdRatio("jit", "aot"), "0.00")}, ReadyToRun/AOT {F(ColdRatio("r2r", "aot"), "0.00")}, worker/AOT {F(ColdRatio("worker", "aot"), "0.00")}, pairwise per trial)", rows);
        }

        // Memory.
        rows = [["build", "RSS after start MB", "peak RSS under load MB (VmHWM)"]];
        foreach (var b in BuildNames)
        {
            rows.Add([b, F(Stats.Median(Of(b).Select(s => s.IdleRssMb))), F(PeakRss(b))]);
        }

        Table(sb, markdown, "Memory", rows);

        // Targets.
        rows = [["DESIGN.md §10 target", "goal", "measured", "result"]];
        rows.AddRange(Targets.Select(t => new[] { t.Name, t.Goal, t.Measured, t.Pass switch { true => "PASS", false => "FAIL", null => "n/a" } }));
        Table(sb, markdown, "Targets", rows);

        foreach (var n in Notes)
        {
            sb.AppendLine((markdown ? "- note: " : "note: ") + n);
        }

        foreach (var e in Errors)
        {
            sb.AppendLine((markdown ? "- error: " : "error: ") + e);
        }

        return sb.ToString();
    }

    private static void Table(StringBuilder sb, bool markdown, string title, List<string[]> rows)
    {
        if (markdown)
        {
            sb.AppendLine("**" + title + "**");
            sb.AppendLine();
            for (var r = 0; r < rows.Count; r++)
            {
                sb.AppendLine("| " + string.Join(" | ", rows[r].Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
                if (r == 0)
                {
                    sb.AppendLine("|" + string.Concat(rows[r].Select((_, i) => i == 0 ? "---|" : "---:|")));
                }
            }

            sb.AppendLine();
            return;
        }

        sb.AppendLine(title);
        var widths = Enumerable.Range(0, rows.Max(r => r.Length)).Select(i => rows.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            sb.AppendLine("  " + string.Join("  ", rows[r].Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
            if (r == 0)
            {
                sb.AppendLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        sb.AppendLine();
    }
}
