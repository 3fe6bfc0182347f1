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
            return n % 2 == 0 ? 500 : 200; // every second attempt fails and must be retried before anything after it
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

        // Joins committed together (one group) share one callback listing them; all 64 are listed once in the end.
        var delivered = (await receiver.WaitForAsync(r => r.Where(x => x.Status == 200).Sum(x => x.Accounts.Length) >= 64, timeoutSeconds: 90)).Where(r => r.Status == 200).ToList();
        await Task.Delay(1000);

        // The log's order of the 64 joins is the order the callbacks list them in, and each counts the room after it.
        var log = await app.Services.GetRequiredService<MembershipStore>().ReadEventsAsync(RoomEngineCalls.MatrixRoom(room), 1, 1000);
        var joinOrder = log.Where(e => e.Action == "join").OrderBy(e => e.Seq).Select(e => e.StateKey!.TrimStart('@').Split(':')[0]).ToList();
        Assert.Equal(64, joinOrder.Count);
        Assert.Equal("Room.CallbackAfterCreateRoom", delivered[0].Key);
        Assert.All(delivered.Skip(1), d => Assert.StartsWith("Room.CallbackAfterMemberEnter/Enter/", d.Key, StringComparison.Ordinal));
        Assert.Equal(joinOrder, delivered.Skip(1).SelectMany(d => d.Accounts));
        var listed = 1;
        foreach (var enter in delivered.Skip(1))
        {
            listed += enter.Accounts.Length;
            Assert.Equal(listed, (int)enter.Body["MemberCount"]!);
        }

        // Attempt by attempt: a change is only ever tried after every earlier one succeeded, and each succeeds once. A
        // callback is known by its first member: a retry starts where the failed attempt did, though it may list more
        // joins of the same group (committed in a later transaction of it meanwhile).
        static string First(ReceivedCallback r) => r.Accounts.FirstOrDefault() ?? r.Command;
        var position = delivered.Select((d, i) => (Key: First(d), i)).ToDictionary(p => p.Key, p => p.i);
        var attempts = receiver.Requests.Select(r => (Index: position[First(r)], r.Status)).ToList();
        Assert.True(attempts.Count > delivered.Count, "some attempts failed and were retried");
        for (var i = 1; i < attempts.Count; i++)
        {
            var expected = attempts[i - 1].Status == 200 ? attempts[i - 1].Index + 1 : attempts[i - 1].Index;
            Assert.True(attempts[i].Index == expected, $"attempt {i} was for change {attempts[i].Index}, expected {expected}");
        }
    }
}
