using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// hs1's outbox to the servers with users in its rooms: every later event, in the room's order, in X-Matrix-signed
/// <c>PUT /send/{txnId}</c> transactions to fake servers that record them; a destination that fails is retried with
/// backoff and its transaction dead-lettered after MaxAge (4 s here) while the others go on.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationOutboxTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    private MembershipStore Store => Hs1.Get<MembershipStore>();

    [Fact]
    public async Task JoinedServerGetsEveryLaterEventInTheRoomsOrderSignedByHs1()
    {
        var joiner = fixture.Remotes["joiner.test"];
        var (alice, room) = await Hs1.PublicRoomAsync();
        var carol = await Hs1.UserAsync("carol");
        var user = $"@u{Guid.NewGuid():N}:joiner.test";
        var (join, _) = await JoinAsync(Hs1, room, user, joiner.Name, joiner.Key);

        await ChangePowerLevelsAsync(alice, room, l => l["users"]![user] = 50);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Put, StatePath(room, "m.room.join_rules"), alice, new JsonObject { ["join_rule"] = "invite" })).Status);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite", alice, new JsonObject { ["user_id"] = carol.UserId })).Status);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/join", carol)).Status);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/ban", alice, new JsonObject { ["user_id"] = carol.UserId })).Status);

        var log = await Store.ReadEventsAsync(room, 1, 1000);
        var joinSeq = log.Single(e => e.EventId == EventSigning.ComputeEventId(join, "10")).Seq;
        var expected = log.Where(e => e.Seq >= joinSeq).Select(e => e.EventId).ToList();
        await EventuallyAsync(() => Task.FromResult(PdusOf(joiner, room).Count >= expected.Count), "joiner.test gets every event from its join on");
        Assert.Equal(expected, PdusOf(joiner, room).Select(p => EventSigning.ComputeEventId(p, "10")).Distinct());
        Assert.Equal(["m.room.member", "m.room.power_levels", "m.room.join_rules", "m.room.member", "m.room.member", "m.room.member"], PdusOf(joiner, room).DistinctBy(p => EventSigning.ComputeEventId(p, "10")).Select(p => (string)p["type"]!));

        var hs1 = await PublishedKeyAsync(Hs1);
        Assert.All(PdusOf(joiner, room).Skip(1), pdu => Assert.Equal(EventCheck.Valid, EventSigning.Verify(pdu, "10", "hs1", hs1.KeyId, hs1.Key)));
        foreach (var transaction in TransactionsOf(joiner, room))
        {
            Assert.True(XMatrix.TryParse(transaction.Authorization, out var auth, out _));
            Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(auth, "PUT", transaction.Target, joiner.Name, transaction.Body, hs1.Key));
            Assert.Equal("hs1", (string?)transaction.Body!["origin"]);
        }
    }

    [Fact]
    public async Task FailingServerIsRetriedThenDeadLetteredWhileAnotherKeepsGettingEvents()
    {
        var (broken, second) = (fixture.Remotes["broken.test"], fixture.Remotes["second.test"]);
        var (alice, room) = await Hs1.PublicRoomAsync();
        await JoinAsync(Hs1, room, "@b:broken.test", broken.Name, broken.Key);
        await JoinAsync(Hs1, room, $"@s{Guid.NewGuid():N}:second.test", second.Name, second.Key);
        var levels = await ChangePowerLevelsAsync(alice, room, l => l["kick"] = 60);

        // second.test gets the change at once; broken.test answers 500 to every try until MaxAge has passed.
        await EventuallyAsync(() => Task.FromResult(PdusOf(second, room).Any(p => EventSigning.ComputeEventId(p, "10") == levels)), "second.test gets the power levels");
        await EventuallyAsync(async () => (await Store.ReadFederationDeadLettersAsync(room)).Any(d => IdsOf(JsonNode.Parse(d.Body)!).Contains(levels)), "broken.test's transaction is dead-lettered");

        var tries = TransactionsOf(broken, room).Count(t => IdsOf(t.Body!).Contains(levels));
        Assert.True(tries > 1, $"retried before giving up ({tries} tries)");
        var dead = (await Store.ReadFederationDeadLettersAsync(room)).Where(d => d.Destination == broken.Name).ToList();
        Assert.NotEmpty(dead);
        Assert.All(dead, d => Assert.Equal("broken.test answered HTTP 500", d.LastError));
        var cursor = (await Store.ReadFederationCursorsAsync(room)).Single(c => c.Destination == broken.Name);
        Assert.Equal((await Store.ReadEventsAsync(room, 1, 1000))[^1].Seq, cursor.DeliveredSeq);
        Assert.Null(cursor.NextAttemptAt);
    }

    private static List<string> IdsOf(JsonNode transaction) =>
        [.. transaction["pdus"]!.AsArray().Select(p => EventSigning.ComputeEventId(p!.AsObject(), "10"))];

    private static List<JsonObject> PdusOf(FakeServer server, string room) =>
        [.. server.TransactionPdus.Where(p => (string?)p["room_id"] == room)];

    private static List<RecordedRequest> TransactionsOf(FakeServer server, string room) =>
        [.. server.Requests.Where(r => r.Method == "PUT" && r.Target.StartsWith("/_matrix/federation/v1/send/", StringComparison.Ordinal) && r.Body!["pdus"]!.AsArray().Any(p => (string?)p!["room_id"] == room))];

    /// <summary>Changes the power levels; returns the new event's ID.</summary>
    private async Task<string> ChangePowerLevelsAsync(TestUser by, string room, Action<JsonObject> change)
    {
        var levels = (await Hs1.SendAsync(HttpMethod.Get, StatePath(room, "m.room.power_levels"), by)).Body!.AsObject();
        change(levels);
        var (status, body) = await Hs1.SendAsync(HttpMethod.Put, StatePath(room, "m.room.power_levels"), by, levels);
        Assert.True(status == 200, body?.ToJsonString());
        return (string)body!["event_id"]!;
    }

    private static string StatePath(string room, string type) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/{type}/";
}
