using System.Text;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rules;
using Membership.Service;
using Membership.Service.Webhooks;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// Callbacks of a group commit: every change keeps its own event and change sequence in the log; only self-joins
/// committed together (same time, same surface) share one <c>Room.CallbackAfterMemberEnter</c>, whose member list
/// Tencent's payload allows (README "Group commit").
/// </summary>
public sealed class GroupCommitWebhookTests(Azurite storage) : IClassFixture<Azurite>
{
    private static readonly DateTimeOffset GroupTime = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void SelfJoinsCommittedTogetherAreOneChangeAndAnythingElseEndsIt()
    {
        EventRecord[] log =
        [
            Member(1, "@a:x", "@a:x", "join"),
            Member(2, "@b:x", "@b:x", "join"),
            Member(3, "@c:x", "@c:x", "join"),
            Member(4, "@d:x", "@d:x", "join", time: GroupTime.AddMilliseconds(1)), // the next group
            Member(5, "@e:x", "@e:x", "join", time: GroupTime.AddMilliseconds(1), surface: "federation"),
            Member(6, "@f:x", "@a:x", "invite", time: GroupTime.AddMilliseconds(1)),
            Member(7, "@f:x", "@f:x", "join", time: GroupTime.AddMilliseconds(1)),
            Member(8, "@g:x", "@g:x", "join", time: GroupTime.AddMilliseconds(1)),
            Member(9, "@g:x", "@g:x", "join", time: GroupTime.AddMilliseconds(1), changeSeq: 8), // more of change 8: it ends the run
            Member(10, "@h:x", "@h:x", "join", time: GroupTime.AddMilliseconds(1)),
        ];

        var changes = RoomChange.Group(log);

        Assert.Equal([[1L, 2, 3], [4], [5], [6], [7, 8, 9], [10]], changes.Select(c => c.Events.Select(e => e.Seq).ToArray()));
        Assert.Equal([1L, 4, 5, 6, 7, 10], changes.Select(c => c.ChangeSeq));
    }

    [Fact]
    public void OneMemberEnterListsTheJoinsOfAGroupInLogOrderAndCountsTheRoomAfterTheLast()
    {
        var builder = new CallbackBuilder(ServerName.Parse("x"));
        var replay = new MembershipReplay(joinedCount: 1);
        replay.Seed("@b:x", "invite");
        var change = Assert.Single(RoomChange.Group([Member(4, "@a:x", "@a:x", "join"), Member(5, "@b:x", "@b:x", "join"), Member(6, "@c:x", "@c:x", "join")]));

        var callback = Assert.Single(builder.Build("!room:x", change, replay, head: null));

        Assert.Equal(CallbackCommands.AfterMemberEnter, callback.Command);
        Assert.Equal(["a", "b", "c"], callback.Body["MemberList_Account"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("a", (string?)callback.Body["Operator_Account"]);
        Assert.Equal(4, (int)callback.Body["MemberCount"]!);
        Assert.Equal(GroupTime.ToUnixTimeMilliseconds(), (long)callback.Body["EventTime"]!);
        Assert.Equal(4, callback.ChangeSeq);
        Assert.Equal(6, callback.LastSeq);
    }

    [Fact]
    public async Task AGroupOfJoinsIsOneCallbackListingEveryJoinerOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, receiver.Url);
        var room = await app.Api.CreateRoomAsync("owner");
        var roomId = RoomId.Parse(RoomEngineCalls.MatrixRoom(room));
        var rooms = app.Services.GetRequiredService<RoomService>();
        var joiners = Enumerable.Range(0, 30).Select(i => UserId.Parse(RoomEngineCalls.MatrixUser($"g{i}"))).ToList();

        // Queue the 30 joins behind the room's lock, so they commit as one group.
        List<Task<ChangeResult>> joins;
        using (await app.Services.GetRequiredService<RoomLocks>().AcquireAsync(roomId.Value, CancellationToken.None))
        {
            joins = [.. joiners.Select(u => rooms.ChangeAsync(roomId, [new MembershipChange(MembershipAction.Join, u, u, MembershipChange.ContentFor(MembershipAction.Join, null))], "client", "join"))];
        }

        Assert.All(await Task.WhenAll(joins), r => Assert.Equal(ChangeStatus.Changed, r.Status));
        var delivered = await receiver.WaitForDeliveredAsync(2);
        await Task.Delay(1000);

        // The log keeps one change per join; the callback lists all of them, in the log's order.
        var log = await app.Services.GetRequiredService<MembershipStore>().ReadEventsAsync(roomId.Value, 1, 1000);
        var joinEvents = log.Where(e => e.Action == "join").ToList();
        Assert.Equal(joinEvents.Select(e => e.Seq), joinEvents.Select(e => e.ChangeSeq));
        Assert.Equal(2, receiver.Requests.Count);
        var enter = delivered[1];
        Assert.Equal(CallbackCommands.AfterMemberEnter, enter.Command);
        Assert.Equal(joinEvents.Select(e => e.StateKey!.TrimStart('@').Split(':')[0]), enter.Accounts);
        Assert.Equal(31, (int)enter.Body["MemberCount"]!);
    }

    private static EventRecord Member(long seq, string target, string sender, string membership, DateTimeOffset? time = null, string surface = "client", long? changeSeq = null) => new()
    {
        Seq = seq,
        EventId = $"$e{seq}",
        Type = "m.room.member",
        StateKey = target,
        Sender = sender,
        Pdu = Encoding.UTF8.GetBytes(new JsonObject { ["content"] = new JsonObject { ["membership"] = membership }, ["origin_server_ts"] = (time ?? GroupTime).ToUnixTimeMilliseconds() }.ToJsonString()),
        Timestamp = (time ?? GroupTime).AddTicks(seq), // storage's own row time: a little later for each row
        ChangeSeq = changeSeq ?? seq,
        Surface = surface,
        Action = membership,
    };
}
