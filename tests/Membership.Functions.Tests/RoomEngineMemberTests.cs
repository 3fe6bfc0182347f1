using System.Text.Json.Nodes;

namespace Membership.Functions.Tests;

/// <summary>get_room_member_list, update_room_member_info and change_room_owner over HTTP, across both surfaces.</summary>
public sealed class RoomEngineMemberTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    [Fact]
    public async Task MatrixJoinShowsInTheMemberListWithRoles()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));

        var (status, _) = await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}", bob, new JsonObject());
        Assert.Equal(200, status);

        var members = (await _api.MemberListAsync(room)).ToDictionary(m => (string)m["Member_Account"]!);
        Assert.Equal(2, members.Count);
        Assert.Equal("Owner", (string?)members[owner]["Role"]);
        var joined = members[RoomEngineCalls.AccountOf(bob)];
        Assert.Equal("Member", (string?)joined["Role"]);
        Assert.Equal(string.Empty, (string?)joined["NameCard"]);
        Assert.Equal(string.Empty, (string?)joined["CustomInfo"]);
        Assert.Empty(joined["Marks"]!.AsArray());
    }

    [Fact]
    public async Task MemberListPagesByCursorAndStaysStableWhileMembersChange()
    {
        var prefix = RoomEngineCalls.Unique("p");
        var room = await _api.CreateRoomAsync($"{prefix}00owner");
        var users = await _api.UsersAsync(prefix, 8); // {prefix}00..07; pages follow row keys, here the accounts' order
        await _api.JoinAllAsync(room, users);
        var all = (await _api.MemberListAsync(room)).Select(m => (string)m["Member_Account"]!).ToList();
        Assert.Equal(9, all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);

        // First page of 3, then members change: one already listed leaves, one listed later leaves, a newcomer joins.
        var first = (await _api.OkAsync("get_room_member_list", new JsonObject { ["RoomId"] = room, ["Count"] = 3, ["Next"] = "" }))["Response"]!;
        var page1 = first["MemberList"]!.AsArray().Select(m => (string)m!["Member_Account"]!).ToList();
        Assert.Equal(all.Take(3), page1);
        var next = (string)first["Next"]!;
        Assert.NotEmpty(next);

        var leaverSeen = users.Single(u => RoomEngineCalls.AccountOf(u) == page1[0]);
        var leaverUnseen = users.Single(u => RoomEngineCalls.AccountOf(u) == all[6]);
        foreach (var leaver in new[] { leaverSeen, leaverUnseen })
        {
            var (status, _) = await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/leave", leaver);
            Assert.Equal(200, status);
        }

        var newcomer = await _api.UserAsync($"{prefix}05a"); // sorts between two not yet listed
        await _api.JoinAllAsync(room, [newcomer]);

        var rest = new List<string>();
        while (next.Length > 0)
        {
            var response = (await _api.OkAsync("get_room_member_list", new JsonObject { ["RoomId"] = room, ["Count"] = 3, ["Next"] = next }))["Response"]!;
            rest.AddRange(response["MemberList"]!.AsArray().Select(m => (string)m!["Member_Account"]!));
            next = (string)response["Next"]!;
        }

        // Everyone present throughout appears exactly once; the one who left unseen is gone; the newcomer is there.
        var expected = all.Skip(3).Where(a => a != all[6]).Append(RoomEngineCalls.AccountOf(newcomer)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, rest);
    }

    [Fact]
    public async Task MemberListReturnsFiftyByDefault()
    {
        var prefix = RoomEngineCalls.Unique("d");
        var room = await _api.CreateRoomAsync($"{prefix}owner");
        await _api.JoinAllAsync(room, await _api.UsersAsync(prefix, 51));

        var response = (await _api.OkAsync("get_room_member_list", new JsonObject { ["RoomId"] = room }))["Response"]!;

        Assert.Equal(50, response["MemberList"]!.AsArray().Count);
        var last = (await _api.OkAsync("get_room_member_list", new JsonObject { ["RoomId"] = room, ["Next"] = response["Next"]!.DeepClone() }))["Response"]!;
        Assert.Equal(2, last["MemberList"]!.AsArray().Count);
        Assert.Equal(string.Empty, (string?)last["Next"]);
    }

    [Theory]
    [InlineData("""{"RoomId":"r","Count":0}""", "Count")]
    [InlineData("""{"RoomId":"r","Count":101}""", "Count")]
    [InlineData("""{"RoomId":"r","Count":"5"}""", "Count")]
    [InlineData("""{"RoomId":"r","Next":"not a cursor!"}""", "Next")]
    [InlineData("""{"RoomId":"r","Next":"Zm9v"}""", "Next")]
    [InlineData("""{"RoomId":"r","Next":5}""", "Next")]
    [InlineData("""{"Count":5}""", "RoomId")]
    public async Task InvalidMemberListRequestIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/get_room_member_list?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task UpdateRoomMemberInfoSetsRoleAsPowerLevelAndKeepsNameCardAndCustomInfo()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        var account = RoomEngineCalls.AccountOf(bob);

        await _api.OkAsync("update_room_member_info", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberInfo"] = new JsonObject { ["Member_Account"] = account, ["Role"] = "Admin", ["NameCard"] = "Bob (host)", ["CustomInfo"] = "desk 4" },
        });

        var member = (await _api.MemberListAsync(room)).Single(m => (string?)m["Member_Account"] == account);
        Assert.Equal("Admin", (string?)member["Role"]);
        Assert.Equal("Bob (host)", (string?)member["NameCard"]);
        Assert.Equal("desk 4", (string?)member["CustomInfo"]);
        var levelsPath = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/state/m.room.power_levels/";
        var (_, levels) = await _api.MatrixAsync(HttpMethod.Get, levelsPath, owner);
        Assert.Equal(50, (int?)levels!["users"]![bob.UserId]);

        // Back to Member: power level 0 (the default, so the entry goes); the NameCard stays.
        await _api.OkAsync("update_room_member_info", new JsonObject { ["RoomId"] = room, ["MemberInfo"] = new JsonObject { ["Member_Account"] = account, ["Role"] = "Member" } });
        (_, levels) = await _api.MatrixAsync(HttpMethod.Get, levelsPath, owner);
        Assert.Null(levels!["users"]![bob.UserId]);
        member = (await _api.MemberListAsync(room)).Single(m => (string?)m["Member_Account"] == account);
        Assert.Equal("Member", (string?)member["Role"]);
        Assert.Equal("Bob (host)", (string?)member["NameCard"]);
    }

    [Fact]
    public async Task UpdateRoomMemberInfoOfANonMemberIs100005AndOfTheOwnersRoleIs100002()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);

        var stranger = RoomEngineCalls.Unique("stranger");
        RoomEngineCalls.AssertCode(
            await _api.PostAsync("update_room_member_info", new JsonObject { ["RoomId"] = room, ["MemberInfo"] = new JsonObject { ["Member_Account"] = stranger, ["NameCard"] = "x" } }),
            100005,
            stranger);
        RoomEngineCalls.AssertCode(
            await _api.PostAsync("update_room_member_info", new JsonObject { ["RoomId"] = room, ["MemberInfo"] = new JsonObject { ["Member_Account"] = owner, ["Role"] = "Member" } }),
            100002,
            "change_room_owner");
        RoomEngineCalls.AssertCode(
            await _api.PostAsync("update_room_member_info", new JsonObject { ["RoomId"] = "no-room", ["MemberInfo"] = new JsonObject { ["Member_Account"] = owner, ["NameCard"] = "x" } }),
            100004);
    }

    [Theory]
    [InlineData("""{"RoomId":"r"}""", "MemberInfo")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"NameCard":"x"}}""", "MemberInfo.Member_Account")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"Member_Account":"a","NameCard":"123456789012345678901234567890123"}}""", "MemberInfo.NameCard")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"Member_Account":"a","NameCard":"ééééééééééééééééé"}}""", "MemberInfo.NameCard")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"Member_Account":"a","CustomInfo":"1234567890123456789012345678901234567890123456789012345678901"}}""", "MemberInfo.CustomInfo")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"Member_Account":"a","Role":"Owner"}}""", "MemberInfo.Role")]
    [InlineData("""{"RoomId":"r","MemberInfo":{"Member_Account":"a","Role":1}}""", "MemberInfo.Role")]
    public async Task InvalidUpdateRoomMemberInfoIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/update_room_member_info?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task ChangeRoomOwnerMovesPowerLevel100ToAJoinedMember()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);

        await _api.OkAsync("change_room_owner", new JsonObject { ["RoomId"] = room, ["From_Account"] = RoomEngineCalls.AccountOf(owner), ["NewOwner_Account"] = RoomEngineCalls.AccountOf(bob) });

        Assert.Equal(RoomEngineCalls.AccountOf(bob), (string?)(await _api.RoomInfoAsync(room))["Owner_Account"]);
        var roles = (await _api.MemberListAsync(room)).ToDictionary(m => (string)m["Member_Account"]!, m => (string)m["Role"]!);
        Assert.Equal("Owner", roles[RoomEngineCalls.AccountOf(bob)]);
        Assert.Equal("Member", roles[RoomEngineCalls.AccountOf(owner)]);
        var (_, levels) = await _api.MatrixAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/state/m.room.power_levels/", bob);
        Assert.Equal(100, (int?)levels!["users"]![bob.UserId]);
        Assert.Null(levels["users"]![owner.UserId]);

        // The previous owner no longer is one.
        RoomEngineCalls.AssertCode(
            await _api.PostAsync("change_room_owner", new JsonObject { ["RoomId"] = room, ["From_Account"] = RoomEngineCalls.AccountOf(owner), ["NewOwner_Account"] = RoomEngineCalls.AccountOf(owner) }),
            100002,
            "From_Account");
    }

    [Fact]
    public async Task ChangeRoomOwnerToANonMemberIs100005()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        var stranger = RoomEngineCalls.Unique("stranger");

        RoomEngineCalls.AssertCode(await _api.PostAsync("change_room_owner", new JsonObject { ["RoomId"] = room, ["NewOwner_Account"] = stranger }), 100005, stranger);
        RoomEngineCalls.AssertCode(await _api.PostAsync("change_room_owner", new JsonObject { ["RoomId"] = room }), 100002, "NewOwner_Account");
        RoomEngineCalls.AssertCode(await _api.PostAsync("change_room_owner", new JsonObject { ["RoomId"] = "no-room", ["NewOwner_Account"] = stranger }), 100004);
    }
}

/// <summary>mark_room_member over HTTP: numeric tags on members, shown in get_room_member_list, with Tencent's limits.</summary>
public sealed class RoomEngineMarkTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    [Fact]
    public async Task MarksAreSetAndRemovedAndShowInTheMemberList()
    {
        var (room, owner, bob) = await RoomWithMemberAsync();

        RoomEngineCalls.AssertOk(await Mark(room, 1, (owner, [1000, 1001]), (bob, [1001])));
        var members = await MarksAsync(room);
        Assert.Equal([1000, 1001], members[owner]);
        Assert.Equal([1001], members[bob]);

        // Setting what is there is no change; removing takes only what is named.
        RoomEngineCalls.AssertOk(await Mark(room, 1, (bob, [1001])));
        RoomEngineCalls.AssertOk(await Mark(room, 2, (owner, [1000])));
        members = await MarksAsync(room);
        Assert.Equal([1001], members[owner]);
        Assert.Equal([1001], members[bob]);
    }

    [Fact]
    public async Task ARoomHoldsAtMostTenDistinctTagsAndARefusalChangesNothing()
    {
        var (room, owner, bob) = await RoomWithMemberAsync();
        foreach (var first in new long[] { 2000, 2003, 2006 })
        {
            RoomEngineCalls.AssertOk(await Mark(room, 1, (owner, [first, first + 1, first + 2])));
        }

        RoomEngineCalls.AssertOk(await Mark(room, 1, (bob, [2009])));
        RoomEngineCalls.AssertCode(await Mark(room, 1, (bob, [2010])), 100002, "10 distinct tags");
        Assert.Equal(new long[] { 2009 }, (await MarksAsync(room))[bob]);

        // Freeing a tag makes room for another.
        RoomEngineCalls.AssertOk(await Mark(room, 2, (bob, [2009])));
        RoomEngineCalls.AssertOk(await Mark(room, 1, (bob, [2010])));
        Assert.Equal(new long[] { 2010 }, (await MarksAsync(room))[bob]);
    }

    [Fact]
    public async Task MarkingANonMemberIs100005AndMarksNobody()
    {
        var (room, owner, _) = await RoomWithMemberAsync();
        var stranger = RoomEngineCalls.Unique("stranger");

        RoomEngineCalls.AssertCode(await Mark(room, 1, (owner, [1000]), (stranger, [1000])), 100005, stranger);
        Assert.Empty((await MarksAsync(room))[owner]);
    }

    [Theory]
    [InlineData("""{"RoomId":"ROOM","CommandType":3,"MemberList":[{"Member_Account":"OWNER","Marks":[1000]}]}""", "CommandType")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Member_Account":"OWNER","Marks":[999]}]}""", "Marks")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Member_Account":"OWNER","Marks":[1000,1001,1002,1003]}]}""", "Marks")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Member_Account":"OWNER","Marks":[1000,1001]},{"Member_Account":"BOB","Marks":[1002,1003]}]}""", "distinct tags")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[]}""", "MemberList")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Marks":[1000]}]}""", "MemberList[0].Member_Account")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Member_Account":"OWNER","Marks":["1000"]}]}""", "Marks")]
    [InlineData("""{"RoomId":"ROOM","CommandType":1,"MemberList":[{"Member_Account":"OWNER","Marks":[1000]},{"Member_Account":"OWNER","Marks":[1001]}]}""", "twice")]
    public async Task InvalidMarkRequestsAre100002NamingTheProblem(string body, string mention)
    {
        var (room, owner, bob) = await RoomWithMemberAsync();
        var envelope = await _api.PostRawAsync(
            $"/v4/room_engine_http_srv/mark_room_member?{ServiceFixture.AdminQuery()}",
            body.Replace("ROOM", room, StringComparison.Ordinal).Replace("OWNER", owner, StringComparison.Ordinal).Replace("BOB", bob, StringComparison.Ordinal));

        RoomEngineCalls.AssertCode(envelope, 100002, mention);
        Assert.All((await MarksAsync(room)).Values, marks => Assert.Empty(marks));
    }

    private async Task<(string Room, string Owner, string Bob)> RoomWithMemberAsync()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        return (room, owner, RoomEngineCalls.AccountOf(bob));
    }

    private Task<JsonObject> Mark(string room, int command, params (string Account, long[] Marks)[] members) =>
        _api.PostAsync("mark_room_member", new JsonObject
        {
            ["RoomId"] = room,
            ["CommandType"] = command,
            ["MemberList"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["Member_Account"] = m.Account, ["Marks"] = new JsonArray([.. m.Marks.Select(t => (JsonNode)t)]) })]),
        });

    private async Task<Dictionary<string, long[]>> MarksAsync(string room) =>
        (await _api.MemberListAsync(room)).ToDictionary(m => (string)m["Member_Account"]!, m => m["Marks"]!.AsArray().Select(t => (long)t!).ToArray());
}
