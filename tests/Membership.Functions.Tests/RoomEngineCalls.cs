using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Service;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// Calls for the Room Engine tests, over real HTTP: admin commands signed as the App admin (UserSig from our library
/// unless a test passes one, e.g. from Tencent's npm package), and the Matrix calls the cross-surface tests make.
/// Works against <see cref="ServiceFixture"/> and against <see cref="RoomEngineHost"/>.
/// </summary>
internal sealed class RoomEngineCalls(HttpClient http, IServiceProvider services)
{
    public const string Server = ServiceFixture.ServerName;
    public const string AdminUser = "@administrator:" + Server;

    public RoomEngineCalls(ServiceFixture fixture)
        : this(fixture.Http, fixture.Services)
    {
    }

    public T Get<T>()
        where T : notnull => services.GetRequiredService<T>();

    public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}";

    public static string MatrixRoom(string roomId) => $"!{roomId}:{Server}";

    public static string MatrixUser(string account) => $"@{account}:{Server}";

    /// <summary>POSTs a Room Engine command; every admin outcome is HTTP 200 with the envelope, so that is asserted here.</summary>
    public async Task<JsonObject> PostAsync(string command, JsonNode body, string? query = null, string service = "room_engine_http_srv") =>
        await PostRawAsync($"/v4/{service}/{command}?{query ?? ServiceFixture.AdminQuery()}", body.ToJsonString());

    public async Task<JsonObject> PostRawAsync(string pathAndQuery, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(pathAndQuery, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 200, $"HTTP {(int)response.StatusCode}: {text}");
        var envelope = JsonNode.Parse(text)!.AsObject();
        Assert.StartsWith("Id-", (string?)envelope["RequestId"], StringComparison.Ordinal);
        return envelope;
    }

    /// <summary>Posts and asserts success; returns the envelope.</summary>
    public async Task<JsonObject> OkAsync(string command, JsonNode body, string? query = null, string service = "room_engine_http_srv")
    {
        var envelope = await PostAsync(command, body, query, service);
        AssertOk(envelope);
        return envelope;
    }

    public static void AssertOk(JsonObject envelope)
    {
        Assert.True((int?)envelope["ErrorCode"] == 0, envelope.ToJsonString());
        Assert.Equal("OK", (string?)envelope["ActionStatus"]);
        Assert.Equal(string.Empty, (string?)envelope["ErrorInfo"]);
    }

    /// <summary>Asserts a failure envelope with <paramref name="code"/> whose ErrorInfo mentions every one of <paramref name="mentions"/>.</summary>
    public static void AssertCode(JsonObject envelope, int code, params string[] mentions)
    {
        Assert.True((int?)envelope["ErrorCode"] == code, $"expected {code}: {envelope.ToJsonString()}");
        Assert.Equal("FAIL", (string?)envelope["ActionStatus"]);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, (string?)envelope["ErrorInfo"], StringComparison.Ordinal);
        }
    }

    /// <summary>create_room with a fresh RoomId (unless given); returns the RoomId.</summary>
    public async Task<string> CreateRoomAsync(string owner, int? maxMembers = null, string? roomId = null, JsonObject? extra = null)
    {
        roomId ??= Unique("room");
        var info = new JsonObject { ["RoomId"] = roomId, ["RoomType"] = "Conference", ["Owner_Account"] = owner };
        if (maxMembers is { } max)
        {
            info["MaxMemberCount"] = max;
        }

        foreach (var (key, value) in extra ?? [])
        {
            info[key] = value?.DeepClone();
        }

        await OkAsync("create_room", new JsonObject { ["RoomInfo"] = info });
        return roomId;
    }

    /// <summary>An access token for <paramref name="account"/> from issue_token.</summary>
    public async Task<TestUser> UserAsync(string account)
    {
        var envelope = await OkAsync("issue_token", new JsonObject { ["UserId"] = account }, null, "membership_admin");
        return new TestUser((string)envelope["UserId"]!, (string)envelope["AccessToken"]!);
    }

    public async Task<List<TestUser>> UsersAsync(string prefix, int count)
    {
        var users = new List<TestUser>(count);
        for (var i = 0; i < count; i++)
        {
            users.Add(await UserAsync($"{prefix}{i:D2}"));
        }

        return users;
    }

    /// <summary>The account (local part) of a Matrix user of this server.</summary>
    public static string AccountOf(TestUser user) => user.UserId[1..user.UserId.IndexOf(':', StringComparison.Ordinal)];

    public async Task<(int Status, JsonNode? Body)> MatrixAsync(HttpMethod method, string path, TestUser user, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (body is not null || method == HttpMethod.Post)
        {
            request.Content = new StringContent((body ?? new JsonObject()).ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A Matrix join of the room <c>!{roomId}:{server}</c>; returns the status (200, 403, 404).</summary>
    public async Task<(int Status, JsonNode? Body)> MatrixJoinAsync(TestUser user, string roomId) =>
        await MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(MatrixRoom(roomId))}/join", user);

    public async Task JoinAllAsync(string roomId, IEnumerable<TestUser> users)
    {
        foreach (var user in users)
        {
            var (status, body) = await MatrixJoinAsync(user, roomId);
            Assert.True(status == 200, $"{user.UserId} could not join: {body?.ToJsonString()}");
        }
    }

    /// <summary>Matrix <c>/members</c> as <paramref name="viewer"/>: state key to member event.</summary>
    public async Task<Dictionary<string, JsonObject>> MatrixMembersAsync(TestUser viewer, string roomId)
    {
        var (status, body) = await MatrixAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(MatrixRoom(roomId))}/members", viewer);
        Assert.True(status == 200, body?.ToJsonString());
        return body!["chunk"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => (string)e["state_key"]!);
    }

    /// <summary>Every account of get_room_member_list, page by page (Count per page).</summary>
    public async Task<List<JsonObject>> MemberListAsync(string roomId, int? count = null)
    {
        var members = new List<JsonObject>();
        var next = string.Empty;
        do
        {
            var body = new JsonObject { ["RoomId"] = roomId, ["Next"] = next };
            if (count is { } c)
            {
                body["Count"] = c;
            }

            var response = (await OkAsync("get_room_member_list", body))["Response"]!;
            members.AddRange(response["MemberList"]!.AsArray().Select(m => m!.AsObject()));
            next = (string)response["Next"]!;
        }
        while (next.Length > 0);
        return members;
    }

    public async Task<JsonObject> RoomInfoAsync(string roomId) =>
        (await OkAsync("get_room_info", new JsonObject { ["RoomId"] = roomId }))["Response"]!["RoomInfo"]!.AsObject();

    public async Task<RoomRead?> ReadRoomAsync(string roomId) =>
        await Get<MembershipStore>().ReadRoomAsync(MatrixRoom(roomId), users: null);

    /// <summary>Waits for the per-user index writes the service makes after each commit (they run off the request path).</summary>
    public async Task SettleIndexAsync(IEnumerable<string> userIds)
    {
        var index = Get<UserIndex>();
        foreach (var user in userIds)
        {
            await index.WaitForUserAsync(user);
        }
    }
}

