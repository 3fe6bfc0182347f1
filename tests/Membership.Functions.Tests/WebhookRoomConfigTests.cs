using System.Text.Json.Nodes;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// The <c>room_config</c> commands: the stored URL overrides the configured one, <c>CallbackCommandList</c> filters
/// what is sent, 100301 without a configuration, and the fields are checked.
/// </summary>
public sealed class WebhookRoomConfigTests(Azurite storage) : IClassFixture<Azurite>
{
    private const string Enter = "Room.CallbackAfterMemberEnter";

    [Fact]
    public async Task SetCallbackSendsOnlyTheListedCommandsToItsUrlAndDeleteFallsBackToTheConfiguredUrl()
    {
        await using var configured = await WebhookReceiver.StartAsync();
        await using var stored = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, configured.Url);
        var api = app.Api;
        var first = await api.CreateRoomAsync("owner");
        await configured.WaitForDeliveredAsync(1);

        await Config(api, "set_callback", new JsonObject { ["Url"] = stored.Url.AbsoluteUri, ["CallbackCommandList"] = new JsonArray(Enter, "Room.CallbackAfterMemberLeave") });
        var got = (await Config(api, "get_callback", new JsonObject()))["Response"]!;
        Assert.Equal(stored.Url.AbsoluteUri, (string?)got["Url"]);
        Assert.Equal([Enter, "Room.CallbackAfterMemberLeave"], got["CallbackCommandList"]!.AsArray().Select(c => (string)c!));

        await api.JoinAllAsync(first, [await app.UserAsync("bob")]);
        var second = await api.CreateRoomAsync("owner"); // CallbackAfterCreateRoom is not in the list
        await api.JoinAllAsync(second, [await app.UserAsync("carol")]);
        await stored.WaitForDeliveredAsync(2);

        await Config(api, "update_callback", new JsonObject { ["Url"] = stored.Url.AbsoluteUri, ["CallbackCommandList"] = new JsonArray("Room.CallbackUpdateRoomInfo") });
        var updated = (await Config(api, "get_callback", new JsonObject()))["Response"]!;
        Assert.Equal(["Room.CallbackAfterUpdateRoomInfo"], updated["CallbackCommandList"]!.AsArray().Select(c => (string)c!));
        await api.OkAsync("update_room_info", new JsonObject { ["RoomInfo"] = new JsonObject { ["RoomId"] = first, ["CustomInfo"] = "v2" } });
        await stored.WaitForDeliveredAsync(3);

        await Config(api, "delete_callback", new JsonObject());
        RoomEngineCalls.AssertCode(await api.PostAsync("get_callback", new JsonObject(), service: "room_config"), 100301);
        await api.JoinAllAsync(first, [await app.UserAsync("dave")]);
        await configured.WaitForDeliveredAsync(2);
        await Task.Delay(1000);

        Assert.Equal(["Room.CallbackAfterCreateRoom", $"{Enter}/Enter/dave"], configured.Requests.Select(r => r.Key));
        Assert.Equal([$"{Enter}/Enter/bob", $"{Enter}/Enter/carol", "Room.CallbackAfterUpdateRoomInfo"], stored.Requests.Select(r => r.Key));
        Assert.Equal("v2", (string?)stored.Requests[2].Body["RoomInfo"]!["CustomInfo"]);
    }

    [Fact]
    public async Task CallbackCommandsAnswer100301WithoutAConfigurationAndRefuseBadFields()
    {
        await using var app = await WebhookApp.StartAsync(storage, url: null);
        var api = app.Api;
        var valid = new JsonObject { ["Url"] = "https://example.com/cb", ["CallbackCommandList"] = new JsonArray(Enter) };

        RoomEngineCalls.AssertCode(await api.PostAsync("get_callback", new JsonObject(), service: "room_config"), 100301, "set_callback");
        RoomEngineCalls.AssertCode(await api.PostAsync("update_callback", valid, service: "room_config"), 100301);
        RoomEngineCalls.AssertCode(await api.PostAsync("delete_callback", new JsonObject(), service: "room_config"), 100301);

        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", new JsonObject { ["Url"] = "ftp://example.com/cb", ["CallbackCommandList"] = new JsonArray(Enter) }, service: "room_config"), 100002, "Url");
        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", new JsonObject { ["Url"] = "/relative", ["CallbackCommandList"] = new JsonArray(Enter) }, service: "room_config"), 100002, "Url");
        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", new JsonObject { ["CallbackCommandList"] = new JsonArray(Enter) }, service: "room_config"), 100002, "Url is mandatory");
        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", new JsonObject { ["Url"] = "https://example.com/cb" }, service: "room_config"), 100002, "CallbackCommandList");
        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", new JsonObject { ["Url"] = "https://example.com/cb", ["CallbackCommandList"] = new JsonArray("Room.Nope") }, service: "room_config"), 100002, "Room.Nope");
        RoomEngineCalls.AssertCode(await api.PostAsync("get_callback_deliveries", new JsonObject { ["Limit"] = 0 }, service: "room_config"), 100002, "Limit");

        // The admin pipeline runs first: a caller who cannot sign gets the UserSig error, not the command.
        RoomEngineCalls.AssertCode(await api.PostAsync("set_callback", valid, query: ServiceFixture.AdminQuery(userSig: "garbage"), service: "room_config"), 70003);

        await Config(api, "set_callback", valid);
        Assert.Equal("https://example.com/cb", (string?)(await Config(api, "get_callback", new JsonObject()))["Response"]!["Url"]);
        var listing = (await Config(api, "get_callback_deliveries", new JsonObject()))["Response"]!;
        Assert.Empty(listing["Pending"]!.AsArray());
        Assert.Empty(listing["Dead"]!.AsArray());
        await Config(api, "delete_callback", new JsonObject());
    }

    private static Task<JsonObject> Config(RoomEngineCalls api, string command, JsonObject body) => api.OkAsync(command, body, service: "room_config");
}
