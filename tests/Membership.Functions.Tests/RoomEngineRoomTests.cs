using System.Text.Json.Nodes;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>create_room, get_room_info, update_room_info and destroy_room over HTTP, and what Matrix sees of them.</summary>
public sealed class RoomEngineRoomTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly RoomEngineCalls _api = new(fixture);

    [Fact]
    public async Task CreatedRoomIsAPublicMatrixRoomWithTheOwnerJoinedAtPower100()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = RoomEngineCalls.Unique("room");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await _api.OkAsync("create_room", new JsonObject
        {
            ["RoomInfo"] = new JsonObject
            {
                ["RoomId"] = room,
                ["RoomName"] = "Weekly sync",
                ["RoomType"] = "Conference",
                ["Owner_Account"] = RoomEngineCalls.AccountOf(owner),
                ["MaxMemberCount"] = 300,
                ["IsVideoDisabled"] = true,
                ["IsAudioDisabled"] = false,
                ["IsMessageDisabled"] = true,
                ["IsScreenSharingDisabled"] = false,
                ["IsCloudRecordingDisabled"] = true,
                ["CustomInfo"] = "{\"topic\":\"q3\"}",
                ["IsSeatEnabled"] = true,
                ["MaxSeatCount"] = 16,
                ["TakeSeatMode"] = "ApplyToTake",
            },
        });

        var info = await _api.RoomInfoAsync(room);
        Assert.Equal(room, (string?)info["RoomId"]);
        Assert.Equal("Weekly sync", (string?)info["RoomName"]);
        Assert.Equal("Conference", (string?)info["RoomType"]);
        Assert.Equal(RoomEngineCalls.AccountOf(owner), (string?)info["Owner_Account"]);
        Assert.Equal(300, (int?)info["MaxMemberCount"]);
        Assert.Equal(1, (int?)info["MemberCount"]);
        Assert.InRange((long)info["CreateTime"]!, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("Running", (string?)info["RoomStatus"]);
        Assert.True((bool?)info["IsVideoDisabled"]);
        Assert.False((bool?)info["IsAudioDisabled"]);
        Assert.True((bool?)info["IsMessageDisabled"]);
        Assert.False((bool?)info["IsScreenSharingDisabled"]);
        Assert.True((bool?)info["IsCloudRecordingDisabled"]);
        Assert.Equal("{\"topic\":\"q3\"}", (string?)info["CustomInfo"]);
        Assert.True((bool?)info["IsSeatEnabled"]);
        Assert.Equal(16, (int?)info["MaxSeatCount"]);
        Assert.Equal("ApplyToTake", (string?)info["TakeSeatMode"]);
        Assert.Equal((long)info["CreateTime"]!, (long)info["ScheduleStartTime"]!);
        Assert.Equal((long)info["CreateTime"]! + 3600, (long)info["ScheduleEndTime"]!);

        // Matrix sees the same room: !{RoomId}:{server}, public, the owner joined with power level 100.
        var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(room))}";
        var (status, joinRules) = await _api.MatrixAsync(HttpMethod.Get, $"{path}/state/m.room.join_rules/", owner);
        Assert.Equal(200, status);
        Assert.Equal("public", (string?)joinRules!["join_rule"]);
        var (_, levels) = await _api.MatrixAsync(HttpMethod.Get, $"{path}/state/m.room.power_levels/", owner);
        Assert.Equal(100, (int?)levels!["users"]![owner.UserId]);
        var (_, joined) = await _api.MatrixAsync(HttpMethod.Get, $"{path}/joined_members", owner);
        Assert.Equal([owner.UserId], joined!["joined"]!.AsObject().Select(p => p.Key));

        // Anyone can join a public room.
        var guest = await _api.UserAsync(RoomEngineCalls.Unique("guest"));
        Assert.Equal(200, (await _api.MatrixJoinAsync(guest, room)).Status);
        Assert.Equal(2, (int?)(await _api.RoomInfoAsync(room))["MemberCount"]);
    }

    [Fact]
    public async Task CreateRoomDefaultsTheOwnerToTheAdminAndTheCapTo1000()
    {
        var room = RoomEngineCalls.Unique("room");
        await _api.OkAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomType"] = "Live" } });

        var info = await _api.RoomInfoAsync(room);
        Assert.Equal(ServiceFixture.Admin, (string?)info["Owner_Account"]);
        Assert.Equal(room, (string?)info["RoomName"]);
        Assert.Equal("Live", (string?)info["RoomType"]);
        Assert.Equal(1000, (int?)info["MaxMemberCount"]);
        Assert.False((bool?)info["IsSeatEnabled"]);
        Assert.Equal("None", (string?)info["TakeSeatMode"]);
        Assert.Equal(string.Empty, (string?)info["CustomInfo"]);
    }

    [Fact]
    public async Task CreateRoomWithATakenRoomIdIs100003()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));

        var envelope = await _api.PostAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomType"] = "Conference" } });

        RoomEngineCalls.AssertCode(envelope, 100003, room);
    }

    [Fact]
    public async Task ScheduledRoomIsNotStartedUntilItsStartTime()
    {
        var start = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds();
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"), extra: new JsonObject { ["ScheduleStartTime"] = start, ["ScheduleEndTime"] = start + 1800 });

        var info = await _api.RoomInfoAsync(room);

        Assert.Equal("NotStarted", (string?)info["RoomStatus"]);
        Assert.Equal(start, (long)info["ScheduleStartTime"]!);
        Assert.Equal(start + 1800, (long)info["ScheduleEndTime"]!);
    }

    public static TheoryData<string, string> InvalidCreates => new()
    {
        { """{}""", "RoomInfo" },
        { """{"RoomInfo":"r"}""", "RoomInfo" },
        { """{"RoomInfo":{"RoomType":"Conference"}}""", "RoomInfo.RoomId" },
        { $$$"""{"RoomInfo":{"RoomId":"{{{new string('r', 49)}}}","RoomType":"Conference"}}""", "RoomInfo.RoomId" },
        { """{"RoomInfo":{"RoomId":"r1"}}""", "RoomInfo.RoomType" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Party"}}""", "RoomInfo.RoomType" },
        { $$$"""{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","RoomName":"{{{new string('n', 101)}}}"}}""", "RoomInfo.RoomName" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","MaxMemberCount":0}}""", "RoomInfo.MaxMemberCount" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","MaxMemberCount":"300"}}""", "RoomInfo.MaxMemberCount" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","MaxMemberCount":2.5}}""", "RoomInfo.MaxMemberCount" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","IsVideoDisabled":"yes"}}""", "RoomInfo.IsVideoDisabled" },
        { $$$"""{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","CustomInfo":"{{{new string('c', 501)}}}"}}""", "RoomInfo.CustomInfo" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","TakeSeatMode":"Grab"}}""", "RoomInfo.TakeSeatMode" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","Owner_Account":""}}""", "RoomInfo.Owner_Account" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","ScheduleStartTime":1000,"ScheduleEndTime":1100}}""", "ScheduleEndTime" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference"},"ScheduleInviteeList_Account":["a","a"]}""", "ScheduleInviteeList_Account" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference"},"ScheduleInviteeList_Account":["@a:elsewhere.example"]}""", "ScheduleInviteeList_Account" },
        { """{"RoomInfo":{"RoomId":"r1","RoomType":"Conference","Owner_Account":"@o:elsewhere.example"}}""", "RoomInfo.Owner_Account" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task InvalidCreateRoomIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/create_room?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task MaxMemberCountCountsTheOwnerAndCapsMatrixJoins()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"), maxMembers: 2);
        var (bob, carol) = (await _api.UserAsync(RoomEngineCalls.Unique("bob")), await _api.UserAsync(RoomEngineCalls.Unique("carol")));

        Assert.Equal(200, (await _api.MatrixJoinAsync(bob, room)).Status);
        var (status, body) = await _api.MatrixJoinAsync(carol, room);

        Assert.Equal(403, status);
        Assert.Equal("M_FORBIDDEN", (string?)body!["errcode"]);
        Assert.Contains("full", (string?)body["error"], StringComparison.Ordinal);
        Assert.Equal(2, (int?)(await _api.RoomInfoAsync(room))["MemberCount"]);

        // Raising the cap through update_room_info lets the next join in.
        await _api.OkAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["MaxMemberCount"] = 3 } });
        Assert.Equal(200, (await _api.MatrixJoinAsync(carol, room)).Status);
    }

    [Fact]
    public async Task UpdateRoomInfoChangesOnlyTheGivenFieldsAndRecordsThemInTheLog()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"), extra: new JsonObject { ["CustomInfo"] = "old", ["IsAudioDisabled"] = true });
        var seq = (await _api.ReadRoomAsync(room))!.Head.Seq;

        await _api.OkAsync("update_room_info", new JsonObject
        {
            ["RoomInfo"] = new JsonObject
            {
                ["RoomId"] = room,
                ["RoomName"] = "Renamed",
                ["MaxMemberCount"] = 50,
                ["IsMessageDisabled"] = true,
                ["CustomInfo"] = "new",
                ["TakeSeatMode"] = "FreeToTake",
            },
        });

        var info = await _api.RoomInfoAsync(room);
        Assert.Equal("Renamed", (string?)info["RoomName"]);
        Assert.Equal(50, (int?)info["MaxMemberCount"]);
        Assert.True((bool?)info["IsMessageDisabled"]);
        Assert.True((bool?)info["IsAudioDisabled"]);
        Assert.Equal("new", (string?)info["CustomInfo"]);
        Assert.Equal("FreeToTake", (string?)info["TakeSeatMode"]);

        // The name is a Matrix m.room.name event, the rest an admin-info event; both sent by the admin, in one change.
        var events = await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), seq + 1, seq + 10);
        Assert.Equal(["m.room.name", RoomService.AdminInfoType], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(RoomEngineCalls.AdminUser, e.Sender));

        // The same update again changes nothing and writes nothing.
        await _api.OkAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomName"] = "Renamed", ["CustomInfo"] = "new" } });
        Assert.Equal(seq + 2, (await _api.ReadRoomAsync(room))!.Head.Seq);
    }

    [Fact]
    public async Task UpdateRoomInfoBelowTheMemberCountIs100002()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));
        await _api.JoinAllAsync(room, [await _api.UserAsync(RoomEngineCalls.Unique("a")), await _api.UserAsync(RoomEngineCalls.Unique("b"))]);

        var envelope = await _api.PostAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["MaxMemberCount"] = 2 } });

        RoomEngineCalls.AssertCode(envelope, 100002, "MaxMemberCount");
        Assert.Equal(1000, (int?)(await _api.RoomInfoAsync(room))["MaxMemberCount"]);
    }

    [Theory]
    [InlineData("""{"RoomInfo":{"RoomName":"x"}}""", "RoomInfo.RoomId")]
    [InlineData("""{"RoomId":"r"}""", "RoomInfo")]
    [InlineData("""{"RoomInfo":{"RoomId":"r","CustomInfo":7}}""", "RoomInfo.CustomInfo")]
    [InlineData("""{"RoomInfo":{"RoomId":"r","MaxMemberCount":-1}}""", "RoomInfo.MaxMemberCount")]
    public async Task InvalidUpdateRoomInfoIs100002NamingTheField(string body, string field)
    {
        var envelope = await _api.PostRawAsync($"/v4/room_engine_http_srv/update_room_info?{ServiceFixture.AdminQuery()}", body);

        RoomEngineCalls.AssertCode(envelope, 100002, field);
    }

    [Fact]
    public async Task DestroyedRoomIsMissingOnEverySurfaceAndLeavesARecordInItsLog()
    {
        var owner = await _api.UserAsync(RoomEngineCalls.Unique("owner"));
        var room = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
        var bob = await _api.UserAsync(RoomEngineCalls.Unique("bob"));
        await _api.JoinAllAsync(room, [bob]);
        var seq = (await _api.ReadRoomAsync(room))!.Head.Seq;

        await _api.OkAsync("destroy_room", new JsonObject { ["RoomId"] = room });

        // The log records it (the future webhook outbox) and the head is marked.
        var read = (await _api.ReadRoomAsync(room))!;
        Assert.NotNull(read.Head.DestroyedAt);
        var destroyed = Assert.Single(await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), seq + 1, seq + 10));
        Assert.Equal(RoomService.DestroyedType, destroyed.Type);
        Assert.Equal(RoomEngineCalls.AdminUser, destroyed.Sender);
        Assert.Equal(string.Empty, destroyed.StateKey);

        // Admin surface: 100004 for every command, and the RoomId stays taken.
        foreach (var (command, body) in new (string, JsonObject)[]
        {
            ("get_room_info", new() { ["RoomId"] = room }),
            ("destroy_room", new() { ["RoomId"] = room }),
            ("kick_user_out", new() { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray(RoomEngineCalls.AccountOf(bob)), ["Reason"] = "x" }),
            ("get_room_member_list", new() { ["RoomId"] = room }),
            ("update_room_info", new() { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomName"] = "x" } }),
            ("ban_room_member", new() { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray("x"), ["Reason"] = "x", ["Duration"] = 5 }),
            ("get_banned_member_list", new() { ["RoomId"] = room }),
        })
        {
            RoomEngineCalls.AssertCode(await _api.PostAsync(command, body), 100004, room);
        }

        RoomEngineCalls.AssertCode(await _api.PostAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomType"] = "Conference" } }), 100003);

        // Matrix: the room is not found, and it drops out of the members' joined rooms.
        var (status, error) = await _api.MatrixJoinAsync(await _api.UserAsync(RoomEngineCalls.Unique("late")), room);
        Assert.Equal(404, status);
        Assert.Equal("M_NOT_FOUND", (string?)error!["errcode"]);
        var (_, joined) = await _api.MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", bob);
        Assert.DoesNotContain(RoomEngineCalls.MatrixRoom(room), joined!["joined_rooms"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public async Task RoomMadeThroughMatrixIsAddressedByTheOpaquePartOfItsId()
    {
        var alice = await _api.UserAsync(RoomEngineCalls.Unique("alice"));
        var (_, created) = await _api.MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "From Matrix" });
        var roomId = (string)created!["room_id"]!;
        var opaque = roomId[1..roomId.IndexOf(':', StringComparison.Ordinal)];

        var info = await _api.RoomInfoAsync(opaque);

        Assert.Equal(opaque, (string?)info["RoomId"]);
        Assert.Equal("From Matrix", (string?)info["RoomName"]);
        Assert.Equal(RoomEngineCalls.AccountOf(alice), (string?)info["Owner_Account"]);
        Assert.Equal(1, (int?)info["MemberCount"]);
        Assert.Equal("Running", (string?)info["RoomStatus"]);
    }

    [Fact]
    public async Task GetRoomInfoOfAMissingRoomIs100004()
    {
        RoomEngineCalls.AssertCode(await _api.PostAsync("get_room_info", new JsonObject { ["RoomId"] = "never-created" }), 100004, "never-created");
        RoomEngineCalls.AssertCode(await _api.PostAsync("destroy_room", new JsonObject { ["RoomId"] = "never-created" }), 100004);
        RoomEngineCalls.AssertCode(await _api.PostAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = "never-created" } }), 100004);
    }
}
