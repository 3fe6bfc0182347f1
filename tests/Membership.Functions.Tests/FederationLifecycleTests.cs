using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// The whole federation life of a room hosted on hs1 with users of hs2, two services on loopback: hs1 invites
/// <c>@bob:hs2</c> (hs2 co-signs), bob joins through make_join/send_join (made as hs2 makes them: signed with hs2's
/// key, which hs1 fetches from hs2), a kick on hs1 reaches hs2 in a <c>/send</c> transaction (seen by a proxy in front
/// of hs2), bob leaves through make_leave/send_leave, and a second hs2 user rejects an invite from hs2's own client API,
/// hs2 asking hs1. Every PDU that crosses is checked against the sender's published key.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationLifecycleTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    private HomeServer Hs2 => fixture.Hs2;

    [Fact]
    public async Task RemoteUserIsInvitedJoinsIsToldOfAKickLeavesAndAnotherRejectsAnInvite()
    {
        var (alice, carol) = (await Hs1.UserAsync("alice"), await Hs1.UserAsync("carol"));
        var (bob, dave) = (await Hs2.UserAsync("bob"), await Hs2.UserAsync("dave"));
        var room = await Hs1.CreateRoomAsync(alice);
        var hs1Key = await PublishedKeyAsync(Hs1);
        var hs2Key = await PublishedKeyAsync(Hs2);
        await ClientAsync(Hs1, "invite", room, alice, carol.UserId);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, RoomPath(room, "join"), carol)).Status);

        // hs1 invites bob; hs2 co-signs and keeps the invite.
        await ClientAsync(Hs1, "invite", room, alice, bob.UserId);

        // Bob joins as hs2 would: the template from hs1, completed and signed with hs2's key.
        var (join, answer) = await JoinAsync(Hs1, room, bob.UserId, "hs2", Hs2.Key);
        var joinId = EventSigning.ComputeEventId(join, "10");
        Assert.Equal("hs1", (string?)answer["origin"]);
        var state = answer["state"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(state, e => (string?)e["type"] == "m.room.create");
        Assert.Contains(state, e => (string?)e["type"] == "m.room.member" && (string?)e["state_key"] == bob.UserId && (string?)e["content"]!["membership"] == "invite");
        Assert.All(state.Concat(answer["auth_chain"]!.AsArray().Select(e => e!.AsObject())), pdu => AssertSignedBy(pdu, "hs1", hs1Key));
        Assert.Equal("join", await MembershipAtHs1Async(room, alice, bob.UserId));
        var stored = (await Hs1.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000)).Single(e => e.EventId == joinId);
        AssertSignedBy(JsonNode.Parse(stored.Pdu)!.AsObject(), "hs2", hs2Key);

        // A kick on hs1 reaches hs2 in a transaction signed by hs1, and hs2 answers it.
        var kick = await ClientAsync(Hs1, "kick", room, alice, carol.UserId);
        var delivery = await TransactionToHs2Async(kick);
        Assert.Equal(200, delivery.Status);
        var header = Assert.IsType<string>(delivery.Authorization);
        Assert.True(XMatrix.TryParse(header, out var auth, out _));
        Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(auth, "PUT", delivery.Target, "hs2", delivery.Body, hs1Key.Key));
        AssertSignedBy(delivery.Body!["pdus"]!.AsArray().Single(p => Id(p!) == kick)!.AsObject(), "hs1", hs1Key);

        // Bob leaves through make_leave/send_leave; hs2 is told of that too (bob was joined before it).
        var (made, template) = await MakeAsync(Hs1, "make_leave", room, bob.UserId, "hs2", Hs2.Key, query: string.Empty);
        Assert.Equal(200, made);
        var leave = FromTemplate(template!, "hs2", Hs2.Key);
        var (left, leftBody) = await PutMembershipAsync(Hs1, "send_leave", "v2", leave, "hs2", Hs2.Key);
        Assert.Equal(200, left);
        Assert.Equal("{}", leftBody!.ToJsonString());
        Assert.Equal("leave", await MembershipAtHs1Async(room, alice, bob.UserId));
        Assert.Equal(200, (await TransactionToHs2Async(EventSigning.ComputeEventId(leave, "10"))).Status);

        // Dave, invited too, rejects from hs2's client API: hs2 asks hs1, both keep the same leave, signed by hs2.
        await ClientAsync(Hs1, "invite", room, alice, dave.UserId);
        Assert.Equal(200, (await Hs2.SendAsync(HttpMethod.Post, RoomPath(room, "leave"), dave, new JsonObject { ["reason"] = "not for me" })).Status);
        Assert.Equal("leave", await MembershipAtHs1Async(room, alice, dave.UserId));
        var atHs1 = await LastMemberEventAsync(Hs1, room, dave.UserId);
        var atHs2 = await LastMemberEventAsync(Hs2, room, dave.UserId);
        Assert.Equal(atHs1.EventId, atHs2.EventId);
        Assert.Equal("reject_invite", atHs2.Action);
        var rejection = JsonNode.Parse(atHs1.Pdu)!.AsObject();
        AssertSignedBy(rejection, "hs2", hs2Key);
        Assert.Equal("not for me", (string?)rejection["content"]!["reason"]);
        Assert.Equal(200, (await Hs2.SendAsync(HttpMethod.Post, RoomPath(room, "forget"), dave)).Status);
    }

    [Fact]
    public async Task RemoteUserKickedOnHs1IsToldAndItsServerGetsNothingAfter()
    {
        var bob = await Hs2.UserAsync("bob");
        var second = fixture.Remotes["second.test"];
        var (alice, room) = await Hs1.PublicRoomAsync();
        await JoinAsync(Hs1, room, bob.UserId, "hs2", Hs2.Key);
        await JoinAsync(Hs1, room, "@sam:second.test", second.Name, second.Key);

        var kick = await ClientAsync(Hs1, "kick", room, alice, bob.UserId);
        Assert.Equal(200, (await TransactionToHs2Async(kick)).Status);
        var levels = (await Hs1.SendAsync(HttpMethod.Get, RoomPath(room, "state/m.room.power_levels/"), alice)).Body!.AsObject();
        levels["users"]!["@sam:second.test"] = 10;
        var (put, changed) = await Hs1.SendAsync(HttpMethod.Put, RoomPath(room, "state/m.room.power_levels/"), alice, levels);
        Assert.Equal(200, put);
        var levelsId = (string)changed!["event_id"]!;

        // second.test still has a user there and gets the change; hs2's cursor passes it without sending it.
        var store = Hs1.Get<MembershipStore>();
        var levelsSeq = (await store.ReadEventByIdAsync(room, levelsId))!.Seq;
        await EventuallyAsync(() => Task.FromResult(second.TransactionPdus.Any(p => Id(p) == levelsId)), "second.test gets the power levels");
        await EventuallyAsync(async () => (await store.ReadFederationCursorsAsync(room)).Single(c => c.Destination == "hs2").DeliveredSeq >= levelsSeq, "hs1's cursor for hs2 passes the power levels");
        Assert.DoesNotContain(Transactions(), t => t.Body!["pdus"]!.AsArray().Any(p => Id(p!) == levelsId));
        Assert.Equal(0, (await store.ReadFederationCursorsAsync(room)).Single(c => c.Destination == "hs2").JoinedCount);
    }

    private IEnumerable<ForwardedExchange> Transactions() =>
        fixture.Hs2Proxy.Exchanges.Where(e => e.Method == "PUT" && e.Target.StartsWith("/_matrix/federation/v1/send/", StringComparison.Ordinal));

    /// <summary>The transaction hs1 sent hs2 with the event (waiting for it).</summary>
    private async Task<ForwardedExchange> TransactionToHs2Async(string eventId)
    {
        await EventuallyAsync(() => Task.FromResult(Transactions().Any(t => t.Body!["pdus"]!.AsArray().Any(p => Id(p!) == eventId))), $"a transaction to hs2 with {eventId}");
        return Transactions().First(t => t.Body!["pdus"]!.AsArray().Any(p => Id(p!) == eventId));
    }

    /// <summary>A client-server membership call on the server; returns the event ID the room got.</summary>
    private static async Task<string> ClientAsync(HomeServer server, string action, string room, TestUser by, string target)
    {
        var (status, body) = await server.SendAsync(HttpMethod.Post, RoomPath(room, action), by, new JsonObject { ["user_id"] = target });
        Assert.True(status == 200, $"{action} {target}: {status} {body?.ToJsonString()}");
        return (await LastMemberEventAsync(server, room, target)).EventId;
    }

    private async Task<string?> MembershipAtHs1Async(string room, TestUser viewer, string user)
    {
        var (_, members) = await Hs1.SendAsync(HttpMethod.Get, RoomPath(room, "members"), viewer);
        return (string?)members!["chunk"]!.AsArray().Single(m => (string?)m!["state_key"] == user)!["content"]!["membership"];
    }

    private static async Task<EventRecord> LastMemberEventAsync(HomeServer server, string room, string user) =>
        (await server.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000)).Last(e => e.Type == "m.room.member" && e.StateKey == user);

    private static string Id(JsonNode pdu) => EventSigning.ComputeEventId(pdu.AsObject(), "10");

    private static string RoomPath(string room, string rest) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/{rest}";

    private static void AssertSignedBy(JsonObject pdu, string server, (string KeyId, byte[] Key) key) =>
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(pdu, "10", server, key.KeyId, key.Key));
}
