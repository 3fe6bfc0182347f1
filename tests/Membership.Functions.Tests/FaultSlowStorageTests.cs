using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Membership.Functions.Tests;

/// <summary>A host whose storage calls are bounded tightly (1 s an attempt, 2 attempts) behind a proxy that can stall.</summary>
public sealed class SlowStorageHost : RoomEngineHost
{
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(1);
    public const int MaxRetries = 1;

    /// <summary>The Azure SDK's first retry delay (the store sets 200 ms, exponential) and its jitter (up to +20%).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private FaultLogCapture? _log;

    public FaultLogCapture Log => LazyInitializer.EnsureInitialized(ref _log, () => FaultLogCapture.Attach(Services));

    /// <summary>
    /// The longest one storage call can take: every attempt times out, with the retry delays between them:
    /// (MaxRetries + 1) x NetworkTimeout + sum over retries i of RetryDelay x 2^(i-1) x 1.2.
    /// </summary>
    public static TimeSpan StorageCallBound =>
        ((MaxRetries + 1) * NetworkTimeout) + TimeSpan.FromTicks(Enumerable.Range(0, MaxRetries).Sum(i => (long)(RetryDelay.Ticks * Math.Pow(2, i) * 1.2)));

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Membership:Storage:NetworkTimeout"] = NetworkTimeout.ToString("c", CultureInfo.InvariantCulture);
        settings["Membership:Storage:MaxRetries"] = MaxRetries.ToString(CultureInfo.InvariantCulture);
        settings["Membership:Tencent:RateLimitPerSecond"] = "0";
        settings["Membership:RateLimits:ClientWritesPerSecond"] = "0";
    }
}

/// <summary>
/// Slow storage (every request held 30 s by the proxy) gives bounded failures: 503 <c>M_UNKNOWN</c> or 100001 within
/// the bound the storage settings imply, never a hang, and nothing written. The bound is an upper limit on an answer
/// that would otherwise take 30 s or more, not a measure of speed.
/// </summary>
public sealed class FaultSlowStorageTests(SlowStorageHost host, ITestOutputHelper output) : IClassFixture<SlowStorageHost>
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);

    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    /// <summary>
    /// A failing request makes at most 2 storage calls one after the other (the failed one, and a clean-up such as
    /// releasing a claimed alias), plus 2 s for the test machine to schedule it.
    /// </summary>
    private static TimeSpan AnswerBound => (2 * SlowStorageHost.StorageCallBound) + TimeSpan.FromSeconds(2);

    [Fact]
    public async Task SlowStorageAnswers503Or100001WithinTheBoundTheSettingsImply()
    {
        var log = host.Log;
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var matrixRoom = RoomEngineCalls.MatrixRoom(room);
        var member = await _api.UserAsync(RoomEngineCalls.Unique("slow"));
        var unused = await _api.UserAsync(RoomEngineCalls.Unique("unused"));
        Assert.Equal(200, (await _api.MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", member)).Status); // token now cached
        var before = (await _api.ReadRoomAsync(room))!;
        Assert.True(AnswerBound < Stall, $"the bound {AnswerBound} must be shorter than the stall {Stall} to prove anything");
        output.WriteLine($"storage call bound {SlowStorageHost.StorageCallBound}, answer bound {AnswerBound}, stall {Stall}");

        host.Proxy.Delay = Stall;
        try
        {
            var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(matrixRoom)}";
            var calls = new List<Task<string?>>
            {
                MatrixAsync(HttpMethod.Post, path + "/join", member, "{}"),
                MatrixAsync(HttpMethod.Get, path + "/members", member, null),
                MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", member, null),
                MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", member, """{"room_alias_name":"slow-alias"}"""),
                MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", unused, null), // the token lookup itself stalls
                AdminAsync("room_engine_http_srv/get_room_info", new JsonObject { ["RoomId"] = room }),
                AdminAsync("room_engine_http_srv/kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.Unique("x")), ["Reason"] = "slow" }),
                AdminAsync("membership_admin/issue_token", new JsonObject { ["UserId"] = RoomEngineCalls.Unique("slow") }),
            };
            var problems = (await Task.WhenAll(calls)).Where(p => p is not null).ToList();
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            host.Proxy.Delay = TimeSpan.Zero;
        }

        // Storage answers promptly again: nothing was written, and the service works without a restart.
        var after = (await _api.ReadRoomAsync(room))!;
        Assert.Equal(before.Head.ETag, after.Head.ETag);
        Assert.False(after.Members.ContainsKey(member.UserId));
        Assert.Equal(200, (await _api.MatrixJoinAsync(member, room)).Status);
        Assert.Empty(log.Unhandled());
    }

    /// <summary>Null when a 503 <c>M_UNKNOWN</c> came back within the bound; otherwise what went wrong.</summary>
    private async Task<string?> MatrixAsync(HttpMethod method, string path, TestUser user, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var (status, json) = await SendWithinBoundAsync(request);
        return status == 503 && (string?)json?["errcode"] == "M_UNKNOWN" && json?["error"] is not null
            ? null
            : $"{method} {path}: {status} {json?.ToJsonString()}";
    }

    /// <summary>Null when the envelope with 100001 came back (HTTP 200) within the bound; otherwise what went wrong.</summary>
    private async Task<string?> AdminAsync(string command, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v4/{command}?{ServiceFixture.AdminQuery()}")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        var (status, json) = await SendWithinBoundAsync(request);
        return status == 200 && (int?)json?["ErrorCode"] == 100001 && (string?)json?["ActionStatus"] == "FAIL"
            ? null
            : $"{command}: {status} {json?.ToJsonString()}";
    }

    /// <summary>The request is cancelled at the bound: an answer that has not come by then is a hang, and fails.</summary>
    private async Task<(int Status, JsonNode? Body)> SendWithinBoundAsync(HttpRequestMessage request)
    {
        using var bound = new CancellationTokenSource(AnswerBound);
        try
        {
            using var response = await host.Http.SendAsync(request, bound.Token);
            var text = await response.Content.ReadAsStringAsync(bound.Token);
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return (0, JsonValue.Create($"no answer within {AnswerBound}"));
        }
    }
}
