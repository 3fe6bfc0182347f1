using System.Text.Json.Nodes;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// Deliveries survive the process: the state is in Table Storage (cursors, pending markers), so a new process on the
/// same storage delivers whatever the previous one did not, whether the receiver was down, the process stopped in the
/// middle of an attempt, or it stopped before any webhook work at all.
/// </summary>
public sealed class WebhookRestartTests(Azurite storage) : IClassFixture<Azurite>
{
    private static readonly string[] Expected =
    [
        "Room.CallbackAfterCreateRoom",
        "Room.CallbackAfterMemberEnter/Enter/bob",
        "Room.CallbackAfterMemberEnter/Enter/carol",
        "Room.CallbackAfterMemberLeave/Kicked/bob",
    ];

    [Fact]
    public async Task AReceiverDownWhileTheServiceRestartsStillGetsEveryCallback()
    {
        await using var receiver = WebhookReceiver.Down();
        var prefix = WebhookApp.NewPrefix();
        var first = await WebhookApp.StartAsync(storage, receiver.Url, prefix);
        var room = await MakeChangesAsync(first);
        await Task.Delay(1000); // attempts fail: connection refused
        await first.StopAsync();

        await using var second = await WebhookApp.StartAsync(storage, receiver.Url, prefix);
        await Task.Delay(500);
        await receiver.ListenAsync();

        var delivered = await receiver.WaitForDeliveredAsync(Expected.Length);
        await Task.Delay(1000);
        Assert.Equal(Expected, receiver.Requests.Select(r => r.Key));
        Assert.All(delivered.Skip(1), d => Assert.Equal(room, (string?)d.Body["RoomId"]));
    }

    [Fact]
    public async Task AProcessStoppedInTheMiddleOfADeliveryLeavesItToTheNextOne()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Answer = async (_, _, cancellationToken) =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken); // never answers: the process dies first
            return 200;
        };
        var prefix = WebhookApp.NewPrefix();
        var first = await WebhookApp.StartAsync(storage, receiver.Url, prefix, new Dictionary<string, string?> { ["Membership:Webhooks:Timeout"] = WebhookApp.Seconds(30) });
        await MakeChangesAsync(first);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await first.StopAsync();
        await receiver.WaitForAsync(r => r.Count == 1 && r[0].Status == 0);

        receiver.Answer = (_, _, _) => Task.FromResult(200);
        await using var second = await WebhookApp.StartAsync(storage, receiver.Url, prefix);

        await receiver.WaitForDeliveredAsync(Expected.Length);
        await Task.Delay(1000);
        Assert.Equal(Expected, receiver.Delivered.Select(r => r.Key));
        Assert.Equal(["Room.CallbackAfterCreateRoom", .. Expected], receiver.Requests.Select(r => r.Key));
    }

    [Fact]
    public async Task ChangesOfAProcessThatStoppedBeforeAnyWebhookWorkAreFoundByTheNextOnesSweep()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var prefix = WebhookApp.NewPrefix();

        // No URL: the first process commits and does nothing else, as if it died right after each commit.
        var first = await WebhookApp.StartAsync(storage, url: null, prefix);
        await MakeChangesAsync(first);
        await first.StopAsync();

        await using var second = await WebhookApp.StartAsync(storage, receiver.Url, prefix);
        await receiver.WaitForDeliveredAsync(Expected.Length);
        await Task.Delay(1000);
        Assert.Equal(Expected, receiver.Requests.Select(r => r.Key));
        Assert.Equal([1, 2, 3, 2], receiver.Requests.Select(r => (int?)r.Body["MemberCount"] ?? (int)r.Body["RoomInfo"]!["MemberCount"]!));
    }

    [Fact]
    public async Task HistoryOlderThanMaxAgeIsSkippedAndLaterCallbacksCountMembersExactly()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var prefix = WebhookApp.NewPrefix();
        var first = await WebhookApp.StartAsync(storage, url: null, prefix);
        var room = await MakeChangesAsync(first);
        await first.StopAsync();
        await Task.Delay(2500);

        await using var second = await WebhookApp.StartAsync(storage, receiver.Url, prefix, new Dictionary<string, string?> { ["Membership:Webhooks:MaxAge"] = WebhookApp.Seconds(2) });
        await second.Api.JoinAllAsync(room, [await second.UserAsync("dave")]);

        var delivered = await receiver.WaitForDeliveredAsync(1);
        await Task.Delay(1500);
        Assert.Equal(["Room.CallbackAfterMemberEnter/Enter/dave"], receiver.Requests.Select(r => r.Key));
        Assert.Equal(3, (int)delivered[0].Body["MemberCount"]!); // owner, carol, dave: replayed from the log, not guessed
    }

    /// <summary>Create (admin), bob and carol join (Matrix), bob is kicked (admin): four callbacks.</summary>
    private static async Task<string> MakeChangesAsync(WebhookApp app)
    {
        var room = await app.Api.CreateRoomAsync("owner");
        await app.Api.JoinAllAsync(room, [await app.UserAsync("bob"), await app.UserAsync("carol")]);
        await app.Api.OkAsync("kick_user_out", new JsonObject { ["RoomId"] = room, ["MemberList_Account"] = new JsonArray("bob"), ["Reason"] = "restart" });
        return room;
    }
}
