using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Functions.Hosting;
using Membership.HostDouble;
using Membership.Protocols;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// The real app as an isolated worker, started and driven by the Functions host double (tests/Membership.HostDouble):
/// gRPC start-up, function metadata and loads, HTTP proxied to the worker's Kestrel with the invocation ID, timers as
/// invocations. The double forwards the request target as the real host does (re-encoded), so federation signatures
/// are checked as they would be in Azure. One worker and one Azurite for the class; each test its own users and rooms.
/// </summary>
public sealed class WorkerHostFixture : IAsyncLifetime
{
    public const string RemoteName = "remote.test";

    public Azurite Storage { get; } = new();

    public FederationTestServer Remotes { get; private set; } = null!;

    public FunctionsHostDouble Host { get; private set; } = null!;

    public FakeServer Remote => Remotes[RemoteName];

    /// <summary>The worker the tests drive: the functions project's own build output, of the tests' configuration.</summary>
    public static string WorkerPath
    {
        get
        {
            var configuration = typeof(WorkerHostFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            return Path.Combine(RepoPaths.Root, "functions", "bin", configuration, "net10.0", "membership.dll");
        }
    }

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Remotes = await FederationTestServer.StartAsync([new FakeServer(RemoteName)]);
        var options = new FunctionsHostOptions { WorkerPath = WorkerPath, TargetForwarding = TargetForwarding.AsFunctionsHost };
        foreach (var (key, value) in Settings(Storage.ConnectionString, Remotes.BaseUrl(RemoteName)))
        {
            options.Settings[key] = value;
        }

        Host = await FunctionsHostDouble.StartAsync(options);
    }

    public static Dictionary<string, string?> Settings(string connectionString, string? remoteUrl = null) => new()
    {
        ["Membership__Storage__ConnectionString"] = connectionString,
        ["Membership__Storage__TablePrefix"] = TestApp.NewTablePrefix("w"),
        ["Membership__Storage__NetworkTimeout"] = "00:00:05",
        ["Membership__Storage__MaxRetries"] = "1",
        [$"Membership__Federation__Servers__{RemoteName}"] = remoteUrl,
        ["Membership__RateLimits__ClientWritesPerSecond"] = "0",
        ["Membership__Tencent__RateLimitPerSecond"] = "0",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Remotes is not null)
        {
            await Remotes.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }
}

public sealed class WorkerModeTests(WorkerHostFixture worker) : IClassFixture<WorkerHostFixture>
{
    private const string V3 = "/_matrix/client/v3";
    private const string RoomEngine = "/v4/room_engine_http_srv";

    private FunctionsHostDouble Host => worker.Host;

