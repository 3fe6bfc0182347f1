using System.Diagnostics;
using System.Globalization;
using Membership.Bench;

// The benchmark harness of DESIGN.md §10. See BenchOptions.Usage, or bench/run.sh --help.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Processes.InstallHandlers(cancel);
var token = cancel.Token;
var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var notes = new List<string>();
var errors = new List<string>();
var sessions = new List<SessionResult>();
var cold = new List<ColdStartSample>();
var builds = new System.Text.Json.Nodes.JsonObject();

try
{
    var paths = new Paths(options.OutDir);
    var machine = await MachineInfo.DescribeAsync(paths);
    Progress.Say($"machine: {MachineInfo.Summary(machine)}; load average {machine["load_average_at_start"]}");
    Progress.Say($"mode: {(options.Quick ? "quick" : "full")}, {options.Runs} run(s), {options.Samples} latency samples/op, {options.DurationSeconds} s per load phase, {options.ColdTrials} cold-start trials; logs in {paths.Logs}");

    ServiceBinary? jit = null, aot = null, baseline = null;
    try
    {
        jit = await Builds.JitAsync(options, paths, token);
        builds["jit"] = Builds.Describe(jit);
    }
    catch (Exception ex) when (ex is BenchException or OperationCanceledException)
    {
        errors.Add("JIT build: " + ex.Message);
    }

    if (options.SkipAot)
    {
        notes.Add("--skip-aot: the Native AOT build and the cold-start baseline were not measured");
    }
    else
    {
        try
        {
            aot = await Builds.AotAsync(options, paths, notes, token);
            builds["aot"] = Builds.Describe(aot);
            baseline = await Builds.BaselineAsync(options, paths, token);
            builds["baseline"] = Builds.Describe(baseline);
        }
        catch (Exception ex) when (ex is BenchException or OperationCanceledException)
        {
            errors.Add("Native AOT build: " + ex.Message);
        }
    }

    // --max-minutes bounds the measuring, not the builds (they have their own limit of 30 minutes each).
    cancel.CancelAfter(TimeSpan.FromMinutes(options.MaxMinutes));

    // Runs: each build gets a fresh Azurite and service per run; the order alternates so neither always goes first.
    var sessionMeasures = BenchOptions.Measurements.Where(m => m != "coldstart").Any(options.Measures);
    for (var run = 1; sessionMeasures && run <= options.Runs && !token.IsCancellationRequested; run++)
    {
        var order = (run % 2 == 1 ? new[] { aot, jit } : [jit, aot]).OfType<ServiceBinary>();
        foreach (var binary in order)
        {
            if (token.IsCancellationRequested)
            {
                break;
            }

            try
            {
                var result = await new Session(options, paths, binary, run, token).RunAsync();
                sessions.Add(result);
                errors.AddRange(result.Errors.Select(e => $"run {run} {binary.Name}: {e}"));
            }
            catch (Exception ex) when (ex is BenchException or HttpRequestException or IOException or OperationCanceledException)
            {
                errors.Add($"run {run} {binary.Name}: {ex.Message}");
                Progress.Say($"run {run} {binary.Name} FAILED: {ex.Message}");
            }
        }
    }

    // The ReadyToRun package, on Kestrel and as an isolated worker under the host double: cold start only.
    ServiceBinary? r2r = null;
    if (options.Measures("coldstart") && !token.IsCancellationRequested)
    {
        try
        {
            r2r = await Builds.ReadyToRunAsync(options, paths, token);
            builds["r2r"] = Builds.Describe(r2r);
            builds["worker"] = Builds.Describe(Builds.Worker(r2r));
        }
        catch (Exception ex) when (ex is BenchException or OperationCanceledException)
        {
            errors.Add("ReadyToRun publish: " + ex.Message);
        }
    }

    var coldBinaries = new[] { aot, jit, r2r, r2r is null ? null : Builds.Worker(r2r), baseline }.OfType<ServiceBinary>().ToList();
    if (options.Measures("coldstart") && !token.IsCancellationRequested && coldBinaries.Any(b => b.Name != "baseline"))
    {
        var coldStart = new ColdStart(options, paths, coldBinaries, token);
        try
        {
            Progress.Say($"cold start: {options.ColdTrials} trials of {string.Join(", ", coldBinaries.Select(b => b.Name))} (plus one warm-up trial)");
            cold.AddRange(await coldStart.RunAsync());
        }
        catch (Exception ex) when (ex is BenchException or HttpRequestException or IOException or OperationCanceledException)
        {
            errors.Add("cold start: " + ex.Message);
        }

        errors.AddRange(coldStart.Errors.Select(e => "cold start of " + e));
    }

    if (baseline is null && !options.SkipAot)
    {
        notes.Add("cold start AOT / empty AOT app: not measured (no Native AOT binaries)");
    }

    if (sessions.Select(s => s.KickOutSkipped).FirstOrDefault(n => n is not null) is { } skipped)
    {
        notes.Add(skipped + "; it is measured automatically once the command works");
    }

    if (token.IsCancellationRequested)
    {
        notes.Add($"stopped early (Ctrl-C or --max-minutes {options.MaxMinutes}): figures cover what was measured");
    }

    if (options.Quick)
    {
        notes.Add("quick mode: few samples and short phases; use a full run (no --quick) for the recorded figures");
    }

    if (options.StorageDelayMs > 0)
    {
        notes.Add($"--storage-delay-ms {options.StorageDelayMs}: every storage request was delayed by the proxy");
    }

    notes.Add("storage is Azurite (single-threaded Node, in memory) on the same machine, not Azure Table Storage: absolute figures are local; the ratios are what the targets judge");
    notes.Add("the counting proxy adds one loopback hop to every storage request, for the service and for the raw baseline alike");
    notes.Add($"load average at start {machine["load_average_at_start"]}, at end {MachineInfo.LoadAverage()} (on a shared machine the figures are noisy; ratios are pairwise within a run)");
    machine["load_average_at_end"] = MachineInfo.LoadAverage();

    var report = new Report(options, machine, builds, sessions, cold, notes, errors);
    var json = report.ToJson(started, clock.Elapsed);
    var subtitle = string.Create(CultureInfo.InvariantCulture,
        $"{started:yyyy-MM-dd HH:mm} UTC, {(options.Quick ? "quick" : "full")} mode, {options.Runs} run(s); {MachineInfo.Summary(machine)}; see latest.json");
    // A run that measured nothing (failed builds, stopped at once) must not replace the recorded figures.
    var measured = sessions.Any(s => s.RoundTrips.Count + s.Latency.Count + s.Throughput.Count > 0) || cold.Count > 0;
    var outDir = measured ? paths.Results : paths.Work;
    if (!measured)
    {
        Console.WriteLine($"nothing was measured; {paths.Results} is left as it was, this run's report goes to {paths.Work}");
    }

    var jsonPath = Path.Combine(outDir, "latest.json");
    var svgPath = Path.Combine(outDir, "latest.svg");
    await WriteAtomicAsync(jsonPath, Report.Serialize(json) + "\n");
    await WriteAtomicAsync(svgPath, SvgChart.Render(report, subtitle));
    var mdPath = Path.Combine(outDir, "latest.md");
    await WriteAtomicAsync(mdPath, report.ToText(markdown: true, heading: $"# Benchmark results\n\nWritten by `{json["command"]}` on {started:yyyy-MM-dd HH:mm} UTC; every figure is in [latest.json](latest.json), the chart in [latest.svg](latest.svg).\n\n![chart](latest.svg)\n"));

    Console.WriteLine(report.ToText());
    Console.WriteLine($"results: {jsonPath}");
    Console.WriteLine($"chart:   {svgPath}");
    Console.WriteLine($"tables:  {mdPath}");
    return errors.Count == 0 ? 0 : 1;
}
catch (BenchException ex)
{
    await Console.Error.WriteLineAsync("bench: " + ex.Message);
    return 2;
}
finally
{
    Processes.StopAll();
}

static async Task WriteAtomicAsync(string path, string content)
{
    var tmp = path + ".tmp";
    await File.WriteAllTextAsync(tmp, content);
    File.Move(tmp, path, overwrite: true);
}
