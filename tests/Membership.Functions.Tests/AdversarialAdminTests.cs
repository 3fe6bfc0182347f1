using System.Text.Json.Nodes;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>
/// Attacks on the admin (Tencent Room Engine) surface over real HTTP, behind a storage proxy: numbers canonical JSON
/// cannot sign in the RoomInfo fields, a request storage refuses as malformed (which must read as our bug, not an
/// outage, on both surfaces), and room IDs that name a server (the admin surface reaches this server's rooms only).
/// </summary>
public sealed class AdversarialAdminTests(FaultyStorageHost host) : IClassFixture<FaultyStorageHost>
{
    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    [Theory]
    [InlineData("MaxSeatCount", "1.5")]
    [InlineData("MaxSeatCount", "18446744073709551616")]
    [InlineData("ScheduleStartTime", "1.5e9")]
    [InlineData("ScheduleStartTime", "18446744073709551616")]
    [InlineData("MaxMemberCount", "1e400")]
    [InlineData("MaxMemberCount", "100.25")]
    [InlineData("IsSeatEnabled", "1.5")]
    public async Task NumbersCanonicalJsonCannotSignInRoomInfoAre100002AndCreateNothing(string field, string value)
    {
        var room = RoomEngineCalls.Unique("floaty");

        var envelope = await _api.PostRawAsync(
            $"/v4/room_engine_http_srv/create_room?{ServiceFixture.AdminQuery()}",
            $$$"""{"RoomInfo":{"RoomId":"{{{room}}}","RoomType":"Conference","{{{field}}}":{{{value}}}}}""");

        RoomEngineCalls.AssertCode(envelope, 100002, field);
        Assert.Null(await _api.ReadRoomAsync(room));
    }

    [Fact]
    public async Task NumbersCanonicalJsonCannotSignInUpdateRoomInfoAre100002AndChangeNothing()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var before = (await _api.ReadRoomAsync(room))!.Head.Seq;

        var envelope = await _api.PostRawAsync(
            $"/v4/room_engine_http_srv/update_room_info?{ServiceFixture.AdminQuery()}",
            $$$"""{"RoomInfo":{"RoomId":"{{{room}}}","MaxMemberCount":2.5}}""");

        RoomEngineCalls.AssertCode(envelope, 100002, "MaxMemberCount");
        Assert.Equal(before, (await _api.ReadRoomAsync(room))!.Head.Seq);
    }

    [Fact]
    public async Task ARequestStorageRefusesAsMalformedIsOurBugNotAnOutageOnBothSurfaces()
    {
        var log = FaultLogCapture.Attach(host.Services);
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        var before = (await _api.ReadRoomAsync(room))!;

        host.Proxy.RejectTransactions = true;
        (int Status, JsonNode? Body) matrix;
        JsonObject admin;
        try
        {
            matrix = await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/leave", bob);
            admin = await _api.PostAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob)), ["Reason"] = "x" });
        }
        finally
        {
            host.Proxy.RejectTransactions = false;
        }

        // A 503 would have clients retry forever and monitoring report an outage: it is a 500, logged as an error.
        ClientCalls.AssertError(matrix, 500, "M_UNKNOWN");
        Assert.DoesNotContain("unavailable", (string?)matrix.Body!["error"], StringComparison.OrdinalIgnoreCase);
        RoomEngineCalls.AssertCode(admin, 100001);
        Assert.DoesNotContain("unavailable", (string?)admin["ErrorInfo"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, log.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("refused a request as malformed", StringComparison.Ordinal)));
        Assert.Equal(before.Head.ETag, (await _api.ReadRoomAsync(room))!.Head.ETag);
    }

    [Theory]
    [InlineData("get_room_info", """{"RoomId":"{room}:evil.example"}""")]
    [InlineData("kick_user_out", """{"RoomId":"{room}:evil.example","MemberList_Account":["bob"],"Reason":"x"}""")]
    [InlineData("destroy_room", """{"RoomId":"{room}:localhost"}""")]
    [InlineData("update_room_info", """{"RoomInfo":{"RoomId":"{room}:evil.example","RoomName":"x"}}""")]
    public async Task ARoomIdNamingAServerIs100002AndReachesNoRoom(string command, string body)
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var before = (await _api.ReadRoomAsync(room))!.Head.ETag;

        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/{command}?{ServiceFixture.AdminQuery()}", body.Replace("{room}", room, StringComparison.Ordinal));

        RoomEngineCalls.AssertCode(envelope, 100002, "RoomId");
        Assert.Equal(before, (await _api.ReadRoomAsync(room))!.Head.ETag);
    }
}

/// <summary>Accounts the admin surface names (issue #12, item 7): one rule for every account field, each refusal 100002 naming the field.</summary>
public sealed class AdversarialAdminAccountTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    [Theory]
    [InlineData("bob\n")]
    [InlineData("bob ")]
    [InlineData(" bob")]
    [InlineData("bo\u202Eb")]
    [InlineData("bo\u200Bb")]
    [InlineData("bøb")]
    [InlineData("bo\tb")]
    [InlineData("@bob\n:localhost")]
    [InlineData("")]
    public async Task IssueTokenRefusesAnAccountOutsideTheAccountRule(string account)
    {
        var envelope = await _api.PostAsync("issue_token", new JsonObject { ["UserId"] = account }, service: "membership_admin");

        RoomEngineCalls.AssertCode(envelope, 100002, "UserId");
        Assert.Null(envelope["AccessToken"]);
    }

    [Theory]
    [InlineData("Alice_1")]
    [InlineData("a.b=c-d/e+f")]
    public async Task IssueTokenTakesAnyAccountOfTheRule(string account)
    {
        var envelope = await _api.PostAsync("issue_token", new JsonObject { ["UserId"] = account }, service: "membership_admin");

        RoomEngineCalls.AssertOk(envelope);
        Assert.Equal($"@{account}:{RoomEngineCalls.Server}", (string?)envelope["UserId"]);
    }

    [Fact]
    public async Task EveryAccountFieldOfARoomCommandFollowsTheSameRule()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var bad = "eve\u202E";

        RoomEngineCalls.AssertCode(await _api.PostAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(bad), ["Reason"] = "r" }), 100002, "MemberList_Account");
        RoomEngineCalls.AssertCode(await _api.PostAsync("ban_room_member", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(bad), ["Reason"] = "r", ["Duration"] = 60 }), 100002, "MemberList_Account");
        RoomEngineCalls.AssertCode(await _api.PostAsync("change_room_owner", new JsonObject { ["RoomId"] = room, ["NewOwner_Account"] = bad }), 100002, "NewOwner_Account");
        RoomEngineCalls.AssertCode(await _api.PostAsync("update_room_member_info", new JsonObject { ["RoomId"] = room, ["MemberInfo"] = new JsonObject { ["Member_Account"] = bad } }), 100002, "Member_Account");
        var other = RoomEngineCalls.Unique("other");
        RoomEngineCalls.AssertCode(await _api.PostAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = other, ["RoomType"] = "Conference", ["Owner_Account"] = "own er" } }), 100002, "Owner_Account");
        Assert.Null(await _api.ReadRoomAsync(other));
    }
}
