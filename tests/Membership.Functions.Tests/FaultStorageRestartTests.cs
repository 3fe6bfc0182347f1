using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Membership.Functions.Tests;

/// <summary>A host whose Azurite a test stops and starts again on the same port (in memory: it comes back empty).</summary>
public sealed class RestartingStorageHost : RoomEngineHost
{
    private FaultLogCapture? _log;

    /// <summary>What the app logs from the first time a test asks.</summary>
    public FaultLogCapture Log => LazyInitializer.EnsureInitialized(ref _log, () => FaultLogCapture.Attach(Services));

    protected override void Configure(IDictionary<string, string?> settings)
    {
        // Fail fast while storage is down (2 attempts), and let the load through: the limits are tested elsewhere.
        settings["Membership:Storage:MaxRetries"] = "1";
        settings["Membership:Tencent:RateLimitPerSecond"] = "0";
        settings["Membership:RateLimits:ClientWritesPerSecond"] = "0";
    }

    public async Task RestartStorageAsync()
    {
        await StopStorageAsync();
        await StartStorageAsync();
    }

    public Task StopStorageAsync() => Storage.StopAsync();

    public Task StartStorageAsync() => Storage.StartAsync(Storage.Port);
}

/// <summary>
/// Azurite killed under load and started again (empty: in-memory persistence): every answer is a success, a 503 in
/// the surface's envelope, or a clean refusal; nothing is half-applied; and the service recovers without a restart,
/// because the store creates tables that have vanished again (404 TableNotFound: create once, retry the call).
/// Phases are driven by counts of answers, never by timing: "before", "down" (Azurite killed), "starting" (Azurite
/// booting), "restarted" (it listens again); each answer is labelled with the phase its request started in.
/// </summary>
public sealed class FaultStorageRestartTests(RestartingStorageHost host, ITestOutputHelper output) : IClassFixture<RestartingStorageHost>
{
    private const int Workers = 8;
    private const int PerPhase = 40;

    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    internal enum Outcome
    {
        Ok,
        Unavailable,
        Refused,
    }

