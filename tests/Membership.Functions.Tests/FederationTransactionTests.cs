using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// What other servers push to hs1 in <c>PUT /send/{txnId}</c> (their own users' membership in rooms hosted here, a
/// result per PDU, the same answer for the same transaction ID), and what they may fetch when they miss something:
/// <c>/event</c>, <c>/state_ids</c>, <c>/event_auth</c>, only for servers with users in the room.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationTransactionTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    private FakeServer Joiner => fixture.Remotes["joiner.test"];

    private MembershipStore Store => Hs1.Get<MembershipStore>();

    [Fact]
    public async Task RemoteUserLeavesThroughItsOwnServersTransaction()
    {
        var (room, user, answer) = await JoinedRoomAsync();
        var leave = await LeaveFromStateAsync(answer, room, user);
        var id = EventSigning.ComputeEventId(leave, "10");

        var (status, body) = await PutTransactionAsync(Hs1, NewTxn(), Joiner.Name, Joiner.Key, leave);

        Assert.Equal(200, status);
        Assert.Equal(new JsonObject { [id] = new JsonObject() }.ToJsonString(), body!["pdus"]!.ToJsonString());
        Assert.Equal("leave", await Hs1.MembershipAsync(room, user));
        Assert.Equal(CanonicalJson.Encode(leave), (await Store.ReadEventByIdAsync(room, id))!.Pdu);
    }

    [Fact]
    public async Task SameTransactionIsAnsweredAlikeAndNoEventIsCommittedTwice()
    {
        var (room, user, answer) = await JoinedRoomAsync();
        var leave = await LeaveFromStateAsync(answer, room, user);
        var txn = NewTxn();
        var first = await PutTransactionAsync(Hs1, txn, Joiner.Name, Joiner.Key, leave);
        var events = (await Store.ReadEventsAsync(room, 1, 1000)).Count;

        var again = await PutTransactionAsync(Hs1, txn, Joiner.Name, Joiner.Key, leave);
        var otherTxn = await PutTransactionAsync(Hs1, NewTxn(), Joiner.Name, Joiner.Key, leave);

        Assert.Equal(first.Body!.ToJsonString(), again.Body!.ToJsonString());
        Assert.Equal(first.Body.ToJsonString(), otherTxn.Body!.ToJsonString());
        Assert.Equal(events, (await Store.ReadEventsAsync(room, 1, 1000)).Count);
    }

    [Fact]
    public async Task PdusOtherThanTheOriginsOwnMembershipAreRefusedOneByOne()
    {
        var (room, user, answer) = await JoinedRoomAsync();
        var message = Signed(await LeaveFromStateAsync(answer, room, user), e => (e["type"], e["content"]) = ("m.room.message", new JsonObject { ["body"] = "hi" }));
        var someoneElses = Signed(await LeaveFromStateAsync(answer, room, user), e => e["state_key"] = "@alice:hs1");
        var leave = await LeaveFromStateAsync(answer, room, user);
        var events = (await Store.ReadEventsAsync(room, 1, 1000)).Count;

        var (status, body) = await PutTransactionAsync(Hs1, NewTxn(), Joiner.Name, Joiner.Key, message, someoneElses, leave);

        Assert.Equal(200, status);
        var results = body!["pdus"]!.AsObject();
        Assert.Contains("not m.room.member", (string?)results[EventSigning.ComputeEventId(message, "10")]!["error"], StringComparison.Ordinal);
        Assert.Contains("state_key is not its sender", (string?)results[EventSigning.ComputeEventId(someoneElses, "10")]!["error"], StringComparison.Ordinal);
        Assert.Equal("{}", results[EventSigning.ComputeEventId(leave, "10")]!.ToJsonString());
        Assert.Equal(events + 1, (await Store.ReadEventsAsync(room, 1, 1000)).Count);
    }

    [Fact]
    public async Task TransactionOfMoreThanFiftyPdusOrFromAnotherOriginIsRefused()
    {
        var (room, user, answer) = await JoinedRoomAsync();
        var leave = await LeaveFromStateAsync(answer, room, user);

        AssertError(await PutTransactionAsync(Hs1, NewTxn(), Joiner.Name, Joiner.Key, [.. Enumerable.Repeat(leave, 51)]), 400, "M_BAD_JSON", "at most 50");
        var claimed = new JsonObject { ["origin"] = "second.test", ["origin_server_ts"] = 1, ["pdus"] = new JsonArray(leave.DeepClone()) };
        AssertError(await SendSignedAsync(Hs1, "PUT", $"/_matrix/federation/v1/send/{NewTxn()}", claimed, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "joiner.test signed");
        Assert.Equal("join", await Hs1.MembershipAsync(room, user));
    }

    [Fact]
    public async Task ServerInTheRoomFetchesAnEventItsStateAndItsAuthChain()
    {
        var (room, _, answer) = await JoinedRoomAsync();
        var joinId = (await Store.ReadEventsAsync(room, 1, 1000))[^1].EventId;

        var (status, single) = await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/event/{Uri.EscapeDataString(joinId)}", null, Joiner.Name, Joiner.Key);
        Assert.Equal(200, status);
        Assert.Equal(joinId, EventSigning.ComputeEventId(single!["pdus"]![0]!.AsObject(), "10"));
        Assert.Equal("hs1", (string?)single["origin"]);

        var (stateStatus, ids) = await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/state_ids/{Uri.EscapeDataString(room)}?event_id={Uri.EscapeDataString(joinId)}", null, Joiner.Name, Joiner.Key);
        Assert.Equal(200, stateStatus);
        Assert.Equal(answer["state"]!.AsArray().Select(e => EventSigning.ComputeEventId(e!.AsObject(), "10")), ids!["pdu_ids"]!.AsArray().Select(i => (string?)i));
        Assert.NotEmpty(ids["auth_chain_ids"]!.AsArray());

        var (authStatus, chain) = await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/event_auth/{Uri.EscapeDataString(room)}/{Uri.EscapeDataString(joinId)}", null, Joiner.Name, Joiner.Key);
        Assert.Equal(200, authStatus);
        Assert.Equal(["m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules"], chain!["auth_chain"]!.AsArray().Select(e => (string?)e!["type"]));
    }

    [Fact]
    public async Task ServerWithoutUsersInTheRoomGetsNothingOfIt()
    {
        var (room, _, _) = await JoinedRoomAsync();
        var joinId = (await Store.ReadEventsAsync(room, 1, 1000))[^1].EventId;
        var stranger = fixture.Remotes["second.test"];

        AssertError(await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/event/{Uri.EscapeDataString(joinId)}", null, stranger.Name, stranger.Key), 404, "M_NOT_FOUND", "Could not find");
        AssertError(await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/state_ids/{Uri.EscapeDataString(room)}?event_id={Uri.EscapeDataString(joinId)}", null, stranger.Name, stranger.Key), 403, "M_FORBIDDEN", "no user in");
        AssertError(await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/event_auth/{Uri.EscapeDataString(room)}/{Uri.EscapeDataString(joinId)}", null, stranger.Name, stranger.Key), 403, "M_FORBIDDEN", "no user in");
        AssertError(await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/state_ids/{Uri.EscapeDataString(room)}", null, Joiner.Name, Joiner.Key), 400, "M_MISSING_PARAM", "event_id");
        AssertError(await SendSignedAsync(Hs1, "GET", $"/_matrix/federation/v1/event_auth/{Uri.EscapeDataString(room)}/%24nosuchevent", null, Joiner.Name, Joiner.Key), 404, "M_NOT_FOUND", "Could not find");
    }

    /// <summary>A public room of hs1 with a user of joiner.test joined; the send_join answer.</summary>
    private async Task<(string Room, string User, JsonObject Answer)> JoinedRoomAsync()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = $"@u{Guid.NewGuid():N}:joiner.test";
        var (_, answer) = await JoinAsync(Hs1, room, user, Joiner.Name, Joiner.Key);
        return (room, user, answer);
    }

    /// <summary>
    /// The user's leave as its own server builds it from what send_join told it: the create event, the power levels
    /// and the user's join as auth events, the join as previous event.
    /// </summary>
    private async Task<JsonObject> LeaveFromStateAsync(JsonObject answer, string room, string user)
    {
        string IdOf(string type) => EventSigning.ComputeEventId(answer["state"]!.AsArray().Single(e => (string?)e!["type"] == type)!.AsObject(), "10");
        var join = (await Store.ReadEventsAsync(room, 1, 1000)).Last(e => e.StateKey == user).EventId;
        return Signed(new JsonObject
        {
            ["auth_events"] = new JsonArray(IdOf("m.room.create"), IdOf("m.room.power_levels"), join),
            ["content"] = new JsonObject { ["membership"] = "leave" },
            ["depth"] = 10,
            ["origin"] = Joiner.Name,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray(join),
            ["room_id"] = room,
            ["sender"] = user,
            ["state_key"] = user,
            ["type"] = "m.room.member",
        });
    }

    /// <summary>Signs (again) as joiner.test, after <paramref name="edit"/>.</summary>
    private JsonObject Signed(JsonObject ev, Action<JsonObject>? edit = null)
    {
        var copy = ev.DeepClone().AsObject();
        copy.Remove("signatures");
        copy.Remove("hashes");
        edit?.Invoke(copy);
        EventSigning.Sign(copy, "10", Joiner.Name, Joiner.Key);
        return copy;
    }

    private static string NewTxn() => "t" + Guid.NewGuid().ToString("N");
}
