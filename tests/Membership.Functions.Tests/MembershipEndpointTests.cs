using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// join, invite, kick, ban, unban, leave, forget and knock over real HTTP: each success and each error path, with
/// status and errcode. Every test makes its own users and rooms.
/// </summary>
public sealed class MembershipEndpointTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    // ---- join ----

    [Fact]
    public async Task JoinByRoomIdAnswersTheRoomIdAndMakesTheUserJoined()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        var response = await fixture.PostAsync(Room(room, "/join"), bob);

        AssertOk(response);
        Assert.Equal(room, (string?)response.Body!["room_id"]);
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task JoinByAliasResolvesTheAliasToTheRoom()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var aliasName = Unique("hall");
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = aliasName });

        var response = await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString($"#{aliasName}:localhost")}", bob);

        AssertOk(response);
        Assert.Equal(room, (string?)response.Body!["room_id"]);
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task JoinByIdOrAliasKeepsCustomBodyKeysInTheMemberContent()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var aliasName = Unique("custom");
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = aliasName });

        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", bob, new JsonObject { ["foo"] = "bar", ["membership"] = "ban" }));
        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString($"#{aliasName}:localhost")}", carol, new JsonObject { ["foo"] = "baz" }));

        var bobState = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), bob);
        AssertOk(bobState);
        Assert.Equal("join", (string?)bobState.Body!["membership"]);
        Assert.Equal("bar", (string?)bobState.Body["foo"]);
        var carolRow = await fixture.MemberRowAsync(room, carol.UserId);
        Assert.Equal("baz", (string?)JsonNode.Parse(carolRow!.Content)!["foo"]);
    }

    [Fact]
    public async Task JoinByRoomIdPathKeepsOnlyTheReasonFromTheBody()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        AssertOk(await fixture.PostAsync(Room(room, "/join"), bob, new JsonObject { ["foo"] = "bar", ["reason"] = "hello" }));

        var content = JsonNode.Parse((await fixture.MemberRowAsync(room, bob.UserId))!.Content)!.AsObject();
        Assert.Equal("join", (string?)content["membership"]);
        Assert.Equal("hello", (string?)content["reason"]);
        Assert.False(content.ContainsKey("foo"));
    }

    [Fact]
    public async Task JoinAcceptsViaAndServerNameQueryParameters()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);

        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}?via=localhost&via=example.org", bob));
        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}?server_name=localhost", carol));

        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
        Assert.Equal("join", await fixture.MembershipAsync(room, carol));
    }

    [Fact]
    public async Task JoiningTwiceIsANoOpThatWritesNoEvent()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        var before = await fixture.HeadAsync(room);

        await fixture.JoinAsync(bob, room);

        Assert.Equal(before.Seq, (await fixture.HeadAsync(room)).Seq);
    }

    [Fact]
    public async Task JoinOfAnUnknownRoomOrAliasIsNotFound()
    {
        var bob = await fixture.NewUserAsync("bob");

        AssertError(await fixture.PostAsync(Room("!nosuchroom:localhost", "/join"), bob), 404, "M_NOT_FOUND");
        AssertError(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString("#nosuchalias:localhost")}", bob), 404, "M_NOT_FOUND");
        AssertError(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString("!elsewhere:other.example")}", bob), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task JoinWithSomethingThatIsNeitherRoomIdNorAliasIsInvalidParam()
    {
        var bob = await fixture.NewUserAsync("bob");

        AssertError(await fixture.PostAsync($"{V3}/join/not-a-room", bob), 400, "M_INVALID_PARAM");
        AssertError(await fixture.PostAsync(Room("no-sigil:localhost", "/join"), bob), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task JoinOfAnInviteOnlyRoomWithoutAnInviteIsForbidden()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        AssertError(await fixture.PostAsync(Room(room, "/join"), bob), 403, "M_FORBIDDEN");
        Assert.Null(await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task JoinOfABannedUserIsBadState()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.ActAsync("ban", alice, room, bob);

        AssertError(await fixture.PostAsync(Room(room, "/join"), bob), 403, "M_BAD_STATE");
        Assert.Equal("ban", await fixture.MembershipAsync(room, bob));
    }

    // ---- invite ----

    [Fact]
    public async Task InviteMakesTheTargetInvitedAndRepeatingItWritesNoNewEvent()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        var first = await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = bob.UserId });
        AssertOk(first);
        Assert.Equal(new JsonObject(), first.Body);
        var afterFirst = await fixture.HeadAsync(room);

        AssertOk(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = bob.UserId }));

        Assert.Equal("invite", await fixture.MembershipAsync(room, bob));
        Assert.Equal(afterFirst.Seq, (await fixture.HeadAsync(room)).Seq);
        await fixture.JoinAsync(bob, room);
    }

    [Fact]
    public async Task InviteOfAJoinedUserIsForbidden()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        AssertError(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = bob.UserId }), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task InviteOfABannedUserIsBadState()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.ActAsync("ban", alice, room, bob);

        AssertError(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = bob.UserId }), 403, "M_BAD_STATE");
        Assert.Equal("ban", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task InvitingYourselfIsForbidden()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = alice.UserId }), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task InviteByAMemberBelowTheInviteLevelIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" }); // invite level 50
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PostAsync(Room(room, "/invite"), bob, new JsonObject { ["user_id"] = carol.UserId });

        AssertError(response, 403, "M_FORBIDDEN");
        Assert.Contains("power level", (string?)response.Body!["error"], StringComparison.Ordinal);
        Assert.Null(await fixture.MembershipAsync(room, carol));
    }

    [Fact]
    public async Task InviteByANonMemberIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        AssertError(await fixture.PostAsync(Room(room, "/invite"), bob, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task InviteWithoutUserIdIsMissingParam()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["reason"] = "no target" }), 400, "M_MISSING_PARAM");
        AssertError(await fixture.PostAsync(Room(room, "/kick"), alice), 400, "M_MISSING_PARAM");
        AssertError(await fixture.PostAsync(Room(room, "/ban"), alice), 400, "M_MISSING_PARAM");
        AssertError(await fixture.PostAsync(Room(room, "/unban"), alice), 400, "M_MISSING_PARAM");
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("@bob")]
    [InlineData("@:localhost")]
    [InlineData("!bob:localhost")]
    [InlineData("@bob:bad_server!")]
    public async Task InviteWithAMalformedUserIdIsInvalidParam(string userId)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = userId }), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task InviteToAnUnknownRoomIsNotFound()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        AssertError(await fixture.PostAsync(Room("!nosuchroom:localhost", "/invite"), alice, new JsonObject { ["user_id"] = bob.UserId }), 404, "M_NOT_FOUND");
    }

    // ---- kick ----

    [Fact]
    public async Task KickOfAJoinedUserMakesThemLeftWithTheReason()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = bob.UserId, ["reason"] = "spam" });

        AssertOk(response);
        Assert.Equal(new JsonObject(), response.Body);
        var row = await fixture.MemberRowAsync(room, bob.UserId);
        Assert.Equal("leave", row!.Membership);
        Assert.Equal(alice.UserId, row.Sender);
        Assert.Equal("spam", (string?)JsonNode.Parse(row.Content)!["reason"]);
    }

    [Fact]
    public async Task KickOfAnInvitedUserRevokesTheInvite()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        await fixture.ActAsync("invite", alice, room, bob);

        await fixture.ActAsync("kick", alice, room, bob);

        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        AssertError(await fixture.PostAsync(Room(room, "/join"), bob), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task KickOfAKnockingUserDeniesTheKnock()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await KnockRoomAsync(alice);
        AssertOk(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString(room)}", bob));

        await fixture.ActAsync("kick", alice, room, bob);

        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task KickOfALeftUserIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));
        var before = await fixture.HeadAsync(room);

        AssertError(await fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = bob.UserId }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");

        Assert.Equal(before.Seq, (await fixture.HeadAsync(room)).Seq);
    }

    [Fact]
    public async Task KickOfABannedUserIsBadStateAndTheUserStaysBanned()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.ActAsync("ban", alice, room, bob);

        AssertError(await fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = bob.UserId, ["reason"] = "again" }), 403, "M_BAD_STATE");

        Assert.Equal("ban", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task KickOfAUserWithEqualPowerIsForbidden()
    {
        var (alice, mod1, mod2, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("mod"), await fixture.NewUserAsync("mod"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [alice.UserId] = 100, [mod1.UserId] = 50, [mod2.UserId] = 50 } },
        });
        foreach (var user in new[] { mod1, mod2, bob })
        {
            await fixture.JoinAsync(user, room);
        }

        AssertError(await fixture.PostAsync(Room(room, "/kick"), mod1, new JsonObject { ["user_id"] = mod2.UserId }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PostAsync(Room(room, "/kick"), mod1, new JsonObject { ["user_id"] = alice.UserId }), 403, "M_FORBIDDEN");
        await fixture.ActAsync("kick", mod1, room, bob);

        Assert.Equal("join", await fixture.MembershipAsync(room, mod2));
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task KickByAUserBelowTheKickLevelIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(carol, room);

        AssertError(await fixture.PostAsync(Room(room, "/kick"), bob, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");
        Assert.Equal("join", await fixture.MembershipAsync(room, carol));
    }

    // ---- ban / unban ----

    [Fact]
    public async Task BanRemovesAJoinedUserAndKeepsThemOut()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PostAsync(Room(room, "/ban"), alice, new JsonObject { ["user_id"] = bob.UserId, ["reason"] = "abuse" });

        AssertOk(response);
        Assert.Equal(new JsonObject(), response.Body);
        var row = await fixture.MemberRowAsync(room, bob.UserId);
        Assert.Equal("ban", row!.Membership);
        Assert.Equal("abuse", (string?)JsonNode.Parse(row.Content)!["reason"]);
        Assert.Empty((await fixture.GetAsync($"{V3}/joined_rooms", bob)).Body!["joined_rooms"]!.AsArray());
    }

    [Fact]
    public async Task BanOfAUserNeverInTheRoomSucceeds()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        var stranger = $"@{Unique("stranger")}:localhost";

        AssertOk(await fixture.PostAsync(Room(room, "/ban"), alice, new JsonObject { ["user_id"] = stranger }));

        Assert.Equal("ban", (await fixture.MemberRowAsync(room, stranger))!.Membership);
    }

    [Fact]
    public async Task BanByAUserBelowTheBanLevelIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(carol, room);

        AssertError(await fixture.PostAsync(Room(room, "/ban"), bob, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PostAsync(Room(room, "/ban"), bob, new JsonObject { ["user_id"] = alice.UserId }), 403, "M_FORBIDDEN");
        Assert.Equal("join", await fixture.MembershipAsync(room, carol));
    }

    [Fact]
    public async Task UnbanMakesABannedUserLeftSoTheyMayJoinAgain()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.ActAsync("ban", alice, room, bob);

        var response = await fixture.PostAsync(Room(room, "/unban"), alice, new JsonObject { ["user_id"] = bob.UserId });

        AssertOk(response);
        Assert.Equal(new JsonObject(), response.Body);
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        await fixture.JoinAsync(bob, room);
    }

    [Fact]
    public async Task UnbanOfAUserWhoIsNotBannedIsBadState()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        AssertError(await fixture.PostAsync(Room(room, "/unban"), alice, new JsonObject { ["user_id"] = bob.UserId }), 403, "M_BAD_STATE");
        AssertError(await fixture.PostAsync(Room(room, "/unban"), alice, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_BAD_STATE");
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task UnbanByAUserBelowTheBanLevelIsForbidden()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.ActAsync("ban", alice, room, carol);

        AssertError(await fixture.PostAsync(Room(room, "/unban"), bob, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");
        Assert.Equal("ban", await fixture.MembershipAsync(room, carol));
    }

    // ---- leave ----

    [Fact]
    public async Task LeaveMakesAJoinedUserLeft()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PostAsync(Room(room, "/leave"), bob, new JsonObject { ["reason"] = "bye" });

        AssertOk(response);
        Assert.Equal(new JsonObject(), response.Body);
        var row = await fixture.MemberRowAsync(room, bob.UserId);
        Assert.Equal("leave", row!.Membership);
        Assert.Equal(bob.UserId, row.Sender);
    }

    [Fact]
    public async Task LeaveRejectsAnInvite()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        await fixture.ActAsync("invite", alice, room, bob);

        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));

        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        AssertError(await fixture.PostAsync(Room(room, "/join"), bob), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task LeaveWithdrawsAKnock()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await KnockRoomAsync(alice);
        AssertOk(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString(room)}", bob));

        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));

        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task LeaveOfARoomNeverJoinedIsForbidden()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync(Room(room, "/leave"), bob), 403, "M_FORBIDDEN");
        Assert.Null(await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task LeaveAfterBeingKickedIsForbidden()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.ActAsync("kick", alice, room, bob);

        AssertError(await fixture.PostAsync(Room(room, "/leave"), bob), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task LeaveOfAnUnknownRoomIsNotFound()
    {
        var bob = await fixture.NewUserAsync("bob");

        AssertError(await fixture.PostAsync(Room("!nosuchroom:localhost", "/leave"), bob), 404, "M_NOT_FOUND");
    }

    // ---- forget ----

    [Fact]
    public async Task ForgetWhileJoinedIsRefusedWithUnknown()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync(Room(room, "/forget"), alice), 400, "M_UNKNOWN");
        AssertOk(await fixture.GetAsync(Room(room, "/members"), alice));
    }

    [Fact]
    public async Task ForgetAfterLeavingHidesTheRoomsMembers()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));
        AssertOk(await fixture.GetAsync(Room(room, "/members"), bob));

        var response = await fixture.PostAsync(Room(room, "/forget"), bob);

        AssertOk(response);
        Assert.Equal(new JsonObject(), response.Body);
        AssertError(await fixture.GetAsync(Room(room, "/members"), bob), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task ForgetOfAnUnknownRoomIsNotFound()
    {
        var bob = await fixture.NewUserAsync("bob");

        AssertError(await fixture.PostAsync(Room("!nosuchroom:localhost", "/forget"), bob), 404, "M_NOT_FOUND");
    }

    // ---- knock ----

    [Fact]
    public async Task KnockOnAKnockRoomMakesTheUserKnockAndAnswersTheRoomId()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var aliasName = Unique("door");
        var room = await KnockRoomAsync(alice, aliasName);

        var response = await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString(room)}?via=localhost", bob, new JsonObject { ["reason"] = "let me in" });
        var byAlias = await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString($"#{aliasName}:localhost")}?server_name=localhost", carol);

        AssertOk(response);
        Assert.Equal(room, (string?)response.Body!["room_id"]);
        AssertOk(byAlias);
        Assert.Equal(room, (string?)byAlias.Body!["room_id"]);
        Assert.Equal("knock", await fixture.MembershipAsync(room, bob));
        Assert.Equal("knock", await fixture.MembershipAsync(room, carol));

        // A knock is approved with an invite.
        await fixture.ActAsync("invite", alice, room, bob);
        await fixture.JoinAsync(bob, room);
    }

    [Fact]
    public async Task KnockOnAPublicRoomIsForbidden()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString(room)}", bob), 403, "M_FORBIDDEN");
        Assert.Null(await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task KnockOnAnUnknownRoomIsNotFound()
    {
        var bob = await fixture.NewUserAsync("bob");

        AssertError(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString("!nosuchroom:localhost")}", bob), 404, "M_NOT_FOUND");
        AssertError(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString("#nosuchalias:localhost")}", bob), 404, "M_NOT_FOUND");
    }

    /// <summary>A room whose join rule is <c>knock</c>, set by its creator through the state endpoint.</summary>
    private async Task<string> KnockRoomAsync(TestUser creator, string? aliasName = null)
    {
        var body = new JsonObject { ["preset"] = "private_chat" };
        if (aliasName is not null)
        {
            body["room_alias_name"] = aliasName;
        }

        var room = await fixture.CreateRoomAsync(creator, body);
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), creator, new JsonObject { ["join_rule"] = "knock" }));
        return room;
    }
}
