using System.Globalization;
using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Service.Webhooks;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// Which changes fire which callback, with what payload and query, checked at a real HTTP receiver on loopback. Changes
/// come from both surfaces (Matrix client-server and the admin API); each test has its own tables and receiver.
/// </summary>
public sealed class WebhookCallbackTests(Azurite storage) : IClassFixture<Azurite>
{
    private const string Server = RoomEngineCalls.Server;

    [Fact]
    public async Task EachMembershipChangeFiresOneSignedCallbackWithTheTencentPayload()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url);
        var api = app.Api;
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var room = RoomEngineCalls.Unique("rid");
        var (alice, bob, dave, erin, frank) = (await app.UserAsync("alice"), await app.UserAsync("bob"), await app.UserAsync("dave"), await app.UserAsync("erin"), await app.UserAsync("frank"));

        await api.OkAsync("create_room", new JsonObject
        {
            ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomName"] = "Weekly", ["RoomType"] = "Conference", ["Owner_Account"] = "alice", ["MaxMemberCount"] = 300 },
            ["ScheduleInviteeList_Account"] = new JsonArray("carol"),
        });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), bob);
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "leave"), bob, new JsonObject { ["reason"] = "bye" });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), dave);
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "kick"), alice, new JsonObject { ["user_id"] = dave.UserId, ["reason"] = "off topic" });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), erin);
        await api.OkAsync("ban_room_member", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray("erin"), ["Reason"] = "spam", ["Duration"] = 60 });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), frank);
        await api.OkAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray("frank"), ["Reason"] = "meeting over" });
        await api.OkAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = room, ["RoomName"] = "Renamed", ["IsMessageDisabled"] = true } });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "invite"), alice, new JsonObject { ["user_id"] = $"@gina:{Server}" });
        await api.OkAsync("destroy_room", new JsonObject { ["RoomId"] = room });

        var delivered = await receiver.WaitForDeliveredAsync(11);
        await Task.Delay(1500);
        Assert.Equal(11, receiver.Requests.Count);
        Assert.Equal(
            [
                "Room.CallbackAfterCreateRoom",
                "Room.CallbackAfterMemberEnter/Enter/bob",
                "Room.CallbackAfterMemberLeave/Leave/bob",
                "Room.CallbackAfterMemberEnter/Enter/dave",
                "Room.CallbackAfterMemberLeave/Kicked/dave",
                "Room.CallbackAfterMemberEnter/Enter/erin",
                "Room.CallbackAfterMemberLeave/Kicked/erin",
                "Room.CallbackAfterMemberEnter/Enter/frank",
                "Room.CallbackAfterMemberLeave/Kicked/frank",
                "Room.CallbackAfterUpdateRoomInfo",
                "Room.CallbackAfterDestroyRoom",
            ],
            delivered.Select(d => d.Key));

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var callback in delivered)
        {
            Assert.Equal("1400000000", callback.Query["SdkAppid"]);
            Assert.Equal(callback.Command, callback.Query["CallbackCommand"]);
            Assert.Equal("json", callback.Query["contenttype"]);
            Assert.True(callback.Query.ContainsKey("ClientIP"));
            var requestTime = long.Parse(callback.Query["RequestTime"], CultureInfo.InvariantCulture);
            Assert.True(CallbackSign.Verify(WebhookApp.Token, requestTime, callback.Query["Sign"], now / 1000), $"Sign of {callback.Key} does not verify");
            Assert.InRange((long)callback.Body["EventTime"]!, started, now);
        }

        var create = delivered[0].Body;
        Assert.Equal("RESTAPI", delivered[0].Query["OptPlatform"]);
        Assert.Equal("administrator", (string?)create["Operator_Account"]);
        Assert.Equal(["carol"], create["ScheduleInviteeList_Account"]!.AsArray().Select(a => (string)a!));
        var info = create["RoomInfo"]!;
        Assert.Equal(room, (string?)info["RoomId"]);
        Assert.Equal("Weekly", (string?)info["RoomName"]);
        Assert.Equal("alice", (string?)info["Owner_Account"]);
        Assert.Equal("Conference", (string?)info["RoomType"]);
        Assert.Equal(300, (int)info["MaxMemberCount"]!);
        Assert.Equal(1, (int)info["MemberCount"]!);

        AssertMember(delivered[1], "Unknown", "bob", room, memberCount: 2, reason: null);
        AssertMember(delivered[2], "Unknown", "bob", room, memberCount: 1, reason: "bye");
        AssertMember(delivered[4], "Unknown", "alice", room, memberCount: 1, reason: "off topic");
        AssertMember(delivered[6], "RESTAPI", "administrator", room, memberCount: 1, reason: "spam");
        AssertMember(delivered[8], "RESTAPI", "administrator", room, memberCount: 1, reason: "meeting over");

        var update = delivered[9].Body;
        Assert.Equal("administrator", (string?)update["Operator_Account"]);
        Assert.Equal("Renamed", (string?)update["RoomInfo"]!["RoomName"]);
        Assert.True((bool)update["RoomInfo"]!["IsMessageDisabled"]!);
        Assert.Equal("alice", (string?)update["RoomInfo"]!["Owner_Account"]);
        Assert.Equal(300, (int)update["RoomInfo"]!["MaxMemberCount"]!);

        var destroy = delivered[10].Body;
        Assert.Equal(["CallbackCommand", "Operator_Account", "RoomId", "EventTime"], destroy.Select(p => p.Key));
        Assert.Equal(room, (string?)destroy["RoomId"]);
        Assert.Equal("administrator", (string?)destroy["Operator_Account"]);
    }

    [Fact]
    public async Task AKickOfTwentyMembersIsOneCallbackListingTwentyAccounts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url);
        var room = await app.Api.CreateRoomAsync("owner");
        var members = await app.Api.UsersAsync("k", 20);
        await app.Api.JoinAllAsync(room, members);
        var accounts = members.Select(RoomEngineCalls.AccountOf).ToArray();

        await app.Api.OkAsync("kick_user_out", new JsonObject
        {
            ["RoomId"] = room,
            ["MemberList_Account"] = new JsonArray([.. accounts.Select(a => (JsonNode)a)]),
            ["Reason"] = "meeting over",
        });

        var delivered = await receiver.WaitForDeliveredAsync(1 + 20 + 1);
        await Task.Delay(1000);
        Assert.Equal(22, receiver.Requests.Count);
        Assert.Equal(accounts.Select(a => $"Room.CallbackAfterMemberEnter/Enter/{a}"), delivered.Skip(1).Take(20).Select(d => d.Key));
        Assert.Equal(Enumerable.Range(2, 20), delivered.Skip(1).Take(20).Select(d => (int)d.Body["MemberCount"]!));
        var kick = delivered[^1];
        Assert.Equal("Room.CallbackAfterMemberLeave", kick.Command);
        Assert.Equal("Kicked", kick.Type);
        Assert.Equal(accounts, kick.Accounts);
        Assert.Equal(1, (int)kick.Body["MemberCount"]!);
        Assert.Equal("meeting over", (string?)kick.Body["Reason"]);
    }

    [Fact]
    public async Task InvitesRejectionsKnocklessStateAndProfileChangesSendNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url);
        var (alice, bob, carol, erin) = (await app.UserAsync("alice"), await app.UserAsync("bob"), await app.UserAsync("carol"), await app.UserAsync("erin"));
        var (status, created) = await app.Api.MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "Lobby" });
        Assert.Equal(200, status);
        var matrixRoom = (string)created!["room_id"]!;
        var room = matrixRoom[1..matrixRoom.IndexOf(':', StringComparison.Ordinal)];

        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "invite"), alice, new JsonObject { ["user_id"] = bob.UserId });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "leave"), bob);
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "invite"), alice, new JsonObject { ["user_id"] = carol.UserId });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "kick"), alice, new JsonObject { ["user_id"] = carol.UserId });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "ban"), alice, new JsonObject { ["user_id"] = $"@dan:{Server}" });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "unban"), alice, new JsonObject { ["user_id"] = $"@dan:{Server}" });
        var (_, levels) = await app.Api.MatrixAsync(HttpMethod.Get, WebhookApp.RoomPath(room, "state/m.room.power_levels/"), alice);
        levels!["kick"] = 60;
        await app.MatrixOkAsync(HttpMethod.Put, WebhookApp.RoomPath(room, "state/m.room.power_levels/"), alice, levels);
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), erin);
        await app.MatrixOkAsync(HttpMethod.Put, WebhookApp.RoomPath(room, $"state/m.room.member/{Uri.EscapeDataString(erin.UserId)}"), erin, new JsonObject { ["membership"] = "join", ["displayname"] = "Erin" });
        await app.MatrixOkAsync(HttpMethod.Post, WebhookApp.RoomPath(room, "join"), carol);

        var delivered = await receiver.WaitForDeliveredAsync(3);
        await Task.Delay(1000);
        Assert.Equal(["Room.CallbackAfterCreateRoom", "Room.CallbackAfterMemberEnter/Enter/erin", "Room.CallbackAfterMemberEnter/Enter/carol"], receiver.Requests.Select(r => r.Key));

        // A room made through Matrix: its RoomId is the opaque part of its ID; the creator is operator and owner.
        var create = delivered[0].Body;
        Assert.Equal("Unknown", delivered[0].Query["OptPlatform"]);
        Assert.Equal("alice", (string?)create["Operator_Account"]);
        Assert.Equal(room, (string?)create["RoomInfo"]!["RoomId"]);
        Assert.Equal("Lobby", (string?)create["RoomInfo"]!["RoomName"]);
        Assert.Equal("alice", (string?)create["RoomInfo"]!["Owner_Account"]);
        Assert.Empty(create["ScheduleInviteeList_Account"]!.AsArray());
        Assert.Equal(3, (int)delivered[2].Body["MemberCount"]!);
    }

    [Fact]
    public async Task WebhookStorageTrafficIsCountedApartFromTheRequestPathAndBoundedPerChange()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url, settings: new Dictionary<string, string?> { ["Membership:Webhooks:SweepInterval"] = "01:00:00" });
        var room = await app.Api.CreateRoomAsync("owner");
        var bob = await app.UserAsync("bob");
        await app.Api.MatrixAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", bob); // the token is cached from here on
        await receiver.WaitForDeliveredAsync(1);
        var store = app.Services.GetRequiredService<MembershipStore>();
        await WaitUntilAsync(async () => (await store.ReadWebhookPendingAsync(10)).Count == 0);
        await Task.Delay(500); // the creation's webhook work has settled

        var (requestPath, webhooks) = (app.Services.GetRequiredService<StorageMetrics>(), app.Services.GetRequiredService<WebhookStore>().Metrics);
        var (requestsBefore, webhookBefore) = (requestPath.Requests, webhooks.Requests);
        await app.Api.JoinAllAsync(room, [bob]);
        await receiver.WaitForDeliveredAsync(2);
        await app.Api.SettleIndexAsync([bob.UserId]);

        // The change itself: one read and one transaction, plus the per-user index write, as without webhooks.
        Assert.Equal(2 + 1, requestPath.Requests - requestsBefore);

        // Its callback: marker, cursor read, log read, lease, previous membership, cursor advance, marker removal.
        await WaitUntilAsync(() => Task.FromResult(webhooks.Requests - webhookBefore >= 7));
        await Task.Delay(1000);
        Assert.Equal(7, webhooks.Requests - webhookBefore);
        Assert.Empty(await store.ReadWebhookPendingAsync(10));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }

    private static void AssertMember(ReceivedCallback callback, string platform, string operatorAccount, string room, int memberCount, string? reason)
    {
        Assert.Equal(platform, callback.Query["OptPlatform"]);
        Assert.Equal(operatorAccount, (string?)callback.Body["Operator_Account"]);
        Assert.Equal(room, (string?)callback.Body["RoomId"]);
        Assert.Equal(memberCount, (int)callback.Body["MemberCount"]!);
        Assert.Equal(reason, (string?)callback.Body["Reason"]);
    }
}