    [Fact]
    public async Task EveryFunctionAnswersThroughTheFunctionsHost()
    {
        var before = Host.Requests.Count;
        var owner = await UserAsync("owner");
        var bob = await UserAsync("bob");
        var carol = await UserAsync("carol");
        var dave = await UserAsync("dave");

        // Client-server: the life of a room.
        await Expect(200, "Versions", HttpMethod.Get, "/_matrix/client/versions");
        await Expect(200, "WhoAmI", HttpMethod.Get, $"{V3}/account/whoami", owner);
        var room = (string)(await Expect(200, "CreateRoom", HttpMethod.Post, $"{V3}/createRoom", owner, new JsonObject { ["preset"] = "public_chat" }))!["room_id"]!;
        var path = $"{V3}/rooms/{Uri.EscapeDataString(room)}";
        await Expect(200, "JoinRoom", HttpMethod.Post, $"{path}/join", bob);
        await Expect(200, "JoinByIdOrAlias", HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", carol, new JsonObject { ["displayname"] = "Carol" });
        await Expect(200, "Invite", HttpMethod.Post, $"{path}/invite", owner, new JsonObject { ["user_id"] = dave.UserId });
        await Expect(200, "Kick", HttpMethod.Post, $"{path}/kick", owner, new JsonObject { ["user_id"] = carol.UserId, ["reason"] = "bye" });
        await Expect(200, "Ban", HttpMethod.Post, $"{path}/ban", owner, new JsonObject { ["user_id"] = carol.UserId });
        await Expect(200, "Unban", HttpMethod.Post, $"{path}/unban", owner, new JsonObject { ["user_id"] = carol.UserId });
        await Expect(200, "Members", HttpMethod.Get, $"{path}/members", owner);
        await Expect(200, "JoinedMembers", HttpMethod.Get, $"{path}/joined_members", owner);
        await Expect(200, "GetState", HttpMethod.Get, $"{path}/state/m.room.power_levels/", owner);
        await Expect(200, "PutState", HttpMethod.Put, $"{path}/state/m.room.join_rules/", owner, new JsonObject { ["join_rule"] = "public" });
        await Expect(200, "LegacyMembership", HttpMethod.Post, $"/_matrix/client/api/v1/rooms/{Uri.EscapeDataString(room)}/join", dave);
        await Expect(200, "Leave", HttpMethod.Post, $"{path}/leave", bob);
        await Expect(200, "Forget", HttpMethod.Post, $"{path}/forget", bob);
        var joined = await Expect(200, "JoinedRooms", HttpMethod.Get, $"{V3}/joined_rooms", owner);
        Assert.Contains(room, joined!["joined_rooms"]!.AsArray().Select(r => (string?)r));

        // A knock on a public room is refused by the rules: the client surface's error, through the worker.
        var knock = await Expect(403, "Knock", HttpMethod.Post, $"{V3}/knock/{Uri.EscapeDataString(room)}", bob);
        Assert.Equal("M_FORBIDDEN", (string?)knock!["errcode"]);

        // Federation: keys and version in the open; an invite signed by a remote server, its path re-encoded by the host.
        await Expect(200, "ServerKeys", HttpMethod.Get, "/_matrix/key/v2/server");
        await Expect(200, "ServerVersion", HttpMethod.Get, "/_matrix/federation/v1/version");
        var invitee = await UserAsync("invitee");
        var remoteRoom = $"!room{Guid.NewGuid():N}:{WorkerHostFixture.RemoteName}";
        var v2 = FederationCalls.Invite(WorkerHostFixture.RemoteName, worker.Remote.Key, remoteRoom, invitee.UserId);
        var signed = await SendSignedAsync("InviteV2", HttpMethod.Put, FederationCalls.V2Path(v2), FederationCalls.V2Body(v2));
        Assert.Equal(200, signed.Status);
        Assert.NotNull(signed.Body!["event"]!["signatures"]!["localhost"]);
        var v1 = FederationCalls.Invite(WorkerHostFixture.RemoteName, worker.Remote.Key, $"!v1{Guid.NewGuid():N}:{WorkerHostFixture.RemoteName}", invitee.UserId, roomVersion: "1");
        var v1Path = FederationCalls.InvitePath("v1", (string)v1["room_id"]!, EventSigning.ComputeEventId(v1, "1"));
        var v1Answer = await SendSignedAsync("InviteV1", HttpMethod.Put, v1Path, v1);
        Assert.Equal(200, v1Answer.Status);
        Assert.Equal(200, (int)v1Answer.Body![0]!);

        // Admin: a Room Engine room's life, and the callback configuration.
        var roomId = "worker" + Guid.NewGuid().ToString("N")[..10];
        await ExpectOk("RoomEngineCreateRoom", $"{RoomEngine}/create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = roomId, ["RoomType"] = "Conference", ["Owner_Account"] = Account(owner) } });
        await ExpectOk("GetRoomInfo", $"{RoomEngine}/get_room_info", new JsonObject { ["RoomId"] = roomId });
        await ExpectOk("UpdateRoomInfo", $"{RoomEngine}/update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = roomId, ["RoomName"] = "Renamed" } });
        await Expect(200, "JoinRoom", HttpMethod.Post, $"{V3}/rooms/{Uri.EscapeDataString($"!{roomId}:localhost")}/join", bob);
        await Expect(200, "JoinRoom", HttpMethod.Post, $"{V3}/rooms/{Uri.EscapeDataString($"!{roomId}:localhost")}/join", dave);
        await ExpectOk("GetRoomMemberList", $"{RoomEngine}/get_room_member_list", new JsonObject { ["RoomId"] = roomId });
        await ExpectOk("UpdateRoomMemberInfo", $"{RoomEngine}/update_room_member_info", new JsonObject { ["RoomId"] = roomId, ["MemberInfo"] = new JsonObject { ["Member_Account"] = Account(bob), ["Role"] = "Admin" } });
        await ExpectOk("MarkRoomMember", $"{RoomEngine}/mark_room_member", new JsonObject { ["RoomId"] = roomId, ["CommandType"] = 1, ["MemberList"] = new JsonArray(new JsonObject { ["Member_Account"] = Account(bob), ["Marks"] = new JsonArray(1000) }) });
        await ExpectOk("ChangeRoomOwner", $"{RoomEngine}/change_room_owner", new JsonObject { ["RoomId"] = roomId, ["NewOwner_Account"] = Account(bob) });
        await ExpectOk("BanRoomMember", $"{RoomEngine}/ban_room_member", new JsonObject { ["RoomId"] = roomId, ["MemberList_Account"] = new JsonArray(Account(carol)), ["Reason"] = "r", ["Duration"] = 60 });
        await ExpectOk("GetBannedMemberList", $"{RoomEngine}/get_banned_member_list", new JsonObject { ["RoomId"] = roomId });
        await ExpectOk("UnbanRoomMember", $"{RoomEngine}/unban_room_member", new JsonObject { ["RoomId"] = roomId, ["MemberList_Account"] = new JsonArray(Account(carol)) });
        await ExpectOk("KickUserOut", $"{RoomEngine}/kick_user_out", new JsonObject { ["RoomId"] = roomId, ["MemberList_Account"] = new JsonArray(Account(dave)), ["Reason"] = "r" });
        await ExpectOk("DestroyRoom", $"{RoomEngine}/destroy_room", new JsonObject { ["RoomId"] = roomId });
        var callback = new JsonObject { ["Url"] = "http://127.0.0.1:9/callback", ["CallbackCommandList"] = new JsonArray("Room.CallbackAfterMemberEnter") };
        await ExpectOk("SetCallback", "/v4/room_config/set_callback", callback);
        await ExpectOk("GetCallback", "/v4/room_config/get_callback", []);
        await ExpectOk("UpdateCallback", "/v4/room_config/update_callback", callback.DeepClone().AsObject());
        await ExpectOk("GetCallbackDeliveries", "/v4/room_config/get_callback_deliveries", []);
        await ExpectOk("DeleteCallback", "/v4/room_config/delete_callback", []);
        var unknown = await Expect(200, "UnknownCommand", HttpMethod.Post, $"/v4/room_engine_http_mic/take_seat?{ServiceFixture.AdminQuery()}", body: new JsonObject());
        Assert.Equal(60009, (int?)unknown!["ErrorCode"]);

        // The service's own pages.
        var document = await Expect(200, "OpenApiDocument", HttpMethod.Get, "/openapi/v1.json");
        Assert.Equal(FunctionTable.Http.Sum(f => f.Methods.Count(m => m is not ("OPTIONS" or "HEAD"))), document!["paths"]!.AsObject().Sum(p => p.Value!.AsObject().Count));
        var (page, _) = await Host.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/docs"));
        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        // Every HTTP function was invoked through the host, and every invocation succeeded (failures are answered inside it).
        var calls = Host.Requests.Skip(before).ToList();
        Assert.Equal(FunctionTable.Http.Select(f => f.Name).Order(StringComparer.Ordinal), calls.Select(c => c.FunctionName!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(calls, c => Assert.True(c.Invocation?.Status == InvocationStatus.Success, $"{c.Method} {c.FunctionName}: {c.Invocation?.Status} {c.Invocation?.ExceptionMessage} {c.Error}"));
    }

    [Fact]
    public async Task TheTimerFunctionRunsAsAnInvocation()
    {
        var result = await Host.InvokeTimerAsync("WebhookSweep");
        Assert.True(result.Status == InvocationStatus.Success, $"{result.Status}: {result.ExceptionMessage}");
    }

    [Fact]
    public async Task ClientErrorsAreMatrixErrorsInWorkerMode()
    {
        var missing = await Expect(401, "WhoAmI", HttpMethod.Get, $"{V3}/account/whoami");
        Assert.Equal("M_MISSING_TOKEN", (string?)missing!["errcode"]);

        var owner = await UserAsync("owner");
        var badJson = await Send(HttpMethod.Post, $"{V3}/createRoom", owner, new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(400, badJson.Status);
        Assert.Equal("M_NOT_JSON", (string?)badJson.Body!["errcode"]);
    }

    [Fact]
    public async Task FederationErrorsAreMatrixErrorsInWorkerMode()
    {
        var ev = FederationCalls.Invite(WorkerHostFixture.RemoteName, worker.Remote.Key, $"!r{Guid.NewGuid():N}:{WorkerHostFixture.RemoteName}", "@someone:localhost");
        var unsigned = await Expect(401, "InviteV2", HttpMethod.Put, FederationCalls.V2Path(ev), body: FederationCalls.V2Body(ev));
        Assert.Equal("M_UNAUTHORIZED", (string?)unsigned!["errcode"]);

        // Signed by a key that is not the origin's.
        var forged = await SendSignedAsync("InviteV2", HttpMethod.Put, FederationCalls.V2Path(ev), FederationCalls.V2Body(ev), FakeServer.KeyFrom("someone else", "ed25519:k1"));
        Assert.Equal(401, forged.Status);
        Assert.Equal("M_UNAUTHORIZED", (string?)forged.Body!["errcode"]);
    }

    [Fact]
    public async Task AdminErrorsAreTencentEnvelopesInWorkerMode()
    {
        var badSig = await Expect(200, "GetRoomInfo", HttpMethod.Post, $"{RoomEngine}/get_room_info?{ServiceFixture.AdminQuery(userSig: "not-a-usersig")}", body: new JsonObject { ["RoomId"] = "x" });
        Assert.Equal("FAIL", (string?)badSig!["ActionStatus"]);
        Assert.Equal(70003, (int?)badSig["ErrorCode"]);

        var missingRoom = await Expect(200, "GetRoomInfo", HttpMethod.Post, $"{RoomEngine}/get_room_info?{ServiceFixture.AdminQuery()}", body: new JsonObject { ["RoomId"] = "no-such-room" });
        Assert.Equal(100004, (int?)missingRoom!["ErrorCode"]);
        Assert.StartsWith("Id-", (string?)missingRoom["RequestId"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePreflightIsAnsweredWithCorsHeadersInWorkerMode()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"{V3}/rooms/{Uri.EscapeDataString("!x:localhost")}/state/m.room.name/");
        var (response, record) = await Host.SendAsync(request);
        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("GetState", record.FunctionName);
    }

    private static string Account(TestUser user) => user.UserId[1..user.UserId.IndexOf(':', StringComparison.Ordinal)];

    private async Task<TestUser> UserAsync(string prefix)
    {
        var localpart = prefix + Guid.NewGuid().ToString("N")[..10];
        var answer = await Expect(200, "IssueToken", HttpMethod.Post, $"/v4/membership_admin/issue_token?{ServiceFixture.AdminQuery()}", body: new JsonObject { ["UserId"] = localpart });
        Assert.Equal(0, (int?)answer!["ErrorCode"]);
        return new TestUser((string)answer["UserId"]!, (string)answer["AccessToken"]!);
    }

    private async Task ExpectOk(string function, string path, JsonObject body)
    {
        var answer = await Expect(200, function, HttpMethod.Post, $"{path}?{ServiceFixture.AdminQuery()}", body: body);
        Assert.True((int?)answer!["ErrorCode"] == 0, $"{function}: {answer.ToJsonString()}");
    }

    /// <summary>Sends through the host double and checks the status and which function the host routed it to.</summary>
    private async Task<JsonNode?> Expect(int status, string function, HttpMethod method, string target, TestUser? user = null, JsonNode? body = null)
    {
        var (answerStatus, answer, record) = await SendRecorded(method, target, user, body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(status == answerStatus, $"{method} {target}: expected {status}, got {answerStatus} {answer?.ToJsonString()} ({record.FunctionName}; {Host.Describe()})");
        Assert.Equal(function, record.FunctionName);
        return answer;
    }

    private async Task<(int Status, JsonNode? Body)> Send(HttpMethod method, string target, TestUser? user, HttpContent? content)
    {
        var (status, body, _) = await SendRecorded(method, target, user, content);
        return (status, body);
    }

    private async Task<(int Status, JsonNode? Body, FrontDoorRequest Record)> SendRecorded(HttpMethod method, string target, TestUser? user, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, Host.UriFor(target)) { Content = content };
        if (user is not null)
        {
            request.Headers.Authorization = new("Bearer", user.Token);
        }

        var (response, record) = await Host.SendAsync(request);
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), record);
        }
    }

    /// <summary>A federation request signed with X-Matrix by the remote server, over the target as the remote sends it.</summary>
    private async Task<(int Status, JsonNode? Body)> SendSignedAsync(string function, HttpMethod method, string target, JsonNode body, SigningKey? key = null)
    {
        using var request = new HttpRequestMessage(method, Host.UriFor(target)) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", XMatrix.CreateHeader(method.Method, target, WorkerHostFixture.RemoteName, "localhost", body, key ?? worker.Remote.Key));
        var (response, record) = await Host.SendAsync(request);
        using (response)
        {
            Assert.Equal(function, record.FunctionName);
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }
    }
}

/// <summary>Storage going away while the worker runs: the surfaces' 503 envelopes, never an empty answer or a hang.</summary>
public sealed class WorkerModeStorageFaultTests : IAsyncLifetime
{
    private readonly Azurite _storage = new();
    private FunctionsHostDouble _host = null!;

    public async Task InitializeAsync()
    {
        await _storage.InitializeAsync();
        var options = new FunctionsHostOptions { WorkerPath = WorkerHostFixture.WorkerPath };
        foreach (var (key, value) in WorkerHostFixture.Settings(_storage.ConnectionString))
        {
            options.Settings[key] = value;
        }

        _host = await FunctionsHostDouble.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task StorageDownAnswers503OnTheMatrixSurfacesAnd100001OnTheAdminSurface()
    {
        // A token first, while storage answers.
        using var issue = await _host.Client.PostAsJsonAsync($"/v4/membership_admin/issue_token?{ServiceFixture.AdminQuery()}", new JsonObject { ["UserId"] = "faulty" });
        var token = (string)(await issue.Content.ReadFromJsonAsync<JsonObject>())!["AccessToken"]!;
        await _storage.StopAsync();

        using var join = new HttpRequestMessage(HttpMethod.Post, _host.UriFor($"/_matrix/client/v3/rooms/{Uri.EscapeDataString("!gone:localhost")}/join")) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        join.Headers.Authorization = new("Bearer", token);
        var (joined, joinRecord) = await _host.SendAsync(join);
        Assert.Equal(503, (int)joined.StatusCode);
        Assert.Equal("M_UNKNOWN", (string?)(await joined.Content.ReadFromJsonAsync<JsonObject>())!["errcode"]);
        Assert.Equal(InvocationStatus.Success, joinRecord.Invocation?.Status);

        using var info = new HttpRequestMessage(HttpMethod.Post, _host.UriFor($"/v4/room_engine_http_srv/get_room_info?{ServiceFixture.AdminQuery()}")) { Content = new StringContent("""{"RoomId":"gone"}""", Encoding.UTF8, "application/json") };
        var (answered, _) = await _host.SendAsync(info);
        Assert.Equal(200, (int)answered.StatusCode);
        Assert.Equal(100001, (int?)(await answered.Content.ReadFromJsonAsync<JsonObject>())!["ErrorCode"]);
    }
}
