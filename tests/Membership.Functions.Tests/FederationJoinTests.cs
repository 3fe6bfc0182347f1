using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// hs1 as the resident server of its rooms for users of a fake server (<c>joiner.test</c>, whose key the tests hold):
/// make_join/send_join and make_leave/send_leave, every refusal with its status and errcode, and after each refusal
/// the room exactly as before (no event, no member row, no outbox cursor for the server).
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationJoinTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    private FakeServer Joiner => fixture.Remotes["joiner.test"];

    private MembershipStore Store => Hs1.Get<MembershipStore>();

    [Fact]
    public async Task JoinThroughMakeAndSendJoinIsCommittedAndAnsweredWithTheRoomsState()
    {
        var (alice, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();

        var (join, answer) = await JoinAsync(Hs1, room, user, Joiner.Name, Joiner.Key);

        Assert.Equal("join", await Hs1.MembershipAsync(room, user));
        var stored = await Store.ReadEventByIdAsync(room, EventSigning.ComputeEventId(join, "10"));
        Assert.Equal(CanonicalJson.Encode(join), stored!.Pdu);
        var state = answer["state"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
        Assert.Equal(["m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules", "m.room.history_visibility"], state);
        Assert.Equal(["hs1"], answer["servers_in_room"]!.AsArray().Select(s => (string?)s));
        Assert.False((bool)answer["members_omitted"]!);
        Assert.DoesNotContain(answer["auth_chain"]!.AsArray(), e => (string?)e!["state_key"] == user);
        Assert.Equal(alice.UserId, (string?)answer["auth_chain"]!.AsArray().Single(e => (string?)e!["type"] == "m.room.member")!["state_key"]);
    }

    [Fact]
    public async Task SendJoinV1AnswersTheHistoricalArray()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var (_, template) = await MakeAsync(Hs1, "make_join", room, user, Joiner.Name, Joiner.Key);

        var (status, body) = await PutMembershipAsync(Hs1, "send_join", "v1", FromTemplate(template!, Joiner.Name, Joiner.Key), Joiner.Name, Joiner.Key);

        Assert.Equal(200, status);
        Assert.Equal(200, (int)body![0]!);
        Assert.Equal("hs1", (string?)body[1]!["origin"]);
        Assert.NotEmpty(body[1]!["state"]!.AsArray());
        Assert.NotEmpty(body[1]!["auth_chain"]!.AsArray());
        Assert.Equal("join", await Hs1.MembershipAsync(room, user));
    }

    [Fact]
    public async Task RepeatedSendJoinIsAnsweredAgainWithoutASecondEvent()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var (join, first) = await JoinAsync(Hs1, room, NewUser(), Joiner.Name, Joiner.Key);
        var events = (await Store.ReadEventsAsync(room, 1, 1000)).Count;

        var (status, again) = await PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key);

        Assert.Equal(200, status);
        Assert.True(JsonNode.DeepEquals(first["state"], again!["state"]));
        Assert.Equal(events, (await Store.ReadEventsAsync(room, 1, 1000)).Count);
    }

    [Fact]
    public async Task JoinWithABadSignatureIsForbiddenAndStoresNothing()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var join = await SignedJoinAsync(room, user);
        var signature = (string)join["signatures"]![Joiner.Name]![Joiner.Key.KeyId]!;
        join["signatures"]![Joiner.Name]![Joiner.Key.KeyId] = (signature[0] == 'A' ? "B" : "A") + signature[1..];

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "does not verify");
    }

    [Fact]
    public async Task JoinChangedAfterItWasSignedIsForbiddenAndStoresNothing()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var join = await SignedJoinAsync(room, user);
        join["content"]!["displayname"] = "added later";

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "does not match its hashes");
    }

    [Fact]
    public async Task JoinSignedByAnotherServerThanTheOriginIsForbidden()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var (_, template) = await MakeAsync(Hs1, "make_join", room, user, Joiner.Name, Joiner.Key);
        var join = FromTemplate(template!, Joiner.Name, fixture.Remotes["second.test"].Key);

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "does not verify");
    }

    [Theory]
    [InlineData("send_join", "v2", "leave", "not join")]
    [InlineData("send_join", "v1", "knock", "not join")]
    [InlineData("send_join", "v2", "invite", "not join")]
    [InlineData("send_leave", "v2", "join", "not leave")]
    [InlineData("send_leave", "v1", "ban", "not leave")]
    public async Task EventOfAnotherMembershipIsInvalidAndStoresNothing(string endpoint, string version, string membership, string message)
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var ev = await SignedJoinAsync(room, user, e => e["content"]!["membership"] = membership);

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, endpoint, version, ev, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", message);
    }

    [Fact]
    public async Task EventOtherThanAMemberEventIsInvalid()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var ev = await SignedJoinAsync(room, user, e => (e["type"], e["content"]) = ("m.room.message", new JsonObject { ["body"] = "bzz" }));

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", ev, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "not m.room.member");
    }

    [Fact]
    public async Task JoinWhoseStateKeyIsNotItsSenderIsInvalid()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var ev = await SignedJoinAsync(room, user, e => e["state_key"] = NewUser());

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", ev, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "state_key is not its sender");
    }

    [Fact]
    public async Task JoinOfAUserOfAnotherServerIsInvalid()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var stranger = $"@x{Guid.NewGuid():N}:second.test";
        var (_, template) = await MakeAsync(Hs1, "make_join", room, NewUser(), Joiner.Name, Joiner.Key);
        var ev = FromTemplate(template!, Joiner.Name, Joiner.Key, e => (e["sender"], e["state_key"]) = (stranger, stranger));

        await AssertRefusedAsync(room, stranger, () => PutMembershipAsync(Hs1, "send_join", "v2", ev, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "not a user of joiner.test");
        AssertError(await MakeAsync(Hs1, "make_join", room, stranger, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "its own users");
    }

    [Fact]
    public async Task JoinAtAnotherEventIdOrRoomIsInvalidAndStoresNothing()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var (_, decoy) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var join = await SignedJoinAsync(room, user);
        var id = Uri.EscapeDataString(EventSigning.ComputeEventId(join, "10"));

        await AssertRefusedAsync(room, user, () => SendSignedAsync(Hs1, "PUT", $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(room)}/%24another", join, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "path names event");
        await AssertRefusedAsync(decoy, user, () => SendSignedAsync(Hs1, "PUT", $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(decoy)}/{id}", join, Joiner.Name, Joiner.Key), 400, "M_INVALID_PARAM", "path names room");
        Assert.Null(await Hs1.MembershipAsync(room, user));
    }

    [Fact]
    public async Task BannedUserGetsNoTemplateAndCannotSwitchAnotherUsersJoinToThemselves()
    {
        var (alice, room) = await Hs1.PublicRoomAsync();
        var charlie = NewUser();
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/ban", alice, new JsonObject { ["user_id"] = charlie })).Status);
        AssertError(await MakeAsync(Hs1, "make_join", room, charlie, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "banned");

        // Complement's TestBannedUserCannotSendJoin: a template made for another user, turned into charlie's join.
        var (_, template) = await MakeAsync(Hs1, "make_join", room, NewUser(), Joiner.Name, Joiner.Key);
        var join = FromTemplate(template!, Joiner.Name, Joiner.Key, e => (e["sender"], e["state_key"]) = (charlie, charlie));

        await AssertRefusedAsync(room, charlie, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "banned");
        Assert.Equal("ban", await Hs1.MembershipAsync(room, charlie));
    }

    [Fact]
    public async Task UserNotInvitedToAnInviteOnlyRoomGetsNoTemplateAndCannotJoin()
    {
        var alice = await Hs1.UserAsync("alice");
        var room = await Hs1.CreateRoomAsync(alice);
        var user = NewUser();
        AssertError(await MakeAsync(Hs1, "make_join", room, user, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "no invite");

        // A join built by hand from a public room's template, moved into the invite-only room.
        var (_, other) = await Hs1.PublicRoomAsync();
        var join = await SignedJoinAsync(other, user, e => e["room_id"] = room);

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "no invite");
    }

    [Fact]
    public async Task RoomVersionTheJoiningServerLacksIsIncompatibleAndNamesIt()
    {
        var (_, room) = await Hs1.PublicRoomAsync();

        var response = await MakeAsync(Hs1, "make_join", room, NewUser(), Joiner.Name, Joiner.Key, query: "?ver=1&ver=2");

        AssertError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION", "version 10");
        Assert.Equal("10", (string?)response.Body!["room_version"]);
        AssertError(await MakeAsync(Hs1, "make_join", room, NewUser(), Joiner.Name, Joiner.Key, query: string.Empty), 400, "M_INCOMPATIBLE_ROOM_VERSION", "(1)");
    }

    [Fact]
    public async Task UnknownRoomIsNotFound()
    {
        var missing = $"!{Guid.NewGuid():N}:hs1";
        AssertError(await MakeAsync(Hs1, "make_join", missing, NewUser(), Joiner.Name, Joiner.Key), 404, "M_NOT_FOUND", "not known");
        AssertError(await MakeAsync(Hs1, "make_leave", missing, NewUser(), Joiner.Name, Joiner.Key, query: string.Empty), 404, "M_NOT_FOUND", "not known");
        AssertError(await MakeAsync(Hs1, "make_join", "!elsewhere:second.test", NewUser(), Joiner.Name, Joiner.Key), 404, "M_NOT_FOUND", "hosted by second.test");

        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var join = await SignedJoinAsync(room, user, e => e["room_id"] = missing);
        AssertError(await PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 404, "M_NOT_FOUND", "not known");
        Assert.Empty(await Store.ReadEventsAsync(missing, 1, 10));
    }

    [Theory]
    [InlineData("GET", "/_matrix/federation/v1/make_join/%21r%3Ahs1/%40u%3Ajoiner.test")]
    [InlineData("GET", "/_matrix/federation/v1/make_leave/%21r%3Ahs1/%40u%3Ajoiner.test")]
    [InlineData("PUT", "/_matrix/federation/v2/send_join/%21r%3Ahs1/%24e")]
    [InlineData("PUT", "/_matrix/federation/v1/send_join/%21r%3Ahs1/%24e")]
    [InlineData("PUT", "/_matrix/federation/v2/send_leave/%21r%3Ahs1/%24e")]
    [InlineData("PUT", "/_matrix/federation/v1/send_leave/%21r%3Ahs1/%24e")]
    [InlineData("PUT", "/_matrix/federation/v1/send/txn1")]
    [InlineData("GET", "/_matrix/federation/v1/event/%24e")]
    [InlineData("GET", "/_matrix/federation/v1/state_ids/%21r%3Ahs1?event_id=%24e")]
    [InlineData("GET", "/_matrix/federation/v1/event_auth/%21r%3Ahs1/%24e")]
    public async Task RequestWithoutXMatrixIsUnauthorized(string method, string target)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), target);
        if (method == "PUT")
        {
            request.Content = new StringContent("""{"origin":"joiner.test","origin_server_ts":1,"pdus":[]}""", System.Text.Encoding.UTF8, "application/json");
        }

        AssertError(await HomeServer.ReadAsync(await Hs1.Http.SendAsync(request)), 401, "M_UNAUTHORIZED", "X-Matrix");
    }

    [Fact]
    public async Task JoinWhoseTemplateTheRoomOutgrewIsRefusedAndAskedToFetchANewOne()
    {
        var (alice, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        var join = await SignedJoinAsync(room, user);
        var levels = (await Hs1.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.power_levels/", alice)).Body!.AsObject();
        levels["kick"] = 60;
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Put, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.power_levels/", alice, levels)).Status);

        await AssertRefusedAsync(room, user, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "ask for a new template");

        await JoinAsync(Hs1, room, user, Joiner.Name, Joiner.Key);
        Assert.Equal("join", await Hs1.MembershipAsync(room, user));
    }

    [Fact]
    public async Task RestrictedRoomAdmitsAMemberOfAnAllowedRoomVouchedForAndSignedByThisServer()
    {
        var (alice, allowed) = await Hs1.PublicRoomAsync();
        var room = await RestrictedRoomAsync(alice, allowed);
        var member = NewUser();
        await JoinAsync(Hs1, allowed, member, Joiner.Name, Joiner.Key);

        var (status, template) = await MakeAsync(Hs1, "make_join", room, member, Joiner.Name, Joiner.Key);
        Assert.Equal(200, status);
        Assert.Equal(alice.UserId, (string?)template!["event"]!["content"]!["join_authorised_via_users_server"]);
        var join = FromTemplate(template, Joiner.Name, Joiner.Key);
        var (sent, answer) = await PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key);

        Assert.Equal(200, sent);
        var signed = answer!["event"]!.AsObject();
        var hs1 = await PublishedKeyAsync(Hs1);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(signed, "10", "hs1", hs1.KeyId, hs1.Key));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(signed, "10", Joiner.Name, Joiner.Key.KeyId, Joiner.Key.PublicKey));
        Assert.Equal(CanonicalJson.Encode(signed), (await Store.ReadEventByIdAsync(room, EventSigning.ComputeEventId(join, "10")))!.Pdu);
        Assert.Equal("join", await Hs1.MembershipAsync(room, member));
    }

    [Fact]
    public async Task RestrictedRoomRefusesAStrangerEvenWithALocalAuthoriserNamed()
    {
        var (alice, allowed) = await Hs1.PublicRoomAsync();
        var room = await RestrictedRoomAsync(alice, allowed);
        var stranger = NewUser();
        AssertError(await MakeAsync(Hs1, "make_join", room, stranger, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "neither invited nor joined");

        // A member's template, claimed by a stranger: the named authoriser would vouch, but this server will not.
        var member = NewUser();
        await JoinAsync(Hs1, allowed, member, Joiner.Name, Joiner.Key);
        var (_, template) = await MakeAsync(Hs1, "make_join", room, member, Joiner.Name, Joiner.Key);
        var join = FromTemplate(template!, Joiner.Name, Joiner.Key, e => (e["sender"], e["state_key"]) = (stranger, stranger));

        await AssertRefusedAsync(room, stranger, () => PutMembershipAsync(Hs1, "send_join", "v2", join, Joiner.Name, Joiner.Key), 403, "M_FORBIDDEN", "joined to none of the rooms");
    }

    [Fact]
    public async Task RestrictedRoomWhoseAllowedRoomsAreElsewhereCannotBeAuthorisedHere()
    {
        var alice = await Hs1.UserAsync("alice");
        var room = await RestrictedRoomAsync(alice, "!far:second.test");

        AssertError(await MakeAsync(Hs1, "make_join", room, NewUser(), Joiner.Name, Joiner.Key), 400, "M_UNABLE_TO_AUTHORISE_JOIN", "neither invited nor joined");
    }

    [Fact]
    public async Task JoinedUserLeavesThroughMakeAndSendLeave()
    {
        var (_, room) = await Hs1.PublicRoomAsync();
        var user = NewUser();
        await JoinAsync(Hs1, room, user, Joiner.Name, Joiner.Key);

        var (status, template) = await MakeAsync(Hs1, "make_leave", room, user, Joiner.Name, Joiner.Key, query: string.Empty);
        Assert.Equal(200, status);
        Assert.Equal("leave", (string?)template!["event"]!["content"]!["membership"]);
        var (sent, body) = await PutMembershipAsync(Hs1, "send_leave", "v1", FromTemplate(template, Joiner.Name, Joiner.Key), Joiner.Name, Joiner.Key);

        Assert.Equal(200, sent);
        Assert.Equal("[200,{}]", body!.ToJsonString());
        Assert.Equal("leave", await Hs1.MembershipAsync(room, user));
    }

    [Fact]
    public async Task UserNotInTheRoomGetsNoLeaveTemplate()
    {
        var (_, room) = await Hs1.PublicRoomAsync();

        AssertError(await MakeAsync(Hs1, "make_leave", room, NewUser(), Joiner.Name, Joiner.Key, query: string.Empty), 403, "M_FORBIDDEN", "cannot leave");
    }

    private static string NewUser() => $"@u{Guid.NewGuid():N}:joiner.test";

    private async Task<string> RestrictedRoomAsync(TestUser creator, string allowed)
    {
        var room = await Hs1.CreateRoomAsync(creator);
        var rule = new JsonObject { ["join_rule"] = "restricted", ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = allowed }) };
        var (status, body) = await Hs1.SendAsync(HttpMethod.Put, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.join_rules/", creator, rule);
        Assert.True(status == 200, body?.ToJsonString());
        return room;
    }

    /// <summary>A join of <paramref name="user"/> from hs1's template, completed and signed by joiner.test (edited before signing).</summary>
    private async Task<JsonObject> SignedJoinAsync(string room, string user, Action<JsonObject>? edit = null)
    {
        var (status, template) = await MakeAsync(Hs1, "make_join", room, user, Joiner.Name, Joiner.Key);
        Assert.Equal(200, status);
        return FromTemplate(template!, Joiner.Name, Joiner.Key, edit);
    }

    /// <summary>The refusal, and the room as before it: the same events, the user's row unchanged, no cursor for the joining server.</summary>
    private async Task AssertRefusedAsync(string room, string user, Func<Task<(int Status, JsonNode? Body)>> send, int status, string errcode, string message)
    {
        var events = (await Store.ReadEventsAsync(room, 1, 1000)).Select(e => e.EventId).ToList();
        var membership = await Hs1.MembershipAsync(room, user);
        var cursors = (await Store.ReadFederationCursorsAsync(room)).Count;

        AssertError(await send(), status, errcode, message);

        Assert.Equal(events, (await Store.ReadEventsAsync(room, 1, 1000)).Select(e => e.EventId));
        Assert.Equal(membership, await Hs1.MembershipAsync(room, user));
        Assert.Equal(cursors, (await Store.ReadFederationCursorsAsync(room)).Count);
    }
}
