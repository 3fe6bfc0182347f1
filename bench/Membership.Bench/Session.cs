using System.Diagnostics;
using System.Globalization;

namespace Membership.Bench;

/// <summary>
/// One run against one build: a fresh in-memory Azurite, the counting proxy in front of it, the service started the
/// way the Functions host starts it. Phases: round trips per operation, serial latency (interleaved with the raw
/// storage baseline), throughput at 1/8/64 clients over many rooms and on one hot room, peak RSS, the join storm.
/// </summary>
internal sealed partial class Session(BenchOptions options, Paths paths, ServiceBinary binary, int run, CancellationToken cancellationToken)
{
    /// <summary>Operations that change membership (the "change" of DESIGN.md §10).</summary>
    public static readonly string[] ChangeOps = ["join", "invite", "kick", "ban", "unban", "leave"];

    private const string KickOutOp = "kick_user_out_20";
    private const int CycleUsers = 10;

    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly SessionResult _result = new(binary.Name, run);
    private CountingProxy _proxy = null!;
    private ServiceClient _client = null!;
    private string _prefix = string.Empty;
    private string _connection = string.Empty;
    private string _directConnection = string.Empty;
    private string _alice = string.Empty;
    private bool _kickOutSupported;

    private string Log(string what) => string.Create(CultureInfo.InvariantCulture, $"run{run}-{binary.Name}-{what}");

    public async Task<SessionResult> RunAsync()
    {
        _prefix = string.Create(CultureInfo.InvariantCulture, $"b{run}{binary.Name}");
        using var azurite = await AzuriteServer.StartAsync(paths, Log("azurite"), cancellationToken);
        await using var proxy = new CountingProxy(azurite.Port, _prefix);
        _proxy = proxy;
        proxy.Delay = TimeSpan.FromMilliseconds(options.StorageDelayMs);
        _connection = AzuriteServer.ConnectionStringFor(proxy.Port);
        _directConnection = AzuriteServer.ConnectionStringFor(azurite.Port);

        var startedAt = Stopwatch.GetTimestamp();
        using var service = await RunningService.StartAsync(binary, _connection, _prefix, paths, Log("service"), cancellationToken);
        _result.StartupMs = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
        using var client = new ServiceClient(service.Port);
        _client = client;
        Progress.Say($"run {run} {binary.Name}: service up on 127.0.0.1:{service.Port} (storage via proxy :{proxy.Port} -> Azurite :{azurite.Port})");

        if (!await Phase("setup", SetupAsync))
        {
            _result.Errors.Add("the other phases were skipped: the service failed its first requests (see " + Path.Combine(paths.Logs, Log("service") + ".log") + ")");
            return _result;
        }

        _result.IdleRssMb = Processes.Rss(service.Process).CurrentMb;
        if (options.Measures("roundtrips"))
        {
            await Phase("round trips", RoundTripsAsync);
        }

        if (options.Measures("latency"))
        {
            await Phase("latency", LatencyAsync);
        }

        // Peak RSS counts only when the load test ran to the end.
        if (options.Measures("throughput") && await Phase("throughput", () => ThroughputAsync(azurite.Port)) && !service.Process.HasExited)
        {
            _result.PeakRssMb = Processes.Rss(service.Process).PeakMb;
        }

        if (options.Measures("joinstorm"))
        {
            await Phase("join storm", () => JoinStormAsync(service, azurite));
        }

        return _result;
    }

