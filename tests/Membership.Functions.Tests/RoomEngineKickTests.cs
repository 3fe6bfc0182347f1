using System.Text.Json.Nodes;
using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>kick_user_out over HTTP against Azurite: all or nothing, one transaction, visible to Matrix clients.</summary>
public sealed class RoomEngineKickTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    [Fact]
    public async Task KickOfTwentyMembersIsOneTransactionAndTwoRoundTrips()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var members = await _api.UsersAsync(RoomEngineCalls.Unique("k"), 20);
        await _api.JoinAllAsync(room, members);
        var seqBefore = (await _api.ReadRoomAsync(room))!.Head.Seq;

        // Setup done; let its background index writes finish so only the kick is counted.
        await _api.SettleIndexAsync([.. members.Select(m => m.UserId), RoomEngineCalls.MatrixUser(owner)]);
        var metrics = _api.Get<StorageMetrics>();
        var (requestsBefore, conflictsBefore) = (metrics.Requests, metrics.Conflicts);

        await _api.OkAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. members.Select(m => (JsonNode)RoomEngineCalls.AccountOf(m))]),
            ["Reason"] = "meeting over",
        });

        // The request path makes exactly two storage round trips: one partition query (the head and the member rows)
        // and one entity-group transaction (head + 20 member rows + 20 events = 41 operations). After the commit the
        // per-user index (/joined_rooms) is written in the background, one upsert per kicked user, off the request
        // path. StorageMetrics counts every request, so wait for those 20 writes and count them separately.
        await _api.SettleIndexAsync(members.Select(m => m.UserId));
        const int requestPath = 2;
        const int indexWrites = 20;
        Assert.Equal(requestPath + indexWrites, metrics.Requests - requestsBefore);
        Assert.Equal(conflictsBefore, metrics.Conflicts);

        // One change in the log: 20 leave events, one sequence each, all of the same change.
        var events = await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), seqBefore + 1, seqBefore + 100);
        Assert.Equal(20, events.Count);
        Assert.All(events, e => Assert.Equal(seqBefore + 1, e.ChangeSeq));
        Assert.All(events, e => Assert.Equal(RoomEngineCalls.AdminUser, e.Sender));
        Assert.All(events, e => Assert.Equal("kick_user_out", e.Action));

        var read = (await _api.ReadRoomAsync(room))!;
        Assert.All(members, m => Assert.Equal("leave", read.Members[m.UserId].Membership));
        Assert.Equal(1, read.Head.JoinedCount);
        Assert.Equal([owner], (await _api.MemberListAsync(room)).Select(m => (string)m["Member_Account"]!));
    }

    [Fact]
    public async Task KickWithOneNonMemberIs100005AndKicksNobody()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var members = await _api.UsersAsync(RoomEngineCalls.Unique("m"), 19);
        await _api.JoinAllAsync(room, members);
        var stranger = RoomEngineCalls.Unique("stranger");
        var seqBefore = (await _api.ReadRoomAsync(room))!.Head.Seq;

        var accounts = members.Select(RoomEngineCalls.AccountOf).ToList();
        accounts.Insert(10, stranger);
        var envelope = await _api.PostAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. accounts.Select(a => (JsonNode)a)]),
            ["Reason"] = "cleanup",
        });

        RoomEngineCalls.AssertCode(envelope, 100005, stranger, room);
        Assert.DoesNotContain(accounts[0], (string?)envelope["ErrorInfo"], StringComparison.Ordinal);
        var read = (await _api.ReadRoomAsync(room))!;
        Assert.Equal(seqBefore, read.Head.Seq);
        Assert.All(members, m => Assert.Equal("join", read.Members[m.UserId].Membership));
        Assert.Equal(20, (await _api.MemberListAsync(room)).Count);
    }

    [Fact]
    public async Task KickOfABannedOrDepartedUserIs100005NamingThem()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var (stays, banned, left) = (await _api.UserAsync(RoomEngineCalls.Unique("s")), await _api.UserAsync(RoomEngineCalls.Unique("b")), await _api.UserAsync(RoomEngineCalls.Unique("l")));
        await _api.JoinAllAsync(room, [stays, banned, left]);
        await _api.OkAsync("ban_room_member", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(banned)), ["Reason"] = "spam", ["Duration"] = 600 });
        var (status, _) = await _api.MatrixAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}/leave", left);
        Assert.Equal(200, status);

        var envelope = await _api.PostAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(stays), RoomEngineCalls.AccountOf(banned), RoomEngineCalls.AccountOf(left)),
            ["Reason"] = "x",
        });

        RoomEngineCalls.AssertCode(envelope, 100005, RoomEngineCalls.AccountOf(banned), RoomEngineCalls.AccountOf(left));
        Assert.Equal("join", (await _api.ReadRoomAsync(room))!.Members[stays.UserId].Membership);
    }

    [Fact]
    public async Task TencentKickShowsInMatrixMembersAsLeaveWithReasonAndAdminSender()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);

        // Signed with Tencent's own npm package, as an operator's script would be.
        var query = ServiceFixture.AdminQuery(userSig: await TencentUserSig.AdminAsync());
        await _api.OkAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob)), ["Reason"] = "you are kicked because of irregularities" }, query);

        var members = await _api.MatrixMembersAsync(owner, room);
        var kicked = members[bob.UserId];
        Assert.Equal("leave", (string?)kicked["content"]!["membership"]);
        Assert.Equal("you are kicked because of irregularities", (string?)kicked["content"]!["reason"]);
        Assert.Equal(RoomEngineCalls.AdminUser, (string?)kicked["sender"]);
        Assert.Equal("join", (string?)members[owner.UserId]["content"]!["membership"]);

        // The kicked user's own view and /joined_rooms agree.
        var (_, joined) = await _api.MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", bob);
        Assert.DoesNotContain(RoomEngineCalls.MatrixRoom(room), joined!["joined_rooms"]!.AsArray().Select(r => (string?)r));

        // A kick does not bar re-entry.
        Assert.Equal(200, (await _api.MatrixJoinAsync(bob, room)).Status);
    }

    [Fact]
    public async Task KickRemovesInvitedUsersToo()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var invitee = RoomEngineCalls.Unique("inv");
        var roomId = RoomEngineCalls.Unique("room");
        await _api.OkAsync("create_room", new JsonObject
        {
            ["RoomInfo"] = new JsonObject { ["RoomId"] = roomId, ["RoomType"] = "Conference", ["Owner_Account"] = owner },
            ["ScheduleInviteeList_Account"] = new JsonArray(invitee),
        });
        Assert.Equal("invite", (await _api.ReadRoomAsync(roomId))!.Members[RoomEngineCalls.MatrixUser(invitee)].Membership);

        await _api.OkAsync("kick_user_out", new JsonObject { ["RoomId"] = roomId, ["MemberList_Account"] = new JsonArray(invitee), ["Reason"] = "uninvited" });

        Assert.Equal("leave", (await _api.ReadRoomAsync(roomId))!.Members[RoomEngineCalls.MatrixUser(invitee)].Membership);
    }

    [Fact]
    public async Task RepeatedKickIsANoOpSuccess()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        var body = new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob)), ["Reason"] = "retry me" };
        await _api.OkAsync("kick_user_out", body);
        var seq = (await _api.ReadRoomAsync(room))!.Head.Seq;

        // A retry whose first response was lost: same admin, same reason, nothing new written.
        await _api.OkAsync("kick_user_out", body);

        Assert.Equal(seq, (await _api.ReadRoomAsync(room))!.Head.Seq);
    }

    [Fact]
    public async Task KickInAMissingRoomIs100004()
    {
        var envelope = await _api.PostAsync("kick_user_out", new JsonObject { ["RoomId"] = "no-such-room", ["MemberList_Account"] = new JsonArray("bob"), ["Reason"] = "x" });

        RoomEngineCalls.AssertCode(envelope, 100004, "no-such-room");
    }

    public static TheoryData<string, string> InvalidKicks => new()
    {
        { """{"MemberList_Account":["bob"],"Reason":"x"}""", "RoomId" },
        { """{"RoomId":"","MemberList_Account":["bob"],"Reason":"x"}""", "RoomId" },
        { """{"RoomId":7,"MemberList_Account":["bob"],"Reason":"x"}""", "RoomId" },
        { $$"""{"RoomId":"{{new string('r', 49)}}","MemberList_Account":["bob"],"Reason":"x"}""", "RoomId" },
        { """{"RoomId":"a:b","MemberList_Account":["bob"],"Reason":"x"}""", "RoomId" },
        { """{"RoomId":"r","Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":[],"Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":"bob","Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["bob","bob"],"Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["bob",""],"Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["bob",3],"Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["bob:evil"],"Reason":"x"}""", "MemberList_Account" },
        { $$"""{"RoomId":"r","MemberList_Account":[{{string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"u{i}\""))}}],"Reason":"x"}""", "MemberList_Account" },
        { """{"RoomId":"r","MemberList_Account":["bob"]}""", "Reason" },
        { """{"RoomId":"r","MemberList_Account":["bob"],"Reason":null}""", "Reason" },
        { """{"RoomId":"r","MemberList_Account":["bob"],"Reason":["x"]}""", "Reason" },
        { $$"""{"RoomId":"r","MemberList_Account":["bob"],"Reason":"{{new string('x', 1001)}}"}""", "Reason" },
        { $$"""{"RoomId":"r","MemberList_Account":["bob"],"Reason":"{{string.Concat(Enumerable.Repeat("é", 501))}}"}""", "Reason" },
    };

    [Theory]
    [MemberData(nameof(InvalidKicks))]
    public async Task InvalidKickIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/kick_user_out?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task TwentyAccountsAndAThousandByteReasonAreAccepted()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var users = await _api.UsersAsync(RoomEngineCalls.Unique("t"), 20);
        await _api.JoinAllAsync(room, users);

        await _api.OkAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. users.Select(u => (JsonNode)u.UserId)]), // full Matrix IDs are accounts too
            ["Reason"] = string.Concat(Enumerable.Repeat("é", 500)),
        });

        Assert.Equal(1, (await _api.ReadRoomAsync(room))!.Head.JoinedCount);
    }
}
