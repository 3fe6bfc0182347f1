using System.Text.Json.Nodes;
using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>ban_room_member, unban_room_member and get_banned_member_list over HTTP, and their effect on Matrix joins.</summary>
public sealed class RoomEngineBanTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    private static JsonObject Ban(string room, int duration, params string[] accounts) => new()
    {
        ["RoomId"] = room,
        ["MemberList_Account"] = new JsonArray([.. accounts.Select(a => (JsonNode)a)]),
        ["Reason"] = "spam",
        ["Duration"] = duration,
    };

    [Fact]
    public async Task TencentBanBlocksMatrixJoinUntilTheDurationPasses()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);

        await _api.OkAsync("ban_room_member", Ban(room, 2, RoomEngineCalls.AccountOf(bob)));
        var bannedAt = DateTimeOffset.UtcNow;

        // Removed from the room, as Matrix sees it: a ban with the reason, sent by the admin.
        var member = (await _api.MatrixMembersAsync(owner, room))[bob.UserId];
        Assert.Equal("ban", (string?)member["content"]!["membership"]);
        Assert.Equal("spam", (string?)member["content"]!["reason"]);
        Assert.Equal(RoomEngineCalls.AdminUser, (string?)member["sender"]);
        var listed = Assert.Single((await BannedAsync(room)).AsArray());
        Assert.Equal(RoomEngineCalls.AccountOf(bob), (string?)listed!["Member_Account"]);
        Assert.InRange((long)listed["BannedUntil"]!, bannedAt.ToUnixTimeSeconds() + 1, bannedAt.ToUnixTimeSeconds() + 3);

        var (status, error) = await _api.MatrixJoinAsync(bob, room);
        Assert.Equal(403, status);
        Assert.Equal("M_BAD_STATE", (string?)error!["errcode"]); // banned: only an unban (or the ban's end) lifts it

        // The ban ends by itself: no longer listed, and the user may join again.
        var wait = bannedAt.AddSeconds(2.5) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Empty((await BannedAsync(room)).AsArray());
        Assert.Equal(200, (await _api.MatrixJoinAsync(bob, room)).Status);

        // The log tells it: the unban ("ban expired") comes before the join.
        var events = await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), 1, 100);
        Assert.Equal(["ban_room_member", "ban_expired", "join"], events.Where(e => e.StateKey == bob.UserId).Skip(1).Select(e => e.Action));
    }

    [Fact]
    public async Task UnbanLetsAMatrixJoinInBeforeTheDurationPasses()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        await _api.OkAsync("ban_room_member", Ban(room, 3600, RoomEngineCalls.AccountOf(bob)));
        Assert.Equal(403, (await _api.MatrixJoinAsync(bob, room)).Status);

        await _api.OkAsync("unban_room_member", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob)) });

        Assert.Empty((await BannedAsync(room)).AsArray());
        Assert.Equal(200, (await _api.MatrixJoinAsync(bob, room)).Status);

        // Unbanning someone who is not banned needs nothing: success, nothing written.
        var seq = (await _api.ReadRoomAsync(room))!.Head.Seq;
        await _api.OkAsync("unban_room_member", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob), "never-banned") });
        Assert.Equal(seq, (await _api.ReadRoomAsync(room))!.Head.Seq);
    }

    [Fact]
    public async Task BanOfTwentyIsOneChangeAndReachesNonMembersToo()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var members = await _api.UsersAsync(RoomEngineCalls.Unique("bm"), 15);
        await _api.JoinAllAsync(room, members);
        var outsiders = Enumerable.Range(0, 5).Select(i => RoomEngineCalls.Unique("out")).ToList();
        var seq = (await _api.ReadRoomAsync(room))!.Head.Seq;

        await _api.OkAsync("ban_room_member", Ban(room, 600, [.. members.Select(RoomEngineCalls.AccountOf), .. outsiders]));

        var events = await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), seq + 1, seq + 100);
        Assert.Equal(20, events.Count);
        Assert.All(events, e => Assert.Equal(seq + 1, e.ChangeSeq));
        Assert.Equal(1, (await _api.ReadRoomAsync(room))!.Head.JoinedCount);
        Assert.Equal(20, (await BannedAsync(room, 100)).AsArray().Count);
    }

    /// <summary>Tencent's sample sends <c>"Offset": 0</c> and loops until NextOffset is 0; its field table names the cursor <c>Next</c>, a string.</summary>
    [Theory]
    [InlineData("Offset", false)]
    [InlineData("Next", false)]
    [InlineData("Next", true)]
    public async Task BannedListPagesByOffsetUntilNextOffsetIsZeroAndLeavesOutBansThatRanOut(string field, bool asString)
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var prefix = RoomEngineCalls.Unique("bl");
        var longBans = Enumerable.Range(0, 5).Select(i => $"{prefix}{i}").ToList();
        await _api.OkAsync("ban_room_member", Ban(room, 600, [.. longBans]));
        await _api.OkAsync("ban_room_member", Ban(room, 1, $"{prefix}2a", $"{prefix}4a"));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var seen = new List<string>();
        var offset = 0;
        var pages = 0;
        do
        {
            var body = new JsonObject { ["RoomId"] = room, ["Limit"] = 2, [field] = asString ? offset.ToString(System.Globalization.CultureInfo.InvariantCulture) : offset };
            var response = (await _api.OkAsync("get_banned_member_list", body))["Response"]!;
            var list = response["BannedAccountList"]!.AsArray();
            Assert.InRange(list.Count, 1, 2);
            seen.AddRange(list.Select(b => (string)b!["Member_Account"]!));
            Assert.All(list, b => Assert.True((long)b!["BannedUntil"]! > DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Assert.Equal(System.Text.Json.JsonValueKind.Number, response["NextOffset"]!.GetValueKind());
            offset = (int)response["NextOffset"]!;
            pages++;
        }
        while (offset != 0);

        Assert.Equal(longBans, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task MatrixBanIsListedWithoutAnEnd()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var carol = await _api.UserAsync(RoomEngineCalls.Unique("carol"));
        var (status, _) = await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/ban", owner, new JsonObject { ["user_id"] = carol.UserId, ["reason"] = "troll" });
        Assert.Equal(200, status);

        var entry = Assert.Single((await BannedAsync(room)).AsArray())!;

        Assert.Equal(RoomEngineCalls.AccountOf(carol), (string?)entry["Member_Account"]);
        Assert.Equal(0, (long)entry["BannedUntil"]!);
    }

    public static TheoryData<string, string> InvalidBans => new()
    {
        { """{"RoomId":"r","MemberList_Account":["a"],"Reason":"x"}""", "Duration" },
        { """{"RoomId":"r","MemberList_Account":["a"],"Reason":"x","Duration":0}""", "Duration" },
        { """{"RoomId":"r","MemberList_Account":["a"],"Reason":"x","Duration":"60"}""", "Duration" },
        { """{"RoomId":"r","MemberList_Account":["a"],"Reason":"x","Duration":1.5}""", "Duration" },
        { """{"RoomId":"r","MemberList_Account":["a"],"Duration":60}""", "Reason" },
        { $$"""{"RoomId":"r","MemberList_Account":["a"],"Reason":"{{new string('x', 1001)}}","Duration":60}""", "Reason" },
        { $$"""{"RoomId":"r","MemberList_Account":[{{string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"u{i}\""))}}],"Reason":"x","Duration":60}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["a","a"],"Reason":"x","Duration":60}""", "MemberList_Account" },
        { """{"MemberList_Account":["a"],"Reason":"x","Duration":60}""", "RoomId" },
    };

    [Theory]
    [MemberData(nameof(InvalidBans))]
    public async Task InvalidBanIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/ban_room_member?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Theory]
    [InlineData("unban_room_member", """{"RoomId":"r","MemberList_Account":[]}""", "MemberList_Account")]
    [InlineData("unban_room_member", """{"RoomId":"r"}""", "MemberList_Account")]
    [InlineData("get_banned_member_list", """{"RoomId":"r","Limit":101}""", "Limit")]
    [InlineData("get_banned_member_list", """{"RoomId":"r","Limit":0}""", "Limit")]
    [InlineData("get_banned_member_list", """{"RoomId":"r","Next":"%%"}""", "Next")]
    [InlineData("get_banned_member_list", """{"RoomId":"r","Next":-1}""", "Next")]
    [InlineData("get_banned_member_list", """{"RoomId":"r","Offset":-1}""", "Offset")]
    public async Task InvalidUnbanOrListIs100002NamingTheField(string command, string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/{command}?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task UnbanInAMissingRoomIs100004()
    {
        RoomEngineCalls.AssertCode(await _api.PostAsync("unban_room_member", new JsonObject { ["RoomId"] = "no-room", ["MemberList_Account"] = new JsonArray("a") }), 100004, "no-room");
    }

    private async Task<JsonNode> BannedAsync(string room, int limit = 20) =>
        (await _api.OkAsync("get_banned_member_list", new JsonObject { ["RoomId"] = room, ["Limit"] = limit }))["Response"]!["BannedAccountList"]!;
}