    private async Task<bool> Phase(string name, Func<Task> body)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            _result.Errors.Add($"{name}: not run (stopped)");
            return false;
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            await body();
            Progress.Say(string.Create(CultureInfo.InvariantCulture, $"run {run} {binary.Name}: {name} done in {Stopwatch.GetElapsedTime(start).TotalSeconds:0.0}s"));
            return true;
        }
        catch (Exception ex) when (ex is BenchException or HttpRequestException or IOException or Azure.RequestFailedException or InvalidOperationException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _result.Errors.Add($"{name}: {ex.Message}");
            Progress.Say($"run {run} {binary.Name}: {name} FAILED: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            _result.Errors.Add($"{name}: stopped");
        }

        return false;
    }

    // ---------------------------------------------------------------- setup

    private async Task<string> TokenAsync(string localpart)
    {
        if (!_tokens.TryGetValue(localpart, out var token))
        {
            token = await _client.IssueTokenAsync(localpart, cancellationToken);
            _tokens[localpart] = token;
        }

        return token;
    }

    /// <summary>Makes sure the service has the tokens cached, so no token lookup lands in a measurement.</summary>
    private async Task WarmAsync(params string[] localparts)
    {
        foreach (var user in localparts)
        {
            var reply = await _client.WhoAmIAsync(await TokenAsync(user), cancellationToken);
            if (!reply.Ok)
            {
                throw new BenchException($"whoami for {user} failed: {reply.Status} {reply.Brief}");
            }
        }
    }

    private async Task SetupAsync()
    {
        _alice = await TokenAsync("alice");
        await WarmAsync("alice");
        await ProbeKickOutAsync();
    }

    /// <summary>kick_user_out is measured when the service implements it (an unknown command answers 60009).</summary>
    private async Task ProbeKickOutAsync()
    {
        var create = await _client.EngineCreateRoomAsync("benchprobe", "alice", cancellationToken);
        if (create.TencentCode != 0)
        {
            _result.KickOutSkipped = create.TencentCode == 60009
                ? "kick_user_out skipped: create_room answers 60009 (unknown command) in this build"
                : $"kick_user_out skipped: create_room failed ({create.TencentCode}: {create.Brief})";
            return;
        }

        var kick = await _client.KickUserOutAsync("benchprobe", ["nobody"], cancellationToken);
        if (kick.TencentCode == 60009)
        {
            _result.KickOutSkipped = "kick_user_out skipped: the command answers 60009 (unknown command) in this build";
            return;
        }

        _kickOutSupported = true;
    }

    // ---------------------------------------------------------------- round trips

    private async Task<RoundTripSample> CountAsync(Func<Task<Reply>> call, params string[] warm)
    {
        await WarmAsync(warm);
        await _proxy.SettleAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3), cancellationToken);
        var mark = _proxy.Mark();
        var reply = await call();
        if (!reply.Ok)
        {
            throw new BenchException($"measured call failed: {reply.Status} {reply.Brief}");
        }

        // Background work (the per-user index write) follows the response: give it 200 ms, then wait for quiet.
        await Task.Delay(200, cancellationToken);
        await _proxy.SettleAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3), cancellationToken);
        var seen = _proxy.Since(mark);
        var before = seen.Where(r => r.Arrived <= reply.End).ToList();

        // An index write is never awaited by the request; when it races the response it is still background work.
        var raced = before.Where(IsIndexWrite).ToList();
        var path = before.Except(raced).ToList();
        var background = seen.Except(path).ToList();
        return new RoundTripSample(reply.Status, path.Count, background.Count, raced.Count, Kinds(path), Kinds(background));

        static bool IsIndexWrite(StorageRequest r) => r.Table == "userrooms" && r.Method != "GET";
    }

    private static string Kinds(IEnumerable<StorageRequest> requests) =>
        string.Join(" + ", requests.GroupBy(r => r.Kind).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()}x {g.Key}"));

    private void Add(string op, RoundTripSample sample)
    {
        if (!_result.RoundTrips.TryGetValue(op, out var list))
        {
            _result.RoundTrips[op] = list = [];
        }

        list.Add(sample);
    }

    private async Task RoundTripsAsync()
    {
        var room = await _client.CreateRoomAsync(_alice, cancellationToken);
        for (var i = 0; i < options.RoundTripReps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var x = string.Create(CultureInfo.InvariantCulture, $"rt{i}");
            var token = await TokenAsync(x);
            Add("join", await CountAsync(() => _client.JoinAsync(token, room, cancellationToken), "alice", x));
            Add("leave", await CountAsync(() => _client.LeaveAsync(token, room, cancellationToken), "alice", x));
            Add("invite", await CountAsync(() => _client.TargetAsync("invite", _alice, room, x, cancellationToken), "alice", x));
            await Expect(_client.JoinAsync(token, room, cancellationToken), "join after invite");
            Add("kick", await CountAsync(() => _client.TargetAsync("kick", _alice, room, x, cancellationToken), "alice", x));
            Add("ban", await CountAsync(() => _client.TargetAsync("ban", _alice, room, x, cancellationToken), "alice", x));
            Add("unban", await CountAsync(() => _client.TargetAsync("unban", _alice, room, x, cancellationToken), "alice", x));
            Add("members", await CountAsync(() => _client.MembersAsync(_alice, room, cancellationToken), "alice"));
            Add("issue_token", await CountAsync(() => _client.IssueTokenRawAsync(x + "new", cancellationToken)));

            // A token's first use: the lookup the token cache saves on later requests.
            var fresh = await _client.IssueTokenAsync(x + "fresh", cancellationToken);
            Add("whoami_first_use", await CountAsync(() => _client.WhoAmIAsync(fresh, cancellationToken)));
        }

        if (_kickOutSupported)
        {
            var kickRoom = string.Create(CultureInfo.InvariantCulture, $"benchkickrt");
            var users = await PrepareKickOutRoomAsync(kickRoom);
            for (var i = 0; i < Math.Min(options.RoundTripReps, 3); i++)
            {
                await RejoinAsync(kickRoom, users);
                Add(KickOutOp, await CountAsync(() => KickOutAsync(kickRoom, users)));
            }
        }
    }

    private static async Task Expect(Task<Reply> call, string what)
    {
        var reply = await call;
        if (!reply.Ok)
        {
            throw new BenchException($"{what} failed: {reply.Status} {reply.Brief}");
        }
    }

    // ---------------------------------------------------------------- kick_user_out of 20

    private async Task<string[]> PrepareKickOutRoomAsync(string tencentRoom)
    {
        var create = await _client.EngineCreateRoomAsync(tencentRoom, "alice", cancellationToken);
        if (create.TencentCode != 0)
        {
            throw new BenchException($"create_room {tencentRoom} failed: {create.Brief}");
        }

        var users = Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"k{i}")).ToArray();
        foreach (var u in users)
        {
            await TokenAsync(u);
        }

        return users;
    }

    private async Task RejoinAsync(string tencentRoom, string[] users)
    {
        var roomId = $"!{tencentRoom}:{ServiceClient.ServerName}";
        await WarmAsync(users);
        foreach (var u in users)
        {
            await Expect(_client.JoinByIdAsync(_tokens[u], roomId, cancellationToken), $"{u} joining {roomId}");
        }
    }

    private async Task<Reply> KickOutAsync(string tencentRoom, string[] users)
    {
        var reply = await _client.KickUserOutAsync(tencentRoom, users, cancellationToken);
        return reply.TencentCode == 0 ? reply : throw new BenchException($"kick_user_out failed: {reply.Brief}");
    }

    // ---------------------------------------------------------------- latency

    private void Sample(string op, Reply reply)
    {
        if (!reply.Ok || (reply.Body.Contains("\"ErrorCode\"", StringComparison.Ordinal) && reply.TencentCode != 0))
        {
            throw new BenchException($"{op} failed during the latency phase: {reply.Status} {reply.Brief}");
        }

        if (!_result.Latency.TryGetValue(op, out var list))
        {
            _result.Latency[op] = list = [];
        }

        list.Add(reply.Ms);
    }

    /// <summary>
    /// Serial, one client. Each step of a membership cycle (invite, join, kick, ban, unban, join, leave, members) is
    /// followed by one raw baseline change, so the service and the baseline see the same machine load.
    /// </summary>
    private async Task LatencyAsync()
    {
        using var raw = new RawStorage(_connection, _prefix + "rawbaseline");
        await raw.SetupAsync(cancellationToken);
        using var direct = new RawStorage(_directConnection, _prefix + "rawdirect");
        await direct.SetupAsync(cancellationToken);
        var room = await _client.CreateRoomAsync(_alice, cancellationToken);
        var users = Enumerable.Range(0, CycleUsers).Select(i => string.Create(CultureInfo.InvariantCulture, $"lat{i}")).ToArray();
        foreach (var u in users)
        {
            await TokenAsync(u);
        }

        await WarmAsync(["alice", .. users]);

        // Warm-up cycles (JIT tiering, connection pools), not recorded.
        for (var i = 0; i < 5; i++)
        {
            await CycleAsync(room, users[i % users.Length], raw, direct, record: false);
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * (options.Quick ? 60 : 300));
        for (var i = 0; i < options.Samples && Stopwatch.GetTimestamp() < deadline; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await CycleAsync(room, users[i % users.Length], raw, direct, record: true);
            if (i % 25 == 24)
            {
                Progress.Say($"run {run} {binary.Name}: latency {i + 1}/{options.Samples} cycles");
            }
        }

        // Raw baseline: two storage requests per change, checked through the proxy.
        for (var i = 0; i < 3; i++)
        {
            await _proxy.SettleAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3), cancellationToken);
            var mark = _proxy.Mark();
            await raw.ChangeAsync(cancellationToken);
            _result.RawRoundTrips.Add(_proxy.Since(mark).Count);
        }

        var tokenSamples = options.Quick ? 10 : 50;
        for (var i = 0; i < tokenSamples && Stopwatch.GetTimestamp() < deadline; i++)
        {
            await QuietAsync();
            Sample("issue_token", await _client.IssueTokenRawAsync(string.Create(CultureInfo.InvariantCulture, $"tok{i}"), cancellationToken));
        }

        if (_kickOutSupported)
        {
            var kickRoom = "benchkicklat";
            var kickUsers = await PrepareKickOutRoomAsync(kickRoom);
            for (var i = 0; i < options.KickOutSamples && Stopwatch.GetTimestamp() < deadline; i++)
            {
                await RejoinAsync(kickRoom, kickUsers);
                await _proxy.SettleAsync(TimeSpan.FromMilliseconds(30), TimeSpan.FromSeconds(3), cancellationToken);
                Sample(KickOutOp, await KickOutAsync(kickRoom, kickUsers));
                await _proxy.SettleAsync(TimeSpan.FromMilliseconds(30), TimeSpan.FromSeconds(3), cancellationToken);
                _result.RawKick.Add(await raw.KickOf20Async(cancellationToken));
            }
        }
    }

    private async Task CycleAsync(string room, string user, RawStorage raw, RawStorage direct, bool record)
    {
        var token = _tokens[user];
        var steps = new (string Op, Func<Task<Reply>> Call)[]
        {
            ("invite", () => _client.TargetAsync("invite", _alice, room, user, cancellationToken)),
            ("join", () => _client.JoinAsync(token, room, cancellationToken)),
            ("kick", () => _client.TargetAsync("kick", _alice, room, user, cancellationToken)),
            ("ban", () => _client.TargetAsync("ban", _alice, room, user, cancellationToken)),
            ("unban", () => _client.TargetAsync("unban", _alice, room, user, cancellationToken)),
            ("join", () => _client.JoinAsync(token, room, cancellationToken)),
            ("leave", () => _client.LeaveAsync(token, room, cancellationToken)),
            ("members", () => _client.MembersAsync(_alice, room, cancellationToken)),
        };
        foreach (var (op, call) in steps)
        {
            // Each measurement starts with storage idle (the previous call's index write done), for both sides alike.
            await QuietAsync();
            var reply = await call();
            await QuietAsync();
            var rawMs = await raw.ChangeAsync(cancellationToken);
            await QuietAsync();
            var directMs = await direct.ChangeAsync(cancellationToken);
            if (record)
            {
                Sample(op, reply);
                _result.RawStorage.Add(rawMs);
                _result.RawDirect.Add(directMs);
            }
            else if (!reply.Ok)
            {
                throw new BenchException($"{op} failed in warm-up: {reply.Status} {reply.Brief}");
            }
        }
    }

    private Task QuietAsync() => _proxy.QuietAsync(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(2), cancellationToken);

    // ---------------------------------------------------------------- throughput

    private async Task ThroughputAsync(int azuritePort)
    {
        var max = options.Concurrency.Max();
        var users = Enumerable.Range(0, max).Select(i => string.Create(CultureInfo.InvariantCulture, $"load{i}")).ToArray();
        Progress.Say($"run {run} {binary.Name}: throughput setup ({max} users, {max + 1} rooms)");
        foreach (var u in users)
        {
            await TokenAsync(u);
        }

        var rooms = new string[max];
        for (var i = 0; i < max; i++)
        {
            rooms[i] = await _client.CreateRoomAsync(_alice, cancellationToken);
        }

        var hot = await _client.CreateRoomAsync(_alice, cancellationToken);
        using var inspector = new StorageInspector(AzuriteServer.ConnectionStringFor(azuritePort), _prefix);
        foreach (var scenario in Report.Scenarios.Take(2))
        {
            foreach (var clients in options.Concurrency)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WarmAsync(users[..clients]);
                var roomOf = scenario == "hot_room" ? Enumerable.Repeat(hot, clients).ToArray() : rooms[..clients];
                Record(await LoadAsync(scenario, users[..clients], roomOf, [_client], scenario == "hot_room" ? inspector : null, hot));
            }
        }

        // Scale-out: a second instance of the same build on the same storage. The per-room lock no longer serialises
        // the hot room's changes; the head's ETag does, so 412s and retries appear, and lost updates would show.
        Progress.Say($"run {run} {binary.Name}: starting a second instance for the two-instance hot room");
        using var second = await RunningService.StartAsync(binary, _connection, _prefix, paths, Log("service2"), cancellationToken);
        using var secondClient = new ServiceClient(second.Port);
        foreach (var clients in options.Concurrency.Where(c => c >= 2))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await WarmAsync(users[..clients]);
            foreach (var u in users[..clients])
            {
                await Expect(secondClient.WhoAmIAsync(_tokens[u], cancellationToken), "whoami on the second instance");
            }

            Record(await LoadAsync("hot_room_2_instances", users[..clients], Enumerable.Repeat(hot, clients).ToArray(), [_client, secondClient], inspector, hot));
        }

        void Record(ThroughputResult result)
        {
            _result.Throughput.Add(result);
            Progress.Say(string.Create(CultureInfo.InvariantCulture,
                $"run {run} {binary.Name}: {result.Scenario} x{result.Clients}: {result.OpsPerSecond:0} changes/s, p50 {result.P50Ms:0.0} ms, 412s {result.Conflicts412}, 5xx {result.Status5xx}{(result.Check is null ? string.Empty : ", " + result.Check)}"));
        }
    }

    /// <summary>
    /// Each client alternates join and leave of its own user in its room until the phase's time is up (and at most
    /// 100,000 changes); client i talks to instance i mod the number of instances. On the hot room the storage is read before and after: the head's sequence and the event rows
    /// must have grown by exactly the number of successful changes, and every user's row must match its last change.
    /// </summary>
    private async Task<ThroughputResult> LoadAsync(string scenario, string[] users, string[] rooms, ServiceClient[] instances, StorageInspector? inspector, string hot)
    {
        const int MaxChangesPerClient = 100_000;
        await _proxy.SettleAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3), cancellationToken);
        var before = inspector is null ? default : await inspector.ReadAsync(hot, cancellationToken);
        var conflictsBefore = _proxy.Conflicts;
        var requestsBefore = _proxy.Total;
        var joined = new bool[users.Length];
        var latencies = new List<double>[users.Length];
        var status5xx = 0;
        var status429 = 0;
        var other = 0;
        var successes = 0;
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(Stopwatch.Frequency * options.DurationSeconds);
        var noResponse = 0;
        var unknown = new bool[users.Length];
        var tasks = users.Select((user, i) => Task.Run(async () =>
        {
            latencies[i] = [];
            var token = _tokens[user];
            for (var n = 0; n < MaxChangesPerClient && Stopwatch.GetTimestamp() < stopAt && !cancellationToken.IsCancellationRequested; n++)
            {
                var client = instances[i % instances.Length];
                Reply reply;
                try
                {
                    reply = joined[i] ? await client.LeaveAsync(token, rooms[i], cancellationToken) : await client.JoinAsync(token, rooms[i], cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // No response: the change may or may not have committed, so this client's state is unknown from here.
                    Interlocked.Increment(ref noResponse);
                    unknown[i] = true;
                    break;
                }

                if (reply.Ok)
                {
                    joined[i] = !joined[i];
                    latencies[i].Add(reply.Ms);
                    Interlocked.Increment(ref successes);
                }
                else if (reply.Status >= 500)
                {
                    Interlocked.Increment(ref status5xx);
                }
                else if (reply.Status == 429)
                {
                    Interlocked.Increment(ref status429);
                    await Task.Delay(50, cancellationToken);
                }
                else
                {
                    Interlocked.Increment(ref other);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var conflicts = _proxy.Conflicts - conflictsBefore;
        var requests = _proxy.Total - requestsBefore;

        bool? lost = null;
        string? check = null;
        if (inspector is not null)
        {
            var after = await inspector.ReadAsync(hot, cancellationToken);
            var problems = new List<string>();

            // A change without a response may have committed: it widens the expected range by one each.
            var grown = after.Seq - before.Seq;
            if (grown < successes || grown > successes + noResponse)
            {
                problems.Add($"head sequence grew by {grown}, {successes} changes succeeded{(noResponse > 0 ? $" ({noResponse} without a response)" : string.Empty)}");
            }

            if (after.Events - before.Events != grown)
            {
                problems.Add($"{after.Events - before.Events} new event rows, head sequence grew by {grown}");
            }

            if (after.Events != after.Seq)
            {
                problems.Add($"{after.Events} event rows but head sequence {after.Seq}");
            }

            var wrong = users.Where((u, i) => !unknown[i] && (after.Members.GetValueOrDefault(ServiceClient.UserId(u)) ?? "leave") != (joined[i] ? "join" : "leave")).ToList();
            if (wrong.Count > 0)
            {
                problems.Add($"{wrong.Count} member rows differ from their user's last change ({string.Join(", ", wrong.Take(3))})");
            }

            lost = problems.Count > 0;
            check = lost.Value ? "LOST UPDATE: " + string.Join("; ", problems) : "no lost update";
        }

        // Leave the rooms as they were (untimed).
        for (var i = 0; i < users.Length; i++)
        {
            if (unknown[i])
            {
                await _client.LeaveAsync(_tokens[users[i]], rooms[i], cancellationToken); // may answer 403 if it never joined
            }
            else if (joined[i])
            {
                await Expect(_client.LeaveAsync(_tokens[users[i]], rooms[i], cancellationToken), "leave after load");
            }
        }

        var all = latencies.Where(l => l is not null).SelectMany(l => l).ToList();
        return new ThroughputResult(scenario, users.Length, seconds, successes, successes / seconds, status5xx, noResponse, status429, other, conflicts, requests,
            Stats.Percentile(all, 50), Stats.Percentile(all, 99), lost, check);
    }
}
