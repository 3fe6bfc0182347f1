using System.Diagnostics;
using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Inbound federation invites to hs2 from fake homeservers whose keys the tests hold (served by the test key server on
/// loopback): every step of the checklist, each failure with its status and errcode.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationInviteTests(FederationFixture fixture)
{
    private HomeServer Hs2 => fixture.Hs2;

    private FakeServer Origin => fixture.Remotes["origin.test"];

    [Fact]
    public async Task InviteFromAnAuthenticatedOriginIsCosignedAndOtherwiseUntouched()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");

        var (status, body) = await PutV2Async(Hs2, Origin, ev);

        Assert.Equal(200, status);
        var signed = body!["event"]!.AsObject();
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(signed, "10", Origin.Name, Origin.Key.KeyId, Origin.Key.PublicKey));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(signed, "10", "hs2", Hs2.Key.KeyId, Hs2.Key.PublicKey));
        Assert.Equal(EventSigning.ComputeEventId(ev, "10"), EventSigning.ComputeEventId(signed, "10"));
        signed["signatures"]!.AsObject().Remove("hs2");
        Assert.True(JsonNode.DeepEquals(ev, signed), "only hs2's signature may be added");
    }

    [Fact]
    public async Task InviteeSeesTheRemoteInviteButNotAsAJoinedRoom()
    {
        var bob = await Hs2.UserAsync("bob");
        var room = NewRoom();
        Assert.Equal(200, (await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, room, bob.UserId))).Status);

        var (status, content) = await Hs2.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}", bob);
        Assert.Equal(200, status);
        Assert.Equal("invite", (string?)content!["membership"]);
        Assert.Equal("Bob", (string?)content["displayname"]);

        var (_, joined) = await Hs2.SendAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", bob);
        Assert.DoesNotContain(room, joined!["joined_rooms"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public async Task StoredInviteKeepsBothSignaturesAndThePrunedStrippedState()
    {
        var room = NewRoom();
        var state = StrippedState(Origin.Name);
        state.Add(new JsonObject { ["type"] = "m.room.topic", ["state_key"] = string.Empty, ["sender"] = "@alice:origin.test", ["content"] = new JsonObject { ["topic"] = "t" }, ["hashes"] = new JsonObject() });
        var ev = Invite(Origin.Name, Origin.Key, room, "@bob:hs2");
        Assert.Equal(200, (await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev, state: state), Origin.Name, Origin.Key)).Status);

        var stored = JsonNode.Parse((await Hs2.Get<MembershipStore>().ReadEventsAsync(room, 1, 10)).Single().Pdu)!.AsObject();
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(stored, "10", Origin.Name, Origin.Key.KeyId, Origin.Key.PublicKey));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(stored, "10", "hs2", Hs2.Key.KeyId, Hs2.Key.PublicKey));
        var kept = stored["unsigned"]!["invite_room_state"]!.AsArray();
        Assert.Equal(new[] { "m.room.create", "m.room.name", "m.room.topic" }, kept.Select(e => (string)e!["type"]!));
        Assert.All(kept, e => Assert.Equal(new[] { "content", "sender", "state_key", "type" }, e!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task RepeatedInviteIsAcceptedAgainWithoutASecondEvent()
    {
        var room = NewRoom();
        var ev = Invite(Origin.Name, Origin.Key, room, "@bob:hs2");

        var first = await PutV2Async(Hs2, Origin, ev);
        var second = await PutV2Async(Hs2, Origin, ev);

        Assert.Equal(200, first.Status);
        Assert.Equal(200, second.Status);
        Assert.True(JsonNode.DeepEquals(first.Body, second.Body));
        Assert.Single(await Hs2.Get<MembershipStore>().ReadEventsAsync(room, 1, 10));
    }

    [Fact]
    public async Task V1InviteIsOfRoomVersionOneAndAnswersTheHistoricalArray()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2", roomVersion: "1");
        ev["unsigned"] = new JsonObject { ["invite_room_state"] = StrippedState(Origin.Name, "1") };

        var (status, body) = await SendSignedAsync(Hs2, "PUT", InvitePath("v1", (string)ev["room_id"]!, (string)ev["event_id"]!), ev, Origin.Name, Origin.Key);

        Assert.Equal(200, status);
        Assert.Equal(200, (int)body![0]!);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(body[1]!["event"]!.AsObject(), "1", "hs2", Hs2.Key.KeyId, Hs2.Key.PublicKey));
    }

    [Fact]
    public async Task V1InviteOfALaterRoomVersionEventIsInvalid()
    {
        // A version 10 event has no event_id; read as room version 1 (what v1 implies) it has no ID at all.
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", InvitePath("v1", (string)ev["room_id"]!, EventSigning.ComputeEventId(ev, "10")), ev, Origin.Name, Origin.Key);

        AssertError(response, 400, "M_INVALID_PARAM", "event_id");
    }

    [Fact]
    public async Task RequestWithoutXMatrixIsUnauthorized()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        using var request = new HttpRequestMessage(HttpMethod.Put, V2Path(ev)) { Content = new StringContent(V2Body(ev).ToJsonString()) };

        AssertError(await HomeServer.ReadAsync(await Hs2.Http.SendAsync(request)), 401, "M_UNAUTHORIZED", "X-Matrix");
    }

    [Fact]
    public async Task RequestSignedForAnotherDestinationIsUnauthorized()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), Origin.Name, Origin.Key, destination: "hs3");

        AssertError(response, 401, "M_UNAUTHORIZED", "addressed to 'hs3'");
    }

    [Fact]
    public async Task RequestBodyOtherThanTheSignedOneIsUnauthorized()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var signedBody = V2Body(ev);
        signedBody["invite_room_state"] = new JsonArray();

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), Origin.Name, Origin.Key, signedBody: signedBody);

        AssertError(response, 401, "M_UNAUTHORIZED", "does not verify");
    }

    [Fact]
    public async Task RequestSignedOverTheDecodedPathIsUnauthorized()
    {
        // The signature must cover the request target exactly as sent (percent-encoded), not a decoded form.
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var sent = V2Path(ev);
        var decoded = Uri.UnescapeDataString(sent);
        using var request = new HttpRequestMessage(HttpMethod.Put, sent) { Content = new StringContent(V2Body(ev).ToJsonString()) };
        request.Headers.TryAddWithoutValidation("Authorization", XMatrix.CreateHeader("PUT", decoded, Origin.Name, "hs2", V2Body(ev), Origin.Key));

        AssertError(await HomeServer.ReadAsync(await Hs2.Http.SendAsync(request)), 401, "M_UNAUTHORIZED", "does not verify");
    }

    [Fact]
    public async Task OriginWhoseKeysHaveExpiredIsUnauthorized()
    {
        var expired = fixture.Remotes["expired.test"];

        var response = await PutV2Async(Hs2, expired, Invite(expired.Name, expired.Key, NewRoom(), "@bob:hs2"));

        AssertError(response, 401, "M_UNAUTHORIZED", "expired");
    }

    [Fact]
    public async Task OriginWhoseKeyAnswerIsNotSelfSignedIsUnauthorized()
    {
        var badsig = fixture.Remotes["badsig.test"];

        var response = await PutV2Async(Hs2, badsig, Invite(badsig.Name, badsig.Key, NewRoom(), "@bob:hs2"));

        AssertError(response, 401, "M_UNAUTHORIZED", "does not verify");
    }

    [Fact]
    public async Task OriginWhoseKeyServerIsDownIsUnauthorizedAtOnce()
    {
        var key = FakeServer.KeyFrom("down.test", "ed25519:k1");
        var ev = Invite("down.test", key, NewRoom(), "@bob:hs2");
        var clock = Stopwatch.StartNew();

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), "down.test", key);

        AssertError(response, 401, "M_UNAUTHORIZED", "could not be fetched");
        Assert.True(clock.Elapsed < FederationFixture.RequestTimeout + TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task OriginWhoseKeyServerHangsIsUnauthorizedWithinTheRequestTimeout()
    {
        var slow = fixture.Remotes["slow.test"];
        var clock = Stopwatch.StartNew();

        var response = await PutV2Async(Hs2, slow, Invite(slow.Name, slow.Key, NewRoom(), "@bob:hs2"));

        AssertError(response, 401, "M_UNAUTHORIZED", "did not answer within");
        Assert.True(clock.Elapsed < FederationFixture.RequestTimeout + TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task RequestSignedWithARetiredKeyIsUnauthorized()
    {
        var rotated = fixture.Remotes["rotated.test"];
        var ev = Invite(rotated.Name, rotated.Key, NewRoom(), "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), rotated.Name, rotated.OldKey);

        AssertError(response, 401, "M_UNAUTHORIZED", "no current key ed25519:k1");
    }

    [Fact]
    public async Task InviteSignedWithAKeyRetiredAfterItWasSentIsAccepted()
    {
        // Old keys verify events from before their expired_ts (a day ago here); requests need the current key.
        var rotated = fixture.Remotes["rotated.test"];
        var ev = Invite(rotated.Name, rotated.OldKey, NewRoom(), "@bob:hs2", edit: e => e["origin_server_ts"] = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds());

        var (status, _) = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), rotated.Name, rotated.Key);

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task InviteWithATamperedSignatureIsForbidden()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var forgery = ev.DeepClone().AsObject();
        EventSigning.AddSignature(forgery, "10", Origin.Name, FakeServer.KeyFrom("forger", Origin.Key.KeyId));
        ev["signatures"] = forgery["signatures"]!.DeepClone();

        AssertError(await PutV2Async(Hs2, Origin, ev), 403, "M_FORBIDDEN", "does not verify");
    }

    [Fact]
    public async Task InviteChangedAfterItWasSignedIsForbidden()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        ev["content"]!["displayname"] = "Someone else";

        AssertError(await PutV2Async(Hs2, Origin, ev), 403, "M_FORBIDDEN", "hashes.sha256");
    }

    [Fact]
    public async Task InviteWithoutTheOriginsSignatureIsForbidden()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        ev["signatures"] = new JsonObject();

        AssertError(await PutV2Async(Hs2, Origin, ev), 403, "M_FORBIDDEN", "no signature of origin.test");
    }

    [Fact]
    public async Task InviteOfAUserOfAnotherServerIsInvalid()
    {
        var response = await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, NewRoom(), "@carol:elsewhere.test"));

        AssertError(response, 400, "M_INVALID_PARAM", "not a user of this server");
    }

    [Fact]
    public async Task InviteSentByAUserOfAnotherServerThanTheOriginIsInvalid()
    {
        var response = await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2", sender: "@mallory:hs1"));

        AssertError(response, 400, "M_INVALID_PARAM", "not a user of origin.test");
    }

    [Fact]
    public async Task UnsupportedRoomVersionIsIncompatibleAndNamesTheVersion()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var body = V2Body(ev);
        body["room_version"] = "12";

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), body, Origin.Name, Origin.Key);

        AssertError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION", "'12'");
        Assert.Equal("12", (string?)response.Body!["room_version"]);
    }

    [Fact]
    public async Task RoomVersionOtherThanTheStrippedCreateEventsIsInvalid()
    {
        // An event without "origin" reads alike under version 10 and 11 rules; the create event says which it is.
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2", roomVersion: "11");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev, "11"), V2Body(ev, "11", StrippedState(Origin.Name, "10")), Origin.Name, Origin.Key);

        AssertError(response, 400, "M_INVALID_PARAM", "m.room.create is of room version '10', not '11'");
    }

    [Fact]
    public async Task EventOtherThanAMemberEventIsInvalid()
    {
        var response = await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2", edit: e => e["type"] = "m.room.message"));

        AssertError(response, 400, "M_INVALID_PARAM", "not m.room.member");
    }

    [Fact]
    public async Task MembershipOtherThanInviteIsInvalid()
    {
        var response = await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2", edit: e => e["content"]!["membership"] = "join"));

        AssertError(response, 400, "M_INVALID_PARAM", "not invite");
    }

    [Fact]
    public async Task PathRoomIdOtherThanTheEventsIsInvalidAndNothingIsStored()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var decoy = NewRoom();

        var response = await SendSignedAsync(Hs2, "PUT", InvitePath("v2", decoy, EventSigning.ComputeEventId(ev, "10")), V2Body(ev), Origin.Name, Origin.Key);

        AssertError(response, 400, "M_INVALID_PARAM", "path names room");
        Assert.Empty(await Hs2.Get<MembershipStore>().ReadEventsAsync(decoy, 1, 10));
        Assert.Empty(await Hs2.Get<MembershipStore>().ReadEventsAsync((string)ev["room_id"]!, 1, 10));
    }

    [Fact]
    public async Task PathEventIdOtherThanTheEventsIsInvalid()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", InvitePath("v2", (string)ev["room_id"]!, "$someOtherEvent"), V2Body(ev), Origin.Name, Origin.Key);

        AssertError(response, 400, "M_INVALID_PARAM", "path names event");
    }

    [Fact]
    public async Task InviteIntoARoomHostedHereIsForbidden()
    {
        var response = await PutV2Async(Hs2, Origin, Invite(Origin.Name, Origin.Key, "!someroom:hs2", "@bob:hs2"));

        AssertError(response, 403, "M_FORBIDDEN", "hosted by this server");
    }

    [Fact]
    public async Task V2BodyWithoutRoomVersionIsMissingAParam()
    {
        var ev = Invite(Origin.Name, Origin.Key, NewRoom(), "@bob:hs2");
        var body = V2Body(ev);
        body.Remove("room_version");

        AssertError(await SendSignedAsync(Hs2, "PUT", V2Path(ev), body, Origin.Name, Origin.Key), 400, "M_MISSING_PARAM", "room_version");
    }

    private static string NewRoom() => $"!{Guid.NewGuid():N}:origin.test";
}
