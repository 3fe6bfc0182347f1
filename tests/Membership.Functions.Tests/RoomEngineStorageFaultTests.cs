using System.Text.Json.Nodes;
using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>
/// Storage failures under the Room Engine commands, provoked by a proxy between the app and Azurite: 100001 in the
/// envelope, and nothing half-written. Also counts, at the wire, what a 20-member kick sends to storage.
/// </summary>
public sealed class RoomEngineStorageFaultTests(FaultyStorageHost host) : IClassFixture<FaultyStorageHost>
{
    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    [Fact]
    public async Task KickCutInTheMiddleOfItsTransactionIs100001AndLeavesTheRoomAsItWas()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var members = await _api.UsersAsync(RoomEngineCalls.Unique("f"), 20);
        await _api.JoinAllAsync(room, members);
        var before = (await _api.ReadRoomAsync(room))!;

        host.Proxy.CutTransactions = true;
        JsonObject envelope;
        try
        {
            envelope = await _api.PostAsync("kick_user_out", new JsonObject
            {
                ["RoomId"] = room,
                ["MemberList_Account"] = new JsonArray([.. members.Select(m => (JsonNode)RoomEngineCalls.AccountOf(m))]),
                ["Reason"] = "never happens",
            });
        }
        finally
        {
            host.Proxy.CutTransactions = false;
        }

        RoomEngineCalls.AssertCode(envelope, 100001);
        Assert.True(host.Proxy.TransactionsCut >= 1);

        // Nothing of the 41-row transaction reached the table: same head, same members, no new events.
        var after = (await _api.ReadRoomAsync(room))!;
        Assert.Equal(before.Head.Seq, after.Head.Seq);
        Assert.Equal(before.Head.ETag, after.Head.ETag);
        Assert.Equal(21, after.Head.JoinedCount);
        Assert.All(members, m => Assert.Equal("join", after.Members[m.UserId].Membership));
        Assert.Empty(await _api.Get<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), before.Head.Seq + 1, before.Head.Seq + 100));

        // With storage back, the same request succeeds.
        await _api.OkAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. members.Select(m => (JsonNode)RoomEngineCalls.AccountOf(m))]),
            ["Reason"] = "now it happens",
        });
        Assert.Equal(1, (await _api.ReadRoomAsync(room))!.Head.JoinedCount);
    }

    [Fact]
    public async Task StorageDownIs100001ForEveryKindOfCommand()
    {
        var room = await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner"));

        host.Proxy.RefuseAll = true;
        try
        {
            RoomEngineCalls.AssertCode(await _api.PostAsync("get_room_info", new JsonObject { ["RoomId"] = room }), 100001);
            RoomEngineCalls.AssertCode(await _api.PostAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray("a"), ["Reason"] = "x" }), 100001);
            RoomEngineCalls.AssertCode(await _api.PostAsync("create_room", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = RoomEngineCalls.Unique("r"), ["RoomType"] = "Conference" } }), 100001);
            RoomEngineCalls.AssertCode(await _api.PostAsync("get_room_member_list", new JsonObject { ["RoomId"] = room }), 100001);
        }
        finally
        {
            host.Proxy.RefuseAll = false;
        }

        Assert.Equal(room, (string?)(await _api.RoomInfoAsync(room))["RoomId"]);
    }

    [Fact]
    public async Task KickOfTwentySendsOneQueryAndOneTransactionOnTheWire()
    {
        var owner = RoomEngineCalls.Unique("owner");
        var room = await _api.CreateRoomAsync(owner);
        var members = await _api.UsersAsync(RoomEngineCalls.Unique("w"), 20);
        await _api.JoinAllAsync(room, members);
        await _api.SettleIndexAsync([.. members.Select(m => m.UserId), RoomEngineCalls.MatrixUser(owner)]);
        var (requests, transactions) = (host.Proxy.Requests, host.Proxy.Transactions);

        await _api.OkAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. members.Select(m => (JsonNode)RoomEngineCalls.AccountOf(m))]),
            ["Reason"] = "counted",
        });
        await _api.SettleIndexAsync(members.Select(m => m.UserId));

        // Seen by the proxy: 1 transaction, and 1 query + 20 background index upserts besides it.
        Assert.Equal(1, host.Proxy.Transactions - transactions);
        Assert.Equal(1 + 1 + 20, host.Proxy.Requests - requests);
    }
}
