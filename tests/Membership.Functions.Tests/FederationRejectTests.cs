using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Storage;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// A user of hs2 rejects (<c>POST /leave</c>) an invite to a room hosted by a fake server: through that server when it
/// takes the leave, and out of band when it cannot be reached, fails or refuses; the invite is gone either way, and
/// <c>/forget</c> works after. (The two-server rejection through hs1 is in <see cref="FederationLifecycleTests"/>.)
/// </summary>
[Collection(FederationServers.Name)]
public sealed class FederationRejectTests(FederationFixture fixture)
{
    private HomeServer Hs2 => fixture.Hs2;

    [Fact]
    public async Task RejectionTheInvitingServerTakesIsTheLeaveItWasSent()
    {
        var inviter = fixture.Remotes["leaves.test"];
        var (user, room, _) = await InvitedAsync(inviter);

        Assert.Equal(200, (await Hs2.SendAsync(HttpMethod.Post, LeavePath(room), user, new JsonObject { ["reason"] = "no thanks" })).Status);

        var sent = inviter.Requests.Single(r => r.Method == "PUT" && r.Target.StartsWith($"/_matrix/federation/v2/send_leave/{Uri.EscapeDataString(room)}/", StringComparison.Ordinal));
        var leave = sent.Body!.AsObject();
        var hs2 = await PublishedKeyAsync(Hs2);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(leave, "10", "hs2", hs2.KeyId, hs2.Key));
        Assert.EndsWith(Uri.EscapeDataString(EventSigning.ComputeEventId(leave, "10")), sent.Target, StringComparison.Ordinal);
        Assert.True(XMatrix.TryParse(sent.Authorization, out var auth, out _));
        Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(auth, "PUT", sent.Target, inviter.Name, leave, hs2.Key));
        Assert.Equal("no thanks", (string?)leave["content"]!["reason"]);
        Assert.Equal(["$invite"], leave["prev_events"]!.AsArray().Select(p => (string?)p));

        var stored = await LastMemberEventAsync(room, user);
        Assert.Equal(CanonicalJson.Encode(leave), stored.Pdu);
        Assert.Equal("reject_invite", stored.Action);
        Assert.Equal("leave", await Hs2.MembershipAsync(room, user.UserId));
        Assert.Equal(200, (await Hs2.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/forget", user)).Status);
    }

    [Theory]
    [InlineData("drops.test")]
    [InlineData("refusesleave.test")]
    [InlineData("origin.test")]
    public async Task RejectionTheInvitingServerDoesNotTakeIsALeaveOfOurOwn(string server)
    {
        // drops.test closes the connection (down), refusesleave.test answers 403, origin.test serves no make_leave.
        var (user, room, inviteId) = await InvitedAsync(fixture.Remotes[server]);

        var (status, body) = await Hs2.SendAsync(HttpMethod.Post, LeavePath(room), user);

        Assert.True(status == 200, body?.ToJsonString());
        Assert.Equal("leave", await Hs2.MembershipAsync(room, user.UserId));
        var stored = await LastMemberEventAsync(room, user);
        Assert.Equal("reject_invite_out_of_band", stored.Action);
        var leave = JsonNode.Parse(stored.Pdu)!.AsObject();
        var hs2 = await PublishedKeyAsync(Hs2);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(leave, "10", "hs2", hs2.KeyId, hs2.Key));
        Assert.Equal([inviteId], leave["prev_events"]!.AsArray().Select(p => (string?)p));
        Assert.Equal([inviteId], leave["auth_events"]!.AsArray().Select(p => (string?)p));
        Assert.Equal(8, (long)leave["depth"]!);
        Assert.DoesNotContain(fixture.Remotes[server].Requests, r => r.Target.Contains("/send_leave/", StringComparison.Ordinal));

        // Gone for good: a second rejection is refused, forgetting works.
        AssertError(await Hs2.SendAsync(HttpMethod.Post, LeavePath(room), user), 403, "M_FORBIDDEN", "membership is 'leave'");
        Assert.Equal(200, (await Hs2.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/forget", user)).Status);
    }

    [Fact]
    public async Task LeavingARemoteRoomOneWasNeverInvitedToIsNotFound()
    {
        var user = await Hs2.UserAsync("lonely");

        AssertError(await Hs2.SendAsync(HttpMethod.Post, LeavePath($"!{Guid.NewGuid():N}:leaves.test"), user), 404, "M_NOT_FOUND", "not known");
    }

    [Fact]
    public async Task JoiningARemoteRoomIsStillRefusedClearly()
    {
        var (user, room, _) = await InvitedAsync(fixture.Remotes["leaves.test"]);

        AssertError(await Hs2.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/join", user), 404, "M_NOT_FOUND", "not supported yet");
        Assert.Equal("invite", await Hs2.MembershipAsync(room, user.UserId));
    }

    /// <summary>A user of hs2 invited by <paramref name="inviter"/> to a new room of its; the invite's event ID.</summary>
    private async Task<(TestUser User, string Room, string InviteId)> InvitedAsync(FakeServer inviter)
    {
        var user = await Hs2.UserAsync("invitee");
        var room = $"!{Guid.NewGuid():N}:{inviter.Name}";
        var invite = Invite(inviter.Name, inviter.Key, room, user.UserId);
        Assert.Equal(200, (await PutV2Async(Hs2, inviter, invite)).Status);
        return (user, room, EventSigning.ComputeEventId(invite, "10"));
    }

    private async Task<EventRecord> LastMemberEventAsync(string room, TestUser user) =>
        (await Hs2.Get<MembershipStore>().ReadEventsAsync(room, 1, 100)).Last(e => e.StateKey == user.UserId);

    private static string LeavePath(string room) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/leave";
}
