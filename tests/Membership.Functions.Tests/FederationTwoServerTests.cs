using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Two instances of the service as two homeservers on loopback: a user of hs1 invites a user of hs2 through the
/// client API, hs1 sends the federation invite, hs2 checks and co-signs it, both keep the same event.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationTwoServerTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    private HomeServer Hs2 => fixture.Hs2;

    [Fact]
    public async Task LocalUserInvitesARemoteUserAndBothServersSignTheInvite()
    {
        var alice = await Hs1.UserAsync("alice");
        var bob = await Hs2.UserAsync("bob");
        var room = await Hs1.CreateRoomAsync(alice);

        var (status, body) = await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite", alice, new JsonObject { ["user_id"] = bob.UserId });

        Assert.True(status == 200, body?.ToJsonString());
        var atHs1 = await InviteOfAsync(Hs1, room, bob.UserId);
        var pdu = JsonNode.Parse(atHs1.Pdu)!.AsObject();
        var hs1Key = await PublishedKeyAsync(Hs1);
        var hs2Key = await PublishedKeyAsync(Hs2);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(pdu, "10", "hs1", hs1Key.KeyId, hs1Key.Key));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(pdu, "10", "hs2", hs2Key.KeyId, hs2Key.Key));
        Assert.Equal(atHs1.EventId, EventSigning.ComputeEventId(pdu, "10"));

        var atHs2 = await InviteOfAsync(Hs2, room, bob.UserId);
        Assert.Equal(atHs1.EventId, atHs2.EventId);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(JsonNode.Parse(atHs2.Pdu)!.AsObject(), "10", "hs1", hs1Key.KeyId, hs1Key.Key));
    }

    [Fact]
    public async Task RemoteInviteeSeesTheInviteButNotAsAJoinedRoom()
    {
        var alice = await Hs1.UserAsync("alice");
        var bob = await Hs2.UserAsync("bob");
        var room = await Hs1.CreateRoomAsync(alice);
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite", alice, new JsonObject { ["user_id"] = bob.UserId, ["reason"] = "come over" })).Status);

        var (status, content) = await Hs2.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}", bob);
        Assert.Equal(200, status);
        Assert.Equal("invite", (string?)content!["membership"]);
        Assert.Equal("come over", (string?)content["reason"]);

        var (_, joined) = await Hs2.SendAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", bob);
        Assert.DoesNotContain(room, joined!["joined_rooms"]!.AsArray().Select(r => (string?)r));

        var (_, members) = await Hs1.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/members", alice);
        Assert.Contains(members!["chunk"]!.AsArray(), m => (string?)m!["state_key"] == bob.UserId && (string?)m["content"]!["membership"] == "invite");
    }

    [Fact]
    public async Task RepeatedRemoteInviteIsIdempotentOnBothServers()
    {
        var alice = await Hs1.UserAsync("alice");
        var room = await Hs1.CreateRoomAsync(alice);
        var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite";

        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, path, alice, new JsonObject { ["user_id"] = "@carol:hs2" })).Status);
        var hs1Events = (await Hs1.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000)).Count;
        Assert.Equal(200, (await Hs1.SendAsync(HttpMethod.Post, path, alice, new JsonObject { ["user_id"] = "@carol:hs2" })).Status);

        Assert.Equal(hs1Events, (await Hs1.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000)).Count);
        Assert.Single(await Hs2.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000));
    }

    [Fact]
    public async Task InviteTheRulesRefuseNeverReachesTheRemote()
    {
        var alice = await Hs1.UserAsync("alice");
        var mallory = await Hs1.UserAsync("mallory");
        var room = await Hs1.CreateRoomAsync(alice);

        var response = await Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite", mallory, new JsonObject { ["user_id"] = "@dave:hs2" });

        AssertError(response, 403, "M_FORBIDDEN", "mallory");
        Assert.Empty(await Hs2.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000));
    }

    [Fact]
    public async Task Hs1InviteWithATamperedSignatureIsRefusedByHs2()
    {
        var ev = Invite("hs1", Hs1.Key, $"!{Guid.NewGuid():N}:hs1", "@bob:hs2");
        var signature = (string)ev["signatures"]!["hs1"]![Hs1.Key.KeyId]!;
        ev["signatures"]!["hs1"]![Hs1.Key.KeyId] = (signature[0] == 'A' ? "B" : "A") + signature[1..];

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), "hs1", Hs1.Key);

        AssertError(response, 403, "M_FORBIDDEN", "does not verify");
    }

    [Fact]
    public async Task Hs1RequestForAnotherDestinationIsRefusedByHs2()
    {
        var ev = Invite("hs1", Hs1.Key, $"!{Guid.NewGuid():N}:hs1", "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), "hs1", Hs1.Key, destination: "hs3");

        AssertError(response, 401, "M_UNAUTHORIZED", "not to this server (hs2)");
    }

    [Fact]
    public async Task Hs1RequestSignedWithItsExpiredKeyIsRefusedByHs2()
    {
        // hs1 publishes ed25519:old only under old_verify_keys (expired_ts in 2023): it may not sign requests.
        var ev = Invite("hs1", Hs1.Key, $"!{Guid.NewGuid():N}:hs1", "@bob:hs2");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), "hs1", FederationFixture.Hs1OldKey);

        AssertError(response, 401, "M_UNAUTHORIZED", "no current key ed25519:old");
    }

    [Fact]
    public async Task InviteFromAnOriginWithExpiredKeysIsRefusedByHs2()
    {
        var expired = fixture.Remotes["expired.test"];

        var response = await PutV2Async(Hs2, expired, Invite(expired.Name, expired.Key, $"!{Guid.NewGuid():N}:expired.test", "@bob:hs2"));

        AssertError(response, 401, "M_UNAUTHORIZED", "valid_until_ts");
    }

    [Fact]
    public async Task Hs1InviteOfAUserNotOnHs2IsRefusedByHs2()
    {
        var ev = Invite("hs1", Hs1.Key, $"!{Guid.NewGuid():N}:hs1", "@carol:hs1");

        var response = await SendSignedAsync(Hs2, "PUT", V2Path(ev), V2Body(ev), "hs1", Hs1.Key);

        AssertError(response, 400, "M_INVALID_PARAM", "not a user of this server (hs2)");
    }

    private static async Task<EventRecord> InviteOfAsync(HomeServer server, string room, string user) =>
        (await server.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000)).Last(e => e.Type == "m.room.member" && e.StateKey == user);
}
