using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Membership.Bench;

/// <summary>
/// Cold start: from <see cref="Process.Start()"/> to the first successful response, for each way the service runs —
/// the AOT custom handler, JIT and ReadyToRun on Kestrel, the ReadyToRun package as an isolated worker started by the
/// Functions host double (process start to the first answer proxied through the double's front door) — with the first
/// <c>GET /account/whoami</c> with a token issued beforehand against the same storage (a token lookup, one storage
/// read), and for the empty AOT baseline app (first <c>GET /probe</c>: one storage read). The binaries take turns
/// within each trial (the order rotates), so a ratio is computed pairwise inside one trial.
/// </summary>
internal sealed class ColdStart(BenchOptions options, Paths paths, IReadOnlyList<ServiceBinary> binaries, CancellationToken cancellationToken)
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    /// <summary>Binaries that failed a trial (they are left out of the later trials).</summary>
    public List<string> Errors { get; } = [];

    public async Task<List<ColdStartSample>> RunAsync()
    {
        var samples = new List<ColdStartSample>();
        using var azurite = await AzuriteServer.StartAsync(paths, "coldstart-azurite", cancellationToken);
        var connection = AzuriteServer.ConnectionStringFor(azurite.Port);
        const string Prefix = "cold";

        // Setup with a service binary (JIT preferred: the reference runtime): tables, a token, a room; and a row for
        // the baseline app to read, so both sides read an entity that exists.
        var setupBinary = binaries.OrderBy(b => b.Name == "jit" ? 0 : 1).First(b => b.Name is not ("baseline" or "worker"));
        string token, room;
        using (var service = await RunningService.StartAsync(setupBinary, connection, Prefix, paths, "coldstart-setup", cancellationToken))
        using (var client = new ServiceClient(service.Port))
        {
            token = await client.IssueTokenAsync("coldalice", cancellationToken);
            room = await client.CreateRoomAsync(token, cancellationToken);
        }

        var tokens = new Azure.Data.Tables.TableClient(connection, Prefix + "tokens");
        await tokens.UpsertEntityAsync(new Azure.Data.Tables.TableEntity("probe", string.Empty) { ["UserId"] = "@probe:localhost" }, cancellationToken: cancellationToken);

        // Trial 0 warms the page cache and the harness's own code; it is not recorded.
        var active = binaries.ToList();
        for (var trial = 0; trial <= options.ColdTrials && active.Count > 0; trial++)
        {
            for (var k = 0; k < binaries.Count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var binary = binaries[(k + trial) % binaries.Count];
                if (!active.Contains(binary))
                {
                    continue;
                }

                try
                {
                    // One retry, for a port taken between our probe and the binary's bind (the process exits at once).
                    ColdStartSample sample;
                    try
                    {
                        sample = await TrialAsync(binary, trial, connection, Prefix, token, room);
                    }
                    catch (ExitedException)
                    {
                        sample = await TrialAsync(binary, trial, connection, Prefix, token, room);
                    }

                    if (trial > 0)
                    {
                        samples.Add(sample);
                    }
                }
                catch (BenchException ex)
                {
                    Errors.Add($"{binary.Name}: {ex.Message}");
                    Progress.Say($"cold start of {binary.Name} FAILED (left out of the other trials): {ex.Message}");
                    active.Remove(binary);
                }
            }

            if (trial > 0)
            {
                Progress.Say("cold start trial " + trial.ToString(CultureInfo.InvariantCulture) + "/" + options.ColdTrials.ToString(CultureInfo.InvariantCulture) + ": " +
                    string.Join(", ", samples.Where(s => s.Trial == trial).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Binary} {s.FirstSuccessMs:0} ms"))));
            }
        }

        return samples;
    }

    private async Task<ColdStartSample> TrialAsync(ServiceBinary binary, int trial, string connection, string prefix, string token, string room)
    {
        if (binary.Name == "worker")
        {
            return await WorkerTrialAsync(binary, trial, connection, prefix, token, room);
        }

        var port = Processes.FreePort();
        var isBaseline = binary.Name == "baseline";
        var first = isBaseline ? "/probe" : "/_matrix/client/v3/account/whoami";
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var info = binary.StartInfo(port, connection, prefix);
        var start = Stopwatch.GetTimestamp();
        var process = Processes.Start(info, Path.Combine(paths.Logs, string.Create(CultureInfo.InvariantCulture, $"coldstart-{binary.Name}-{trial}.log")));
        try
        {
            var firstMs = double.NaN;
            var attempts = 0;
            var spawnedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var firstAnswerMs = double.NaN;
            while (Stopwatch.GetElapsedTime(start) < StartLimit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new ExitedException($"{binary.Name} exited during a cold start (code {process.ExitCode})");
                }

                try
                {
                    attempts++;
                    using var response = await http.GetAsync(new Uri(first, UriKind.Relative), cancellationToken);
                    if (double.IsNaN(firstAnswerMs))
                    {
                        firstAnswerMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        firstMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        break;
                    }

                    // 503: storage not ready yet, keep trying; anything else is an answer, and a wrong one.
                    if ((int)response.StatusCode != 503)
                    {
                        var body = await response.Content.ReadAsStringAsync(cancellationToken);
                        throw new BenchException($"first {first} answered {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] : body)}");
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(1, cancellationToken);
            }

            if (Environment.GetEnvironmentVariable("BENCH_TRACE") == "1")
            {
                Progress.Say(string.Create(CultureInfo.InvariantCulture, $"trace {binary.Name}: spawned {spawnedMs:0} ms, {attempts} attempts, first answer {firstAnswerMs:0} ms, first success {firstMs:0} ms"));
            }

            if (double.IsNaN(firstMs))
            {
                throw new BenchException($"{binary.Name} gave no successful response within {StartLimit.TotalSeconds:0} s");
            }

            var membersMs = double.NaN;
            if (!isBaseline)
            {
                using var members = await http.GetAsync(new Uri(ServiceClient.Room(room, "members"), UriKind.Relative), cancellationToken);
                membersMs = members.IsSuccessStatusCode ? Stopwatch.GetElapsedTime(start).TotalMilliseconds : double.NaN;
            }

            var rss = Processes.Rss(process).CurrentMb;
            return new ColdStartSample(binary.Name, trial, firstMs, membersMs, rss);
        }
        finally
        {
            Processes.Stop(process);
        }
    }

    /// <summary>
    /// The isolated worker as the Functions host runs it: the double's gRPC server and front door are up before the
    /// clock starts; the time runs from the worker's process start to the first successful answer through the front door.
    /// </summary>
    private async Task<ColdStartSample> WorkerTrialAsync(ServiceBinary binary, int trial, string connection, string prefix, string token, string room)
    {
        var options = new Membership.HostDouble.FunctionsHostOptions { WorkerPath = binary.File, StartTimeout = StartLimit };
        foreach (var (key, value) in binary.StartInfo(0, connection, prefix).Environment.Where(e => e.Key.StartsWith("Membership__", StringComparison.Ordinal)))
        {
            options.Settings[key] = value;
        }

        Membership.HostDouble.FunctionsHostDouble host;
        try
        {
            host = await Membership.HostDouble.FunctionsHostDouble.StartAsync(options, cancellationToken);
        }
        catch (Membership.HostDouble.HostDoubleException ex)
        {
            throw new BenchException($"worker did not start: {ex.Message.Split('\n')[0]}");
        }

        await using (host)
        {
            host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            while (host.SinceProcessStart < StartLimit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var response = await host.Client.GetAsync(new Uri("/_matrix/client/v3/account/whoami", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var firstMs = host.SinceProcessStart.TotalMilliseconds;
                    using var members = await host.Client.GetAsync(new Uri(ServiceClient.Room(room, "members"), UriKind.Relative), cancellationToken);
                    var membersMs = members.IsSuccessStatusCode ? host.SinceProcessStart.TotalMilliseconds : double.NaN;
                    return new ColdStartSample(binary.Name, trial, firstMs, membersMs, double.NaN);
                }

                if ((int)response.StatusCode != 503)
                {
                    throw new BenchException($"the worker's first whoami answered {(int)response.StatusCode}");
                }

                await Task.Delay(1, cancellationToken);
            }

            throw new BenchException($"the worker gave no successful response within {StartLimit.TotalSeconds:0} s");
        }
    }
}

internal sealed class ExitedException(string message) : BenchException(message);
