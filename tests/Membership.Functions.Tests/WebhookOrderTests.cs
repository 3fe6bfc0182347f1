using System.Text.Json.Nodes;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>Per-room order: callbacks arrive in the order of the room's log, even when changes race and the receiver fails some attempts.</summary>
public sealed class WebhookOrderTests(Azurite storage) : IClassFixture<Azurite>
{
    [Fact]
    public async Task PerRoomOrderHoldsUnderSixtyFourConcurrentChangesAndFailingAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = async (_, n, cancellationToken) =>
        {
            await Task.Delay(Random.Shared.Next(0, 8), cancellationToken);
            return n % 7 == 3 ? 500 : 200; // every seventh attempt fails and must be retried before anything after it
        };
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url, settings: new Dictionary<string, string?>
        {
            ["Membership:Webhooks:InitialBackoff"] = WebhookApp.Seconds(0.02),
            ["Membership:Webhooks:MaxBackoff"] = WebhookApp.Seconds(0.1),
        });
        var room = await app.Api.CreateRoomAsync("owner", maxMembers: 100);
        var users = await app.Api.UsersAsync("c", 64);

        var joins = await Task.WhenAll(users.Select(u => app.Api.MatrixJoinAsync(u, room)));
        Assert.All(joins, j => Assert.Equal(200, j.Status));

        var delivered = await receiver.WaitForDeliveredAsync(1 + 64, timeoutSeconds: 90);
        await Task.Delay(1000);

        // The log's order of the 64 joins is the order the callbacks were delivered in.
        var log = await app.Services.GetRequiredService<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), 1, 1000);
        var joinOrder = log.Where(e => e.Action == "join").OrderBy(e => e.Seq).Select(e => e.StateKey!.TrimStart('@').Split(':')[0]).ToList();
        Assert.Equal(64, joinOrder.Count);
        Assert.Equal(["Room.CallbackAfterCreateRoom", .. joinOrder.Select(a => $"Room.CallbackAfterMemberEnter/Enter/{a}")], delivered.Select(d => d.Key));
        Assert.Equal(Enumerable.Range(2, 64), delivered.Skip(1).Select(d => (int)d.Body["MemberCount"]!));

        // Attempt by attempt: a change is only ever tried after every earlier one succeeded, and each succeeds once.
        var position = delivered.Select((d, i) => (d.Key, i)).ToDictionary(p => p.Key, p => p.i);
        var attempts = receiver.Requests.Select(r => (Index: position[r.Key], r.Status)).ToList();
        Assert.True(attempts.Count > 65, "some attempts failed and were retried");
        for (var i = 1; i < attempts.Count; i++)
        {
            var expected = attempts[i - 1].Status == 200 ? attempts[i - 1].Index + 1 : attempts[i - 1].Index;
            Assert.True(attempts[i].Index == expected, $"attempt {i} was for change {attempts[i].Index}, expected {expected}");
        }
    }
}
