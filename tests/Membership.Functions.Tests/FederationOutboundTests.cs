using System.Diagnostics;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;
using Membership.Service.Federation;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Outgoing invites from hs1 to fake homeservers that refuse, fail, hang, or answer with something other than the
/// co-signed event: how each reaches the inviting client, and that nothing is committed.
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationOutboundTests(FederationFixture fixture)
{
    private HomeServer Hs1 => fixture.Hs1;

    [Fact]
    public async Task InviteIsSentSignedWithXMatrixAndCommittedWithTheRemotesSignature()
    {
        var (alice, room) = await RoomAsync();
        var remote = fixture.Remotes["origin.test"];
        var before = remote.Requests.Count;

        var (status, _) = await InviteAsync(alice, room, "@erin:origin.test");

        Assert.Equal(200, status);
        var request = remote.Requests.Skip(before).Single(r => r.Method == "PUT");
        Assert.StartsWith($"/_matrix/federation/v2/invite/{Uri.EscapeDataString(room)}/%24", request.Target, StringComparison.Ordinal);
        Assert.True(XMatrix.TryParse(request.Authorization, out var auth, out _));
        Assert.Equal(("hs1", "origin.test"), (auth.Origin, auth.Destination));
        Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(auth, "PUT", request.Target, "origin.test", request.Body, Hs1.Key.PublicKey));
        Assert.Equal("10", (string?)request.Body!["room_version"]);
        Assert.Contains(request.Body["invite_room_state"]!.AsArray(), e => (string?)e!["type"] == "m.room.create" && e["signatures"] is JsonObject);

        var committed = JsonNode.Parse((await Hs1.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000))[^1].Pdu)!.AsObject();
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(committed, "10", "origin.test", remote.Key.KeyId, remote.Key.PublicKey));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(committed, "10", "hs1", Hs1.Key.KeyId, Hs1.Key.PublicKey));
    }

    [Fact]
    public async Task RemoteRefusalIsForbiddenWithTheRemotesReasonAndCommitsNothing()
    {
        var (alice, room) = await RoomAsync();

        var response = await InviteAsync(alice, room, "@frank:refuses.test");

        AssertError(response, 403, "M_FORBIDDEN", "does not accept invites from strangers");
        await AssertNotInvitedAsync(alice, room, "@frank:refuses.test");
    }

    [Fact]
    public async Task UnreachableRemoteIsBadGatewayAndCommitsNothing()
    {
        var (alice, room) = await RoomAsync();

        var response = await InviteAsync(alice, room, "@gina:down.test");

        AssertError(response, 502, "M_UNKNOWN", "could not be reached");
        await AssertNotInvitedAsync(alice, room, "@gina:down.test");
    }

    [Fact]
    public async Task RemoteThatDoesNotAnswerIsGatewayTimeoutWithinTheInviteTimeout()
    {
        var (alice, room) = await RoomAsync();
        var clock = Stopwatch.StartNew();

        var response = await InviteAsync(alice, room, "@hank:hangs.test");

        AssertError(response, 504, "M_UNKNOWN", "did not answer within");
        Assert.True(clock.Elapsed < FederationFixture.InviteTimeout + TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        await AssertNotInvitedAsync(alice, room, "@hank:hangs.test");
    }

    [Fact]
    public async Task RemoteThatChangesTheEventIsBadGatewayAndCommitsNothing()
    {
        var (alice, room) = await RoomAsync();

        var response = await InviteAsync(alice, room, "@ivy:tampers.test");

        AssertError(response, 502, "M_UNKNOWN", "changed the invite event");
        await AssertNotInvitedAsync(alice, room, "@ivy:tampers.test");
    }

    [Fact]
    public async Task RemoteSignatureByAKeyItDoesNotPublishIsBadGateway()
    {
        var (alice, room) = await RoomAsync();

        var response = await InviteAsync(alice, room, "@jack:impostor.test");

        AssertError(response, 502, "M_UNKNOWN", "does not verify");
        await AssertNotInvitedAsync(alice, room, "@jack:impostor.test");
    }

    [Fact]
    public async Task RemoteServerErrorIsBadGateway()
    {
        var (alice, room) = await RoomAsync();

        AssertError(await InviteAsync(alice, room, "@kim:fails.test"), 502, "M_UNKNOWN", "500");
        await AssertNotInvitedAsync(alice, room, "@kim:fails.test");
    }

    [Fact]
    public async Task RemoteWithoutTheRoomVersionPassesItsErrorOn()
    {
        var (alice, room) = await RoomAsync();

        AssertError(await InviteAsync(alice, room, "@lou:oldrooms.test"), 400, "M_INCOMPATIBLE_ROOM_VERSION", "room version 10");
        await AssertNotInvitedAsync(alice, room, "@lou:oldrooms.test");
    }

    [Fact]
    public async Task RemoteWithoutTheV2EndpointIsNotSentALaterRoomVersionOverV1()
    {
        var (alice, room) = await RoomAsync();
        var remote = fixture.Remotes["v1only.test"];
        var before = remote.Requests.Count;

        var response = await InviteAsync(alice, room, "@max:v1only.test");

        AssertError(response, 400, "M_UNSUPPORTED_ROOM_VERSION", "cannot be sent over v1");
        Assert.DoesNotContain(remote.Requests.Skip(before), r => r.Target.StartsWith("/_matrix/federation/v1/invite", StringComparison.Ordinal));
        await AssertNotInvitedAsync(alice, room, "@max:v1only.test");
    }

    [Fact]
    public async Task RoomVersionOneInviteFallsBackToV1WhenV2IsUnknown()
    {
        var remote = fixture.Remotes["v1only.test"];
        var ev = FederationCalls.Invite("hs1", Hs1.Key, $"!{Guid.NewGuid():N}:hs1", "@max:v1only.test", roomVersion: "1");
        var invite = new OutgoingInvite(ServerName.Parse(remote.Name), "1", (string)ev["event_id"]!, ev, []);

        var cosigned = await Hs1.Get<InviteSender>().RequestCosignatureAsync(invite, CancellationToken.None);

        Assert.Equal(EventCheck.Valid, EventSigning.Verify(cosigned, "1", remote.Name, remote.Key.KeyId, remote.Key.PublicKey));
        var targets = remote.Requests.Where(r => r.Target.Contains(Uri.EscapeDataString((string)ev["event_id"]!), StringComparison.Ordinal)).Select(r => r.Target.Split('/')[3]).ToList();
        Assert.Equal(new[] { "v2", "v1" }, targets);
    }

    private async Task<(TestUser Alice, string Room)> RoomAsync()
    {
        var alice = await Hs1.UserAsync("alice");
        return (alice, await Hs1.CreateRoomAsync(alice));
    }

    private Task<(int Status, JsonNode? Body)> InviteAsync(TestUser inviter, string room, string invitee) =>
        Hs1.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/invite", inviter, new JsonObject { ["user_id"] = invitee });

    private async Task AssertNotInvitedAsync(TestUser member, string room, string user)
    {
        var (_, members) = await Hs1.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/members", member);
        Assert.DoesNotContain(members!["chunk"]!.AsArray(), m => (string?)m!["state_key"] == user);
        Assert.DoesNotContain(await Hs1.Get<MembershipStore>().ReadEventsAsync(room, 1, 1000), e => e.StateKey == user);
    }
}
