using System.Diagnostics;
using System.Globalization;

namespace Membership.Bench;

/// <summary>
/// The join storm (a live broadcast's first minute): N distinct users join one public room from 64 clients, on one
/// instance and then, on a fresh room, on two instances sharing storage. Beside it, in the same run: the serial
/// single-client rate on one room (the hot room with one client) and the raw storage ceiling (a bare client writing the
/// same N joins into one partition in full transactions).
/// </summary>
internal sealed partial class Session
{
    private async Task JoinStormAsync(RunningService service, AzuriteServer azurite)
    {
        var azuritePort = azurite.Port;
        var users = Enumerable.Range(0, options.StormUsers).Select(i => string.Create(CultureInfo.InvariantCulture, $"storm{i}")).ToArray();
        var serial = _result.Throughput.FirstOrDefault(t => t.Scenario == "hot_room" && t.Clients == 1);
        if (serial is null)
        {
            // Run on its own: measure the serial rate the storm is compared with, as the throughput phase does.
            await WarmAsync(users[0]);
            var hot = await _client.CreateRoomAsync(_alice, cancellationToken);
            using var check = new StorageInspector(AzuriteServer.ConnectionStringFor(azuritePort), _prefix);
            serial = await LoadAsync("hot_room", [users[0]], [hot], [_client], check, hot);
            _result.Throughput.Add(serial);
        }

        _result.StormSerialRate = serial.OpsPerSecond;
        Progress.Say($"run {run} {binary.Name}: join storm setup: {users.Length} tokens");
        await IssueTokensAsync(users);
        using var inspector = new StorageInspector(AzuriteServer.ConnectionStringFor(azuritePort), _prefix);

        await WarmOnAsync(users, [_client]);
        await WarmUpStormAsync(users, [_client]);
        await StormAsync(users, [_client], inspector, [service.Process, azurite.Process]);

        Progress.Say($"run {run} {binary.Name}: starting a second instance for the two-instance join storm");
        using var second = await RunningService.StartAsync(binary, _connection, _prefix, paths, Log("service-storm2"), cancellationToken);
        using var secondClient = new ServiceClient(second.Port);
        await WarmOnAsync(users, [_client, secondClient]);
        await WarmUpStormAsync(users, [_client, secondClient]);
        await StormAsync(users, [_client, secondClient], inspector, [service.Process, second.Process, azurite.Process]);
        if (!service.Process.HasExited && !second.Process.HasExited)
        {
            _result.StormPeakRssMb = Math.Max(Processes.Rss(service.Process).PeakMb, Processes.Rss(second.Process).PeakMb);
        }

        using var raw = new RawStorage(_connection, _prefix + "rawstorm");
        await raw.SetupAsync(cancellationToken);
        await _proxy.SettleAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), cancellationToken);
        var azuriteBefore = CpuTimes([azurite.Process])[0];
        _result.StormCeiling = await raw.JoinStormCeilingAsync(users.Length, cancellationToken) with { StorageCpuMs = (CpuTimes([azurite.Process])[0] - azuriteBefore).TotalMilliseconds };
        Progress.Say(string.Create(CultureInfo.InvariantCulture,
            $"run {run} {binary.Name}: raw storage ceiling: {_result.StormCeiling.JoinsPerSecond:0} joins/s ({_result.StormCeiling.TransactionsPerSecond:0.0} transactions/s, {_result.StormCeiling.EntitiesPerSecond:0} entities/s; Azurite CPU {_result.StormCeiling.StorageCpuMs / users.Length:0.00} ms per join)"));
    }

    /// <summary>Tokens for every user, issued 16 at a time (the admin API answers each with one storage write).</summary>
    private async Task IssueTokensAsync(string[] users)
    {
        var missing = users.Where(u => !_tokens.ContainsKey(u)).ToArray();
        var issued = new string[missing.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, missing.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            issued[i] = await _client.IssueTokenAsync(missing[i], ct));
        for (var i = 0; i < missing.Length; i++)
        {
            _tokens[missing[i]] = issued[i];
        }
    }

    /// <summary>Each user's token cached by the instance its joins go to (user i: instance i mod count), 64 at a time.</summary>
    private async Task WarmOnAsync(string[] users, ServiceClient[] instances) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Length), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var reply = await instances[i % instances.Length].WhoAmIAsync(_tokens[users[i]], ct);
            if (!reply.Ok)
            {
                throw new BenchException($"whoami for {users[i]} failed: {reply.Status} {reply.Brief}");
            }
        });

    /// <summary>
    /// A small storm on a scratch room first (1,024 joins at most, untimed), so a JIT build has compiled the group
    /// commit, tiered up included, before it is measured; a Native AOT build has nothing to compile.
    /// </summary>
    private async Task WarmUpStormAsync(string[] users, ServiceClient[] instances)
    {
        const int WarmUpJoins = 1024;
        var clients = options.Concurrency.Max();
        var room = await _client.CreateRoomAsync(_alice, cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = c; i < Math.Min(users.Length, WarmUpJoins); i += clients)
            {
                await Expect(instances[c % instances.Length].JoinAsync(_tokens[users[i]], room, cancellationToken), "a warm-up join");
            }
        }, cancellationToken)));
    }

    /// <summary>
    /// Every user joins a fresh public room once. Client c (of 64) sends the joins of users c, c+64, ... in turn, to
    /// instance c mod the number of instances. Afterwards storage is read directly: exactly N+1 joined members, one
    /// event per join, the events a gap-free chain.
    /// </summary>
    private async Task StormAsync(string[] users, ServiceClient[] instances, StorageInspector inspector, Process[] processes)
    {
        var clients = options.Concurrency.Max();
        var room = await _client.CreateRoomAsync(_alice, cancellationToken);
        await _proxy.SettleAsync(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), cancellationToken);
        var mark = _proxy.Mark();
        var conflictsBefore = _proxy.Conflicts;
        var cpuBefore = CpuTimes(processes);
        var latencies = new List<double>[clients];
        var status5xx = 0;
        var noResponse = 0;
        var other = 0;
        var start = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var instance = instances[c % instances.Length];
            for (var i = c; i < users.Length && !cancellationToken.IsCancellationRequested; i += clients)
            {
                Reply reply;
                try
                {
                    reply = await instance.JoinAsync(_tokens[users[i]], room, cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    Interlocked.Increment(ref noResponse);
                    continue;
                }

                if (reply.Ok)
                {
                    latencies[c].Add(reply.Ms);
                }
                else if (reply.Status >= 500)
                {
                    Interlocked.Increment(ref status5xx);
                }
                else
                {
                    Interlocked.Increment(ref other);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = CpuTimes(processes).Zip(cpuBefore, (after, before) => (after - before).TotalMilliseconds).ToArray();

        // The room's transactions on the wire: entity-group transactions that committed (a 412 is counted apart).
        var batches = _proxy.Since(mark).Where(r => r.Table == "$batch").ToList();
        var transactions = batches.Count(r => r.Status is >= 200 and < 300 && r.InnerFailure == 0);
        var conflicts = _proxy.Conflicts - conflictsBefore;
        var all = latencies.SelectMany(l => l).ToList();

        var (joined, events, seq, chainProblem) = await inspector.ReadChainAsync(room, cancellationToken);
        var problems = new List<string>();
        if (joined != users.Length + 1)
        {
            problems.Add($"{joined} joined members, expected {users.Length + 1}");
        }

        if (chainProblem is not null)
        {
            problems.Add(chainProblem);
        }

        var check = problems.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{joined} joined (N+1), {events} events, gap-free chain to {seq}")
            : "FAILED: " + string.Join("; ", problems);
        var result = new StormResult(instances.Length, users.Length, clients, seconds, all.Count, all.Count / seconds,
            Stats.Percentile(all, 50), Stats.Percentile(all, 95), Stats.Percentile(all, 99), conflicts, transactions,
            status5xx, noResponse, other, problems.Count == 0, check)
        {
            ServiceCpuMs = cpu[..instances.Length].Sum(),
            StorageCpuMs = cpu[instances.Length],
            HarnessCpuMs = cpu[^1],
        };
        _result.Storms.Add(result);
        Progress.Say(string.Create(CultureInfo.InvariantCulture,
            $"run {run} {binary.Name}: join storm, {instances.Length} instance(s): {result.JoinsPerSecond:0} joins/s ({result.JoinsPerSecond / _result.StormSerialRate:0.0} x serial), p50 {result.P50Ms:0} ms, p99 {result.P99Ms:0} ms, {transactions} transactions ({result.ChangesPerTransaction:0.0} joins each), 412s {conflicts}, 5xx {status5xx}; CPU ms per join: service {result.ServiceCpuMs / result.Joins:0.00}, Azurite {result.StorageCpuMs / result.Joins:0.00}, harness {result.HarnessCpuMs / result.Joins:0.00}; {check}"));
    }

    /// <summary>CPU time (user + system) used so far by each process, then by the harness itself (its client and the proxy).</summary>
    private static TimeSpan[] CpuTimes(Process[] processes)
    {
        var times = new List<TimeSpan>();
        foreach (var process in processes)
        {
            process.Refresh();
            times.Add(process.TotalProcessorTime);
        }

        using var self = Process.GetCurrentProcess();
        times.Add(self.TotalProcessorTime);
        return [.. times];
    }
}