/// <summary>UserSigs made by Tencent's own npm package <c>tls-sig-api-v2</c> (installed at the repository root).</summary>
internal static class TencentUserSig
{
    private const string Script =
        "const T=require('tls-sig-api-v2');" +
        "const rows=JSON.parse(process.argv[1]);" +
        "console.log(JSON.stringify(rows.map(r=>new T.Api(r[0],r[1]).genUserSig(r[2],r[3]))));";

    /// <summary>One <c>genUserSig(identifier, expire)</c> per row, in one node process.</summary>
    public static async Task<string[]> GenerateAsync(params (long SdkAppId, string Key, string Identifier, long Expire)[] rows)
    {
        var input = new JsonArray([.. rows.Select(r => (JsonNode)new JsonArray(r.SdkAppId, r.Key, r.Identifier, r.Expire))]);
        var (exitCode, stdout, stderr) = await NodeScript.RunAsync("-e", [Script, input.ToJsonString()], timeout: TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        return [.. JsonNode.Parse(stdout)!.AsArray().Select(s => (string)s!)];
    }

    /// <summary>The App admin's UserSig from the npm package with the demo key.</summary>
    public static async Task<string> AdminAsync() =>
        (await GenerateAsync((ServiceFixture.SdkAppId, ServiceFixture.SecretKey, ServiceFixture.Admin, 86400)))[0];
}
