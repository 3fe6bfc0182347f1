using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;

namespace Membership.Functions.Tests;

/// <summary>
/// The admin pipeline in front of every Room Engine command: UserSigs from Tencent's own npm package
/// (<c>tls-sig-api-v2</c>) and from our library, each failure code, unknown and seat commands.
/// </summary>
public sealed class RoomEngineAdminPipelineTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private const long SdkAppId = ServiceFixture.SdkAppId;
    private const string Key = ServiceFixture.SecretKey;
    private const string Admin = ServiceFixture.Admin;

    private static readonly string[] Commands =
    [
        "kick_user_out", "create_room", "destroy_room", "get_room_info", "update_room_info", "get_room_member_list",
        "update_room_member_info", "change_room_owner", "ban_room_member", "unban_room_member", "get_banned_member_list",
    ];

    private readonly RoomEngineCalls _api = new(fixture);

    [Fact]
    public async Task EveryCommandAcceptsUserSigsFromTencentsPackageAndFromOurLibrary()
    {
        var tencent = await TencentUserSig.AdminAsync();
        var ours = UserSig.Generate(SdkAppId, Key, Admin, 86400, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        foreach (var sig in new[] { tencent, ours })
        {
            foreach (var command in Commands)
            {
                // Past authentication, an empty body fails on its first mandatory field: 100002, never an auth code.
                var envelope = await _api.PostAsync(command, new JsonObject(), ServiceFixture.AdminQuery(userSig: sig));
                RoomEngineCalls.AssertCode(envelope, 100002);
            }
        }

        // And a whole round: create with Tencent's signature, read back with ours.
        var room = RoomEngineCalls.Unique("sig");
        await _api.OkAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomType"] = "Conference" } }, ServiceFixture.AdminQuery(userSig: tencent));
        Assert.Equal(room, (string?)(await _api.RoomInfoAsync(room))["RoomId"]);
    }

    [Fact]
    public async Task EachAuthenticationFailureHasItsOwnCode()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sigs = await TencentUserSig.GenerateAsync(
            (SdkAppId, Key, "alice", 86400), // a valid signature for someone who is not an App admin
            (SdkAppId, "0000000000000000000000000000000000000000000000000000000000000000", Admin, 86400), // another key
            (1400000001, Key, Admin, 86400)); // another App
        var (notAdmin, otherKey, otherApp) = (sigs[0], sigs[1], sigs[2]);
        var good = UserSig.Generate(SdkAppId, Key, Admin, 86400, now);
        var body = new JsonObject { ["RoomId"] = "r" };

        var cases = new (string Query, int Code)[]
        {
            ($"identifier={Admin}&usersig={good}&random=1&contenttype=json", 60012),
            ($"sdkappid=1400000001&identifier={Admin}&usersig={good}&random=1&contenttype=json", 60006),
            ($"sdkappid={SdkAppId}&identifier={Admin}&usersig=&random=1&contenttype=json", 70002),
            ($"sdkappid={SdkAppId}&identifier={Admin}&usersig=not-a-usersig&random=1&contenttype=json", 70003),
            (ServiceFixture.AdminQuery(userSig: otherKey), 70003),
            (ServiceFixture.AdminQuery(userSig: UserSig.Generate(SdkAppId, Key, Admin, 60, now - 3600)), 70001),
            (ServiceFixture.AdminQuery(userSig: VersionOneStyle()), 70009),
            (ServiceFixture.AdminQuery(userSig: notAdmin), 70013), // signed for alice, presented as administrator
            (ServiceFixture.AdminQuery(userSig: otherApp), 70014),
            (ServiceFixture.AdminQuery("alice", notAdmin), 60010),
            ($"sdkappid={SdkAppId}&identifier={Admin}&usersig={Uri.EscapeDataString(good)}&random=x&contenttype=json", 60002),
        };

        foreach (var (query, code) in cases)
        {
            var envelope = await _api.PostAsync("get_room_info", body, query);
            RoomEngineCalls.AssertCode(envelope, code);
        }
    }

    [Theory]
    [InlineData("", 60003)]
    [InlineData("not json", 60003)]
    [InlineData("[1,2]", 60003)]
    [InlineData("""{"RoomId":"r","RoomId":"s"}""", 60003)]
    [InlineData("""{"RoomId":"r","MemberList_Account":["bob"],"Reason":"a\ud800b"}""", 60003)]
    [InlineData("""{"RoomId":"r","MemberList_Account":["b\udc00ob"],"Reason":"x"}""", 60003)]
    public async Task UnreadableBodiesAre60003(string body, int code)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/kick_user_out?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, code);
    }

    [Theory]
    [InlineData("room_engine_http_mic", "lock_seat")]
    [InlineData("room_engine_http_mic", "kick_user_off_seat")]
    [InlineData("room_engine_http_mic", "pick_user_on_seat")]
    [InlineData("room_engine_http_mic", "get_seat_list")]
    [InlineData("room_engine_http_srv", "no_such_command")]
    public async Task SeatAndOtherUnbuiltCommandsAre60009(string service, string command)
    {
        var envelope = await _api.PostAsync(command, new JsonObject { ["RoomId"] = "r", ["Index"] = 1 }, service: service);

        RoomEngineCalls.AssertCode(envelope, 60009, command);
    }

    [Fact]
    public async Task RoomEngineCommandsAreRoutedAsFunctionsOfTheirOwn()
    {
        // GET is not an admin method: the envelope says so (never an HTML 404/405).
        using var response = await fixture.Http.GetAsync($"/v4/room_engine_http_srv/get_room_info?{ServiceFixture.AdminQuery()}");
        var envelope = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

        Assert.Equal(200, (int)response.StatusCode);
        RoomEngineCalls.AssertCode(envelope, 60002, "POST");
    }

    /// <summary>A UserSig document of another version than 2.0 (the old asymmetric scheme): Tencent answers 70009.</summary>
    private static string VersionOneStyle()
    {
        var document = $$"""{"TLS.ver":"1.0","TLS.identifier":"{{Admin}}","TLS.sdkappid":{{SdkAppId}},"TLS.expire":86400,"TLS.time":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"TLS.sig":"AAAA"}""";
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(Encoding.UTF8.GetBytes(document));
        }

        return Convert.ToBase64String(compressed.ToArray()).Replace('+', '*').Replace('/', '-').Replace('=', '_');
    }
}

