using System.Text.Json.Nodes;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// Failing receivers: a callback is retried with backoff until HTTP 200 (at least once, no storm), the room's later
/// changes wait behind it, and one that keeps failing past MaxAge is dead-lettered, listed, and stops blocking the room.
/// </summary>
public sealed class WebhookRetryTests(Azurite storage) : IClassFixture<Azurite>
{
    private const string CreateRoom = "Room.CallbackAfterCreateRoom";

    [Fact]
    public async Task AReceiverAnswering500ThreeTimesGetsTheCallbackExactlyOnceMoreAndNothingOvertakesIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, n, _) => Task.FromResult(n <= 3 ? 500 : 200);
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url, settings: new Dictionary<string, string?>
        {
            ["Membership:Webhooks:InitialBackoff"] = WebhookApp.Seconds(0.4),
            ["Membership:Webhooks:MaxBackoff"] = WebhookApp.Seconds(2),
        });
        var room = await app.Api.CreateRoomAsync("owner");
        var bob = await app.UserAsync("bob");
        await receiver.WaitForAsync(r => r.Count >= 1);

        // The room's next change is committed while its first callback is failing: it must wait behind it.
        await app.Api.JoinAllAsync(room, [bob]);
        var failing = await WaitForListingAsync(app, room, l => l["Pending"]!.AsArray() is [{ } first, ..] && (int)first["Attempts"]! >= 1);
        var pending = failing["Pending"]!.AsArray();
        Assert.Equal([CreateRoom, "Room.CallbackAfterMemberEnter"], pending.Select(p => (string)p!["CallbackCommand"]!));
        Assert.Equal("HTTP 500", (string?)pending[0]!["LastError"]);

        await receiver.WaitForDeliveredAsync(2);
        await Task.Delay(1500);
        var requests = receiver.Requests;
        Assert.Equal([500, 500, 500, 200, 200], requests.Select(r => r.Status));
        Assert.Equal([CreateRoom, CreateRoom, CreateRoom, CreateRoom, "Room.CallbackAfterMemberEnter"], requests.Select(r => r.Command));
        var done = await WaitForListingAsync(app, room, l => l["Pending"]!.AsArray().Count == 0);
        Assert.Empty(done["Dead"]!.AsArray());
    }

    [Fact]
    public async Task ACallbackFailingPastMaxAgeIsDeadLetteredListedAndNoLongerBlocksTheRoom()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (callback, _, _) => Task.FromResult(callback.Command == CreateRoom ? 500 : 200);
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url, settings: new Dictionary<string, string?>
        {
            ["Membership:Webhooks:MaxAge"] = WebhookApp.Seconds(2),
            ["Membership:Webhooks:InitialBackoff"] = WebhookApp.Seconds(0.2),
            ["Membership:Webhooks:MaxBackoff"] = WebhookApp.Seconds(0.5),
        });
        var room = await app.Api.CreateRoomAsync("owner");
        var bob = await app.UserAsync("bob");
        await app.Api.JoinAllAsync(room, [bob]);

        var delivered = await receiver.WaitForDeliveredAsync(1);
        Assert.Equal("Room.CallbackAfterMemberEnter", delivered.Single().Command);
        var requests = receiver.Requests;
        var creates = requests.TakeWhile(r => r.Command == CreateRoom).ToList();
        Assert.True(creates.Count >= 2, "the create callback was retried before it was given up");
        Assert.Equal(creates.Count + 1, requests.Count);

        var listing = await WaitForListingAsync(app, room, l => l["Pending"]!.AsArray().Count == 0);
        var dead = Assert.Single(listing["Dead"]!.AsArray())!;
        Assert.Equal(room, (string?)dead["RoomId"]);
        Assert.Equal(CreateRoom, (string?)dead["CallbackCommand"]);
        Assert.Equal(creates.Count, (int)dead["Attempts"]!);
        Assert.Equal("HTTP 500", (string?)dead["LastError"]);
        Assert.Equal(CreateRoom, (string?)dead["Body"]!["CallbackCommand"]);
        Assert.Equal(room, (string?)dead["Body"]!["RoomInfo"]!["RoomId"]);

        // Without a RoomId the dead letters of every room are listed.
        var all = (await app.Api.OkAsync("get_callback_deliveries", new JsonObject(), service: "room_config"))["Response"]!;
        Assert.Contains(all["Dead"]!.AsArray(), d => (string?)d!["RoomId"] == room);
    }

    private static async Task<JsonNode> WaitForListingAsync(WebhookApp app, string room, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var listing = (await app.Api.OkAsync("get_callback_deliveries", new JsonObject { ["RoomId"] = room }, service: "room_config"))["Response"]!;
            if (done(listing))
            {
                return listing;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out; last listing: {listing.ToJsonString()}");
            await Task.Delay(50);
        }
    }
}
