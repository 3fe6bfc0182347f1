using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Load on one instance: 64 concurrent, mixed membership changes over 8 rooms from both surfaces, then every room's
/// invariants (<see cref="LoadInvariants"/>). Bounded in count, loopback only; nothing is timed.
/// </summary>
public sealed class LoadTests(ServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private const int Rooms = 8;
    private const int Users = 8;
    private const int Changes = 64;

    private readonly RoomEngineCalls _api = new(fixture);

    internal enum Op
    {
        Join,
        Leave,
        Invite,
        Kick,
        Ban,
        Unban,
        AdminKick,
    }

    [Fact]
    public async Task SixtyFourConcurrentMixedChangesOverEightRoomsKeepEveryRoomConsistent()
    {
        // 8 rooms made by the admin, each with its own owner (power 100); 8 users, the first four joined everywhere.
        var prefix = RoomEngineCalls.Unique("ld");
        var users = await _api.UsersAsync(prefix + "u", Users);
        var rooms = new List<(string RoomId, string MatrixId, TestUser Owner)>();
        for (var r = 0; r < Rooms; r++)
        {
            var owner = await _api.UserAsync($"{prefix}o{r}");
            var roomId = await _api.CreateRoomAsync(RoomEngineCalls.AccountOf(owner));
            await _api.JoinAllAsync(roomId, users.Take(4));
            rooms.Add((roomId, RoomEngineCalls.MatrixRoom(roomId), owner));
        }

        // A fixed plan: mostly owners moderating and users coming and going, some changes by people who may not make them.
        var random = new Random(20250614);
        var plan = Enumerable.Range(0, Changes).Select(_ =>
        {
            var room = rooms[random.Next(Rooms)];
            var op = (Op)random.Next(Enum.GetValues<Op>().Length);
            var target = users[random.Next(Users)];
            var actor = op switch
            {
                Op.Join or Op.Leave => target,
                _ when random.Next(4) == 0 => users[random.Next(Users)],
                _ => room.Owner,
            };
            var accounts = op == Op.AdminKick ? users.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).ToList() : [target];
            return new Change(room.RoomId, room.MatrixId, op, actor, accounts);
        }).ToList();

        using var start = new SemaphoreSlim(0);
        var running = plan.Select(async change =>
        {
            await start.WaitAsync();
            return await SendAsync(change);
        }).ToList();
        start.Release(Changes);
        var answers = await Task.WhenAll(running);

        // Every answer is a success or a clean refusal in the surface's envelope: never a 5xx, never storage trouble.
        for (var i = 0; i < Changes; i++)
        {
            var (ok, status, body) = answers[i];
            Assert.True(status < 500, $"{plan[i]} answered {status}: {body?.ToJsonString()}");
            if (plan[i].Op == Op.AdminKick)
            {
                Assert.True(status == 200 && (int?)body?["ErrorCode"] is { } code && code != 100001, $"{plan[i]}: {body?.ToJsonString()}");
            }
            else if (!ok)
            {
                Assert.StartsWith("M_", (string?)body?["errcode"], StringComparison.Ordinal);
                Assert.False(string.IsNullOrEmpty((string?)body?["error"]));
            }
        }

        Assert.Contains(answers, a => a.Ok);
        Assert.Contains(answers, a => !a.Ok);

        // No acknowledged change is missing from its room's log (a repeat's event is the earlier identical one).
        var logs = new Dictionary<string, List<JsonNode>>(StringComparer.Ordinal);
        foreach (var room in rooms)
        {
            logs[room.MatrixId] = [.. (await fixture.EventsAsync(room.MatrixId)).Where(e => e.Type == "m.room.member").Select(e => JsonNode.Parse(e.Pdu)!)];
        }

        for (var i = 0; i < Changes; i++)
        {
            if (!answers[i].Ok)
            {
                continue;
            }

            var change = plan[i];
            var sender = change.Op == Op.AdminKick ? RoomEngineCalls.AdminUser : change.Actor.UserId;
            var membership = change.Op switch { Op.Join => "join", Op.Invite => "invite", Op.Ban => "ban", _ => "leave" };
            foreach (var target in change.Targets)
            {
                Assert.True(
                    logs[change.MatrixId].Any(e => (string?)e["state_key"] == target.UserId && (string?)e["sender"] == sender && (string?)e["content"]!["membership"] == membership),
                    $"{change} was answered OK but {target.UserId} has no {membership} event by {sender}");
            }
        }

        // Every room: one gap-free chain, rows = the folded log, counts, and the per-user index (before and after repair).
        var everyone = users.Select(u => u.UserId).Concat(rooms.Select(r => r.Owner.UserId)).Append(RoomEngineCalls.AdminUser).ToList();
        var agreedBefore = 0;
        foreach (var room in rooms)
        {
            agreedBefore += await LoadInvariants.AssertRoomConsistentAsync(fixture.Services, room.MatrixId, everyone) ? 1 : 0;
        }

        output.WriteLine($"{Changes} changes over {Rooms} rooms: {answers.Count(a => a.Ok)} succeeded, {answers.Count(a => !a.Ok)} refused; " +
            $"per-user index agreed with the member rows before repair in {agreedBefore}/{Rooms} rooms");
        Assert.Equal(Rooms, agreedBefore);
    }

    private async Task<(bool Ok, int Status, JsonNode? Body)> SendAsync(Change change)
    {
        if (change.Op == Op.AdminKick)
        {
            var envelope = await _api.PostAsync("kick_user_out", new JsonObject
            {
                ["RoomId"] = change.RoomId,
                ["MemberList_Account"] = new JsonArray([.. change.Targets.Select(t => (JsonNode)RoomEngineCalls.AccountOf(t))]),
                ["Reason"] = "load",
            });
            return ((int?)envelope["ErrorCode"] == 0, 200, envelope);
        }

        var target = change.Targets[0];
        var (status, body) = change.Op switch
        {
            Op.Join => await fixture.PostAsync(Room(change.MatrixId, "/join"), change.Actor),
            Op.Leave => await fixture.PostAsync(Room(change.MatrixId, "/leave"), change.Actor),
            _ => await fixture.PostAsync(Room(change.MatrixId, "/" + change.Op.ToString().ToLowerInvariant()), change.Actor, new JsonObject { ["user_id"] = target.UserId }),
        };
        return (status == 200, status, body);
    }

    internal sealed record Change(string RoomId, string MatrixId, Op Op, TestUser Actor, List<TestUser> Targets)
    {
        public override string ToString() => $"{Op} in {RoomId} by {Actor.UserId} of {string.Join(",", Targets.Select(t => t.UserId))}";
    }
}