/// <summary>The per-App, per-command rate limit (60007), on a host configured for 3 calls a second.</summary>
public sealed class RoomEngineRateLimitTests(RateLimitedHost host) : IClassFixture<RateLimitedHost>
{
    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    [Fact]
    public async Task CallsOverTheLimitAre60007UntilTheNextSecond()
    {
        var body = new JsonObject { ["RoomId"] = "no-room" };

        // Calls take milliseconds, so a burst spends a window's budget; the next call is refused.
        JsonObject? limited = null;
        var admitted = 0;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var envelope = await _api.PostAsync("get_room_info", body);
            if ((int?)envelope["ErrorCode"] == 60007)
            {
                limited = envelope;
            }
            else
            {
                RoomEngineCalls.AssertCode(envelope, 100004);
                admitted++;
            }
        }

        Assert.NotNull(limited);
        RoomEngineCalls.AssertCode(limited, 60007, "room_engine_http_srv/get_room_info", $"{RateLimitedHost.PerSecond} a second");
        Assert.True(admitted >= RateLimitedHost.PerSecond, $"only {admitted} calls were admitted before the limit");

        // Each command has its own budget.
        RoomEngineCalls.AssertCode(await _api.PostAsync("get_banned_member_list", body), 100004);

        // The next window admits calls again.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        RoomEngineCalls.AssertCode(await _api.PostAsync("get_room_info", body), 100004);
    }
}
