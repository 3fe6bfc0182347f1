using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;

namespace Membership.Bench;

/// <summary>One HTTP exchange: status, body, latency (request sent to body read) and when the response was complete.</summary>
internal readonly record struct Reply(int Status, string Body, double Ms, long End)
{
    public JsonNode? Json
    {
        get
        {
            try
            {
                return JsonNode.Parse(Body);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The Tencent envelope's ErrorCode (-1 if absent).</summary>
    public int TencentCode => Json?["ErrorCode"]?.GetValue<int>() ?? -1;

    public bool Ok => Status is >= 200 and < 300;

    public string Brief => Body.Length > 300 ? Body[..300] + "..." : Body;
}

/// <summary>The service's HTTP API as the harness uses it: Matrix client-server calls, and admin calls signed with a UserSig.</summary>
internal sealed class ServiceClient : IDisposable
{
    public const long SdkAppId = 1400000000;
    public const string SecretKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    public const string Admin = "administrator";
    public const string ServerName = "localhost";

    private readonly HttpClient _http;
    private readonly string _userSig;
    private long _random;

    public ServiceClient(int port)
    {
        Port = port;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 1024,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _userSig = UserSig.Generate(SdkAppId, SecretKey, Admin, 86400, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    public int Port { get; }

    public static string UserId(string localpart) => $"@{localpart}:{ServerName}";

    public static string Room(string roomId, string action) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/{action}";

    public async Task<Reply> SendAsync(HttpMethod method, string pathAndQuery, string? token, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var start = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var end = Stopwatch.GetTimestamp();
        return new Reply((int)response.StatusCode, body, Stopwatch.GetElapsedTime(start, end).TotalMilliseconds, end);
    }

    public Task<Reply> AdminAsync(string service, string command, JsonObject body, CancellationToken cancellationToken)
    {
        var random = Interlocked.Increment(ref _random);
        var query = string.Create(CultureInfo.InvariantCulture, $"sdkappid={SdkAppId}&identifier={Admin}&usersig={Uri.EscapeDataString(_userSig)}&random={random}&contenttype=json");
        return SendAsync(HttpMethod.Post, $"/v4/{service}/{command}?{query}", null, body.ToJsonString(), cancellationToken);
    }

    public Task<Reply> IssueTokenRawAsync(string localpart, CancellationToken cancellationToken) =>
        AdminAsync("membership_admin", "issue_token", new JsonObject { ["UserId"] = localpart }, cancellationToken);

    /// <summary>An access token for the user (retries a rate-limited call a few times).</summary>
    public async Task<string> IssueTokenAsync(string localpart, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var reply = await IssueTokenRawAsync(localpart, cancellationToken);
            if (reply.Json?["AccessToken"]?.GetValue<string>() is { Length: > 0 } token)
            {
                return token;
            }

            if (reply.TencentCode != 60007)
            {
                throw new BenchException($"issue_token for {localpart} failed: {reply.Status} {reply.Brief}");
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new BenchException($"issue_token for {localpart} stayed rate limited");
    }

    public async Task<string> CreateRoomAsync(string token, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", token, """{"preset":"public_chat","name":"bench"}""", cancellationToken);
        return reply.Json?["room_id"]?.GetValue<string>() is { Length: > 0 } room
            ? room
            : throw new BenchException($"createRoom failed: {reply.Status} {reply.Brief}");
    }

    public Task<Reply> WhoAmIAsync(string token, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", token, null, cancellationToken);

    public Task<Reply> JoinAsync(string token, string roomId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, Room(roomId, "join"), token, "{}", cancellationToken);

    /// <summary>Join by ID through <c>/join/{roomIdOrAlias}</c> (rooms made by the Room Engine create_room command).</summary>
    public Task<Reply> JoinByIdAsync(string token, string roomId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", token, "{}", cancellationToken);

    public Task<Reply> LeaveAsync(string token, string roomId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, Room(roomId, "leave"), token, "{}", cancellationToken);

    /// <summary>invite, kick, ban or unban of <paramref name="targetLocalpart"/>.</summary>
    public Task<Reply> TargetAsync(string action, string token, string roomId, string targetLocalpart, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["user_id"] = UserId(targetLocalpart) };
        if (action is "kick" or "ban")
        {
            body["reason"] = "bench";
        }

        return SendAsync(HttpMethod.Post, Room(roomId, action), token, body.ToJsonString(), cancellationToken);
    }

    public Task<Reply> MembersAsync(string token, string roomId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, Room(roomId, "members"), token, null, cancellationToken);

    public Task<Reply> EngineCreateRoomAsync(string tencentRoomId, string owner, CancellationToken cancellationToken) =>
        AdminAsync("room_engine_http_srv", "create_room", new JsonObject
        {
            ["RoomInfo"] = new JsonObject { ["RoomId"] = tencentRoomId, ["RoomType"] = "Conference", ["Owner_Account"] = owner },
        }, cancellationToken);

    public Task<Reply> KickUserOutAsync(string tencentRoomId, IEnumerable<string> accounts, CancellationToken cancellationToken) =>
        AdminAsync("room_engine_http_srv", "kick_user_out", new JsonObject
        {
            ["RoomId"] = tencentRoomId,
            ["MemberList_Account"] = new JsonArray([.. accounts.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["Reason"] = "bench",
        }, cancellationToken);

    public void Dispose() => _http.Dispose();
}