    [Fact]
    public async Task StoreCreatesVanishedTablesAgainAndTheServiceRecoversWithoutARestart()
    {
        var log = host.Log;
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));

        await host.RestartStorageAsync();

        // A read first: the query meets TableNotFound, the tables are created again, and the room is simply unknown.
        Assert.Null(await host.Services.GetRequiredService<MembershipStore>().ReadRoomAsync(RoomEngineCalls.MatrixRoom(room), []));

        // Then every kind of call works on the empty storage: tokens, Matrix rooms and changes, admin commands.
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("after"));
        var joiner = await _api.UserAsync(RoomEngineCalls.Unique("after"));
        var (status, body) = await _api.MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", owner, new JsonObject { ["preset"] = "public_chat" });
        Assert.True(status == 200, body?.ToJsonString());
        var matrixRoom = (string)body!["room_id"]!;
        Assert.Equal(200, (await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(matrixRoom)}/join", joiner)).Status);
        var adminRoom = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        await _api.JoinAllAsync(adminRoom, [joiner]);
        await _api.OkAsync("kick_user_out", new JsonObject { ["RoomId"] = adminRoom, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(joiner)), ["Reason"] = "recovered" });
        Assert.Equal(1, (int?)(await _api.RoomInfoAsync(adminRoom))["MemberCount"]);

        var users = new[] { owner.UserId, joiner.UserId, RoomEngineCalls.AdminUser };
        Assert.True(await LoadInvariants.AssertRoomConsistentAsync(host.Services, matrixRoom, users));
        Assert.True(await LoadInvariants.AssertRoomConsistentAsync(host.Services, RoomEngineCalls.MatrixRoom(adminRoom), users));
        Assert.Empty(log.Unhandled());
    }

    [Fact]
    public async Task StorageStoppedMidLoadAnswers503AndLeavesNothingHalfAppliedThenRecovers()
    {
        var log = host.Log;
        var prefix = RoomEngineCalls.Unique("rs");
        var users = await _api.UsersAsync(prefix + "u", 6);
        var owners = await _api.UsersAsync(prefix + "o", 4);
        var rooms = new ConcurrentQueue<string>();
        foreach (var owner in owners)
        {
            var id = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
            await _api.JoinAllAsync(id, users.Take(3));
            rooms.Enqueue(id);
        }

        // Workers send mixed changes until told to stop; each answer is classified as it comes.
        var answers = new ConcurrentQueue<(string Call, string Phase, Outcome Outcome)>();
        var bad = new ConcurrentQueue<string>();
        var phase = "before";
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(7919 * (w + 1));
            while (!stop.IsCancellationRequested)
            {
                var currentPhase = Volatile.Read(ref phase);
                var (call, outcome, problem) = await SendOneAsync(random, rooms, owners, users);
                if (problem is not null)
                {
                    bad.Enqueue($"{currentPhase}: {call}: {problem}");
                }
                else
                {
                    answers.Enqueue((call, currentPhase, outcome));
                }
            }
        })).ToList();

        int Answered() => answers.Count + bad.Count;
        await WaitForAnswersAsync(Answered, PerPhase);
        Volatile.Write(ref phase, "down");
        await host.StopStorageAsync();
        await WaitForAnswersAsync(Answered, 2 * PerPhase);
        Volatile.Write(ref phase, "starting");
        await host.StartStorageAsync();
        Volatile.Write(ref phase, "restarted");
        var restartedAt = Answered();
        await WaitForAnswersAsync(Answered, restartedAt + (2 * PerPhase));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.True(bad.IsEmpty, string.Join("\n", bad.Take(20)));
        foreach (var group in answers.GroupBy(a => (a.Phase, a.Outcome)).OrderBy(g => g.Key.Phase, StringComparer.Ordinal))
        {
            output.WriteLine($"{group.Key.Phase,-9} {group.Key.Outcome,-11} {group.Count()}");
        }

        Assert.Contains(answers, a => a.Phase == "before" && a.Outcome == Outcome.Ok);
        Assert.Contains(answers, a => a.Phase == "down" && a.Outcome == Outcome.Unavailable);
        Assert.Contains(answers, a => a.Phase == "restarted" && a.Outcome == Outcome.Ok);

        // Once storage listens again, nothing is unavailable any more: the vanished tables are made again on first use.
        Assert.DoesNotContain(answers, a => a.Phase == "restarted" && a.Outcome == Outcome.Unavailable);

        // With storage back, new work succeeds in full (no restart of the service).
        var fresh = await _api.UserAsync(prefix + "fresh");
        var freshRoom = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(fresh));
        await _api.JoinAllAsync(freshRoom, users.Take(2));
        rooms.Enqueue(freshRoom);

        // Every room: a consistent chain if it exists (created after the restart), no stray rows if it does not.
        var everyone = users.Concat(owners).Append(fresh).Select(u => u.UserId).Append(RoomEngineCalls.AdminUser).ToList();
        var existing = 0;
        foreach (var room in rooms.Distinct(StringComparer.Ordinal))
        {
            await LoadInvariants.AssertRoomConsistentAsync(host.Services, RoomEngineCalls.MatrixRoom(room), everyone);
            existing += await _api.ReadRoomAsync(room) is null ? 0 : 1;
        }

        output.WriteLine($"{rooms.Distinct(StringComparer.Ordinal).Count()} rooms checked, {existing} exist after the restart");
        Assert.Empty(log.Unhandled());
    }

    /// <summary>One random call: a Matrix change, an admin kick or read, or (sometimes) a new room to work on.</summary>
    private async Task<(string Call, Outcome Outcome, string? Problem)> SendOneAsync(Random random, ConcurrentQueue<string> rooms, List<TestUser> owners, List<TestUser> users)
    {
        var known = rooms.ToArray();
        var room = known[known.Length - 1 - random.Next(Math.Min(known.Length, 6))];
        var user = users[random.Next(users.Count)];
        var owner = owners[random.Next(owners.Count)];
        var matrixRoom = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}";
        try
        {
            switch (random.Next(10))
            {
                case 0:
                    var created = await AdminAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = RoomEngineCalls.Unique("rr"), ["RoomType"] = "Conference", ["Owner_Account"] = RoomEngineCalls.AccountOf(owner) } });
                    if (created.Outcome == Outcome.Ok)
                    {
                        rooms.Enqueue(created.Call);
                    }

                    return ("create_room", created.Outcome, created.Problem);
                case 1:
                    return Named("kick_user_out", await AdminAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(user)), ["Reason"] = "fault" }));
                case 2:
                    return Named("get_room_info", await AdminAsync("get_room_info", new JsonObject { ["RoomId"] = room }));
                case 3:
                    return await MatrixAsync("join", HttpMethod.Post, matrixRoom + "/join", user, "{}");
                case 4:
                    return await MatrixAsync("leave", HttpMethod.Post, matrixRoom + "/leave", user, "{}");
                case 5:
                    return await MatrixAsync("members", HttpMethod.Get, matrixRoom + "/members", user, null);
                default:
                    var action = new[] { "invite", "kick", "ban", "unban" }[random.Next(4)];
                    return await MatrixAsync(action, HttpMethod.Post, $"{matrixRoom}/{action}", owner, new JsonObject { ["user_id"] = user.UserId }.ToJsonString());
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return ("call", Outcome.Refused, $"no clean answer: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static (string, Outcome, string?) Named(string call, (string Call, Outcome Outcome, string? Problem) answer) => (call, answer.Outcome, answer.Problem);

    /// <summary>Matrix: 200, 503 <c>M_UNKNOWN</c>, or a 4xx with an errcode; anything else is a problem.</summary>
    private async Task<(string, Outcome, string?)> MatrixAsync(string call, HttpMethod method, string path, TestUser user, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var json = text.Length == 0 ? null : JsonNode.Parse(text);
        var errcode = (string?)json?["errcode"];
        return status switch
        {
            200 => (call, Outcome.Ok, null),
            503 when errcode == "M_UNKNOWN" && json?["error"] is not null => (call, Outcome.Unavailable, null),
            >= 400 and < 500 when errcode?.StartsWith("M_", StringComparison.Ordinal) == true => (call, Outcome.Refused, null),
            _ => (call, Outcome.Refused, $"{status} {text}"),
        };
    }

    /// <summary>Admin: HTTP 200 and the envelope, ErrorCode 0 (Call is then the created RoomId for create_room), 100001, or another code.</summary>
    private async Task<(string Call, Outcome Outcome, string? Problem)> AdminAsync(string command, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await host.Http.PostAsync($"/v4/room_engine_http_srv/{command}?{ServiceFixture.AdminQuery()}", content);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 200)
        {
            return (command, Outcome.Refused, $"HTTP {(int)response.StatusCode} {text}");
        }

        var envelope = JsonNode.Parse(text)!;
        var call = command == "create_room" ? (string)body["RoomInfo"]!["RoomId"]! : command;
        return (int?)envelope["ErrorCode"] switch
        {
            0 => (call, Outcome.Ok, null),
            100001 => (call, Outcome.Unavailable, null),
            > 0 when envelope["ErrorInfo"] is not null => (call, Outcome.Refused, null),
            _ => (call, Outcome.Refused, $"not an envelope: {text}"),
        };
    }

    /// <summary>Waits until the workers have had <paramref name="count"/> answers; bounded, so a hang fails the test.</summary>
    private static async Task WaitForAnswersAsync(Func<int> answered, int count)
    {
        for (var i = 0; i < 1200 && answered() < count; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(answered() >= count, $"only {answered()} of {count} answers came back");
    }
}
