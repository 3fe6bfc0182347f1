using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// The read endpoints (<c>/members</c>, <c>/joined_members</c>, <c>/joined_rooms</c>) and the state endpoints
/// (<c>GET</c>/<c>PUT /state/{type}/{key}</c>) over real HTTP.
/// </summary>
public sealed class RoomStateEndpointTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    // ---- /members ----

    [Fact]
    public async Task MembersListsEveryMemberEventOfTheRoom()
    {
        var (room, alice, bob, carol, dave, erin) = await BusyRoomAsync();

        var response = await fixture.GetAsync(Room(room, "/members"), bob);

        AssertOk(response);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [alice.UserId] = "join",
                [bob.UserId] = "join",
                [carol.UserId] = "invite",
                [dave.UserId] = "ban",
                [erin.UserId] = "leave",
            },
            Memberships(response.Body));
        foreach (var ev in response.Body!["chunk"]!.AsArray())
        {
            Assert.Equal("m.room.member", (string?)ev!["type"]);
            Assert.Equal(room, (string?)ev["room_id"]);
            Assert.StartsWith("$", (string?)ev["event_id"], StringComparison.Ordinal);
            Assert.NotNull((string?)ev["sender"]);
            Assert.True((long)ev["origin_server_ts"]! > 0);
        }

        var daveEvent = response.Body["chunk"]!.AsArray().Single(e => (string?)e!["state_key"] == dave.UserId)!;
        Assert.Equal(alice.UserId, (string?)daveEvent["sender"]);
        Assert.Equal((await fixture.MemberRowAsync(room, dave.UserId))!.EventId, (string?)daveEvent["event_id"]);
    }

    [Fact]
    public async Task MembershipAndNotMembershipFiltersCombineWithAnd()
    {
        var (room, alice, bob, carol, dave, erin) = await BusyRoomAsync();

        async Task<IEnumerable<string>> Query(string query)
        {
            var response = await fixture.GetAsync(Room(room, "/members?" + query), alice);
            AssertOk(response);
            return Memberships(response.Body).Keys.Order(StringComparer.Ordinal);
        }

        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(StringComparer.Ordinal), await Query("membership=join"));
        Assert.Equal(new[] { carol.UserId, dave.UserId, erin.UserId }.Order(StringComparer.Ordinal), await Query("not_membership=join"));
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(StringComparer.Ordinal), await Query("membership=join&not_membership=invite"));
        Assert.Empty(await Query("membership=join&not_membership=join"));
        Assert.Equal(new[] { dave.UserId }, await Query("membership=ban&not_membership=leave"));
    }

    [Theory]
    [InlineData("membership=bogus")]
    [InlineData("membership=JOIN")]
    [InlineData("not_membership=joined")]
    public async Task AnUnknownMembershipFilterIsInvalidParam(string query)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.GetAsync(Room(room, "/members?" + query), alice), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task AtTokenAnswersTheMembershipAsOfThatEvent()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        var afterBob = (await fixture.HeadAsync(room)).Seq;
        await fixture.JoinAsync(carol, room);
        await fixture.ActAsync("kick", alice, room, bob);

        var then = await fixture.GetAsync(Room(room, $"/members?at=s{afterBob}"), alice);
        var beforeAnyone = await fixture.GetAsync(Room(room, "/members?at=s1"), alice);
        var future = await fixture.GetAsync(Room(room, $"/members?at=s{afterBob + 1000}"), alice);

        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "join" }, Memberships(then.Body));
        Assert.Empty(Memberships(beforeAnyone.Body));
        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "leave", [carol.UserId] = "join" }, Memberships(future.Body));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("s")]
    [InlineData("s0")]
    [InlineData("s-1")]
    [InlineData("s%2B1")]
    [InlineData("12")]
    [InlineData("t5_6")]
    [InlineData("s99999999999999999999")]
    public async Task AnAtTokenThatIsNotOurStreamTokenIsInvalidParam(string at)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.GetAsync(Room(room, "/members?at=" + at), alice), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task AUserWhoLeftSeesTheMembershipAsOfTheirLeave()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));
        await fixture.JoinAsync(carol, room);

        var seenByBob = await fixture.GetAsync(Room(room, "/members"), bob);
        var seenByAlice = await fixture.GetAsync(Room(room, "/members"), alice);

        AssertOk(seenByBob);
        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "leave" }, Memberships(seenByBob.Body));
        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "leave", [carol.UserId] = "join" }, Memberships(seenByAlice.Body));

        // A later token does not let a departed user see past their leave.
        var head = (await fixture.HeadAsync(room)).Seq;
        Assert.False(Memberships((await fixture.GetAsync(Room(room, $"/members?at=s{head}"), bob)).Body).ContainsKey(carol.UserId));
    }

    [Fact]
    public async Task AUserWhoWasNeverAMemberMayNotListMembers()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.GetAsync(Room(room, "/members"), bob), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room("!nosuchroom:localhost", "/members"), bob), 403, "M_FORBIDDEN");
    }

    // ---- /joined_members ----

    [Fact]
    public async Task JoinedMembersListsOnlyJoinedUsersWithExactlyDisplayNameAndAvatarUrl()
    {
        var (room, alice, bob, _, _, _) = await BusyRoomAsync();
        var frank = await fixture.NewUserAsync("frank");
        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", frank, new JsonObject { ["displayname"] = "Frank", ["avatar_url"] = "mxc://localhost/frank" }));

        var response = await fixture.GetAsync(Room(room, "/joined_members"), bob);

        AssertOk(response);
        var joined = response.Body!["joined"]!.AsObject();
        Assert.Equal(new[] { alice.UserId, bob.UserId, frank.UserId }.Order(StringComparer.Ordinal), joined.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (_, profile) in joined)
        {
            Assert.Equal(new[] { "avatar_url", "display_name" }, profile!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        }

        Assert.Equal("Frank", (string?)joined[frank.UserId]!["display_name"]);
        Assert.Equal("mxc://localhost/frank", (string?)joined[frank.UserId]!["avatar_url"]);
        Assert.Null(joined[alice.UserId]!["display_name"]);
    }

    [Fact]
    public async Task JoinedMembersIsForbiddenToCallersWhoAreNotJoined()
    {
        var (room, _, _, carol, dave, erin) = await BusyRoomAsync();
        var stranger = await fixture.NewUserAsync("stranger");

        foreach (var user in new[] { carol, dave, erin, stranger })
        {
            AssertError(await fixture.GetAsync(Room(room, "/joined_members"), user), 403, "M_FORBIDDEN");
        }
    }

    // ---- /joined_rooms ----

    [Fact]
    public async Task JoinedRoomsListsOnlyRoomsTheUserIsJoinedTo()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var joined = await fixture.CreateRoomAsync(alice);
        var invited = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var left = await fixture.CreateRoomAsync(alice);
        var kicked = await fixture.CreateRoomAsync(alice);
        var banned = await fixture.CreateRoomAsync(alice);
        var own = await fixture.CreateRoomAsync(bob);
        await fixture.JoinAsync(bob, joined);
        await fixture.ActAsync("invite", alice, invited, bob);
        foreach (var room in new[] { left, kicked, banned })
        {
            await fixture.JoinAsync(bob, room);
        }

        AssertOk(await fixture.PostAsync(Room(left, "/leave"), bob));
        await fixture.ActAsync("kick", alice, kicked, bob);
        await fixture.ActAsync("ban", alice, banned, bob);

        var response = await fixture.GetAsync($"{V3}/joined_rooms", bob);

        AssertOk(response);
        Assert.Equal(new[] { joined, own }.Order(StringComparer.Ordinal), response.Body!["joined_rooms"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JoinedRoomsOfANewUserIsEmpty()
    {
        var bob = await fixture.NewUserAsync("bob");

        var response = await fixture.GetAsync($"{V3}/joined_rooms", bob);

        AssertOk(response);
        Assert.Empty(response.Body!["joined_rooms"]!.AsArray());
    }

    // ---- GET state ----

    [Fact]
    public async Task GetMemberStateAnswersTheMemberContent()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.ActAsync("ban", alice, room, bob);

        var response = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), alice);

        AssertOk(response);
        Assert.Equal("ban", (string?)response.Body!["membership"]);
        AssertError(await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString("@nobody:localhost")}"), alice), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task AnInviteeMayReadOnlyTheirOwnMemberState()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        await fixture.ActAsync("invite", alice, room, bob);

        var own = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), bob);

        AssertOk(own);
        Assert.Equal("invite", (string?)own.Body!["membership"]);
        AssertError(await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(alice.UserId)}"), bob), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), bob), 403, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData("m.room.topic", "")]
    [InlineData("m.room.name", "")]
    [InlineData("m.room.create", "")]
    [InlineData("m.room.join_rules", "not-empty")]
    [InlineData("m.room.power_levels", "x")]
    public async Task OtherStateTypesAreNotFound(string eventType, string stateKey)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        var path = Room(room, $"/state/{eventType}/{stateKey}");

        AssertError(await fixture.GetAsync(path, alice), 404, "M_NOT_FOUND");
        AssertError(await fixture.PutAsync(path, alice, new JsonObject { ["topic"] = "x" }), 404, "M_NOT_FOUND");
    }

    // ---- PUT m.room.member ----

    [Fact]
    public async Task PutMemberLeaveForAnotherUserIsAKickAndAnswersTheEventId()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PutAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), alice, new JsonObject { ["membership"] = "leave", ["reason"] = "out" });

        AssertOk(response);
        var eventId = (string?)response.Body!["event_id"];
        Assert.StartsWith("$", eventId, StringComparison.Ordinal);
        var row = await fixture.MemberRowAsync(room, bob.UserId);
        Assert.Equal("leave", row!.Membership);
        Assert.Equal(alice.UserId, row.Sender);
        Assert.Equal(eventId, row.EventId);
        Assert.Equal(eventId, (await fixture.HeadAsync(room)).LastEventId);

        // Repeating it writes nothing and answers the current event.
        var again = await fixture.PutAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), alice, new JsonObject { ["membership"] = "leave", ["reason"] = "out" });
        Assert.Equal(eventId, (string?)again.Body!["event_id"]);
        Assert.Equal(eventId, (await fixture.HeadAsync(room)).LastEventId);
    }

    [Fact]
    public async Task PutMemberStateFollowsTheAuthRules()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(carol, room);
        string Path(TestUser user) => Room(room, $"/state/m.room.member/{Uri.EscapeDataString(user.UserId)}");

        AssertError(await fixture.PutAsync(Path(carol), bob, new JsonObject { ["membership"] = "leave" }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PutAsync(Path(carol), bob, new JsonObject { ["membership"] = "ban" }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PutAsync(Path(carol), alice, new JsonObject { ["membership"] = "join" }), 403, "M_FORBIDDEN");
        AssertOk(await fixture.PutAsync(Path(carol), alice, new JsonObject { ["membership"] = "ban" }));
        Assert.Equal("ban", await fixture.MembershipAsync(room, carol));
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task PutMemberStateWithABadBodyOrStateKeyIsRefused()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var path = Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}");

        AssertError(await fixture.PutAsync(path, alice, new JsonObject { ["reason"] = "no membership" }), 400, "M_MISSING_PARAM");
        AssertError(await fixture.PutAsync(path, alice, new JsonObject { ["membership"] = "dance" }), 400, "M_BAD_JSON");
        AssertError(await fixture.PutAsync(path, alice, new JsonObject { ["membership"] = 1 }), 400, "M_BAD_JSON");
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.member/not-a-user"), alice, new JsonObject { ["membership"] = "invite" }), 400, "M_INVALID_PARAM");
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.member/"), alice, new JsonObject { ["membership"] = "invite" }), 400, "M_INVALID_PARAM");
    }

    // ---- PUT m.room.power_levels ----

    [Fact]
    public async Task PutPowerLevelsWithAValidChangeAnswersTheEventIdAndTakesEffect()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(carol, room);
        var levels = await PowerLevelsAsync(room, alice);
        levels["users"]![bob.UserId] = 50;

        var response = await fixture.PutAsync(Room(room, "/state/m.room.power_levels/"), alice, levels);

        AssertOk(response);
        var eventId = (string?)response.Body!["event_id"];
        Assert.Equal(eventId, (await fixture.HeadAsync(room)).PowerLevelsEventId);
        Assert.Equal(50, (long)(await PowerLevelsAsync(room, alice))["users"]![bob.UserId]!);
        await fixture.ActAsync("kick", bob, room, carol);
    }

    [Fact]
    public async Task PutPowerLevelsRaisingSomeoneAboveYourselfIsForbidden()
    {
        var (alice, mod, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("mod"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject
            {
                ["users"] = new JsonObject { [alice.UserId] = 100, [mod.UserId] = 50 },
                ["events"] = new JsonObject { ["m.room.power_levels"] = 50 },
            },
        });
        await fixture.JoinAsync(mod, room);
        await fixture.JoinAsync(bob, room);
        var before = await fixture.HeadAsync(room);

        var aboveMod = await PowerLevelsAsync(room, mod);
        aboveMod["users"]![bob.UserId] = 75;
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels"), mod, aboveMod), 403, "M_FORBIDDEN");
        var aboveAlice = await PowerLevelsAsync(room, alice);
        aboveAlice["users"]![bob.UserId] = 101;
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels"), alice, aboveAlice), 403, "M_FORBIDDEN");
        var demoteAlice = await PowerLevelsAsync(room, mod);
        demoteAlice["users"]![alice.UserId] = 0;
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels"), mod, demoteAlice), 403, "M_FORBIDDEN");
        Assert.Equal(before.PowerLevelsEventId, (await fixture.HeadAsync(room)).PowerLevelsEventId);

        var withinReach = await PowerLevelsAsync(room, mod);
        withinReach["users"]![bob.UserId] = 50;
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.power_levels"), mod, withinReach));
    }

    [Fact]
    public async Task PutPowerLevelsByAUserWithoutTheLevelOrWithBadContentIsRefused()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        var levels = await PowerLevelsAsync(room, alice);

        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels/"), bob, levels), 403, "M_FORBIDDEN");
        levels["kick"] = "50";
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels/"), alice, levels), 400, "M_BAD_JSON");
        AssertError(await fixture.PutAsync(Room("!nosuchroom:localhost", "/state/m.room.power_levels/"), alice, new JsonObject()), 404, "M_NOT_FOUND");
    }

    // ---- PUT m.room.join_rules ----

    [Fact]
    public async Task ChangingTheJoinRuleToInviteKeepsUninvitedUsersOut()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        await fixture.JoinAsync(bob, room);

        var response = await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, new JsonObject { ["join_rule"] = "invite" });

        AssertOk(response);
        Assert.Equal((string?)response.Body!["event_id"], (await fixture.HeadAsync(room)).JoinRulesEventId);
        Assert.Equal("invite", (string?)(await fixture.GetAsync(Room(room, "/state/m.room.join_rules"), bob)).Body!["join_rule"]);
        AssertError(await fixture.PostAsync(Room(room, "/join"), carol), 403, "M_FORBIDDEN");
        await fixture.ActAsync("invite", alice, room, carol);
        await fixture.JoinAsync(carol, room);
    }

    [Fact]
    public async Task PutJoinRulesByAUserWithoutTheLevelOrWithBadContentIsRefused()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), bob, new JsonObject { ["join_rule"] = "invite" }), 403, "M_FORBIDDEN");
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, new JsonObject { ["rule"] = "invite" }), 400, "M_BAD_JSON");
        Assert.Equal("public", (string?)(await fixture.GetAsync(Room(room, "/state/m.room.join_rules"), alice)).Body!["join_rule"]);
    }

    private async Task<JsonObject> PowerLevelsAsync(string room, TestUser user)
    {
        var response = await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), user);
        AssertOk(response);
        return response.Body!.AsObject();
    }

    /// <summary>alice (creator) and bob joined, carol invited, dave banned, erin left.</summary>
    private async Task<(string Room, TestUser Alice, TestUser Bob, TestUser Carol, TestUser Dave, TestUser Erin)> BusyRoomAsync()
    {
        var users = new List<TestUser>();
        foreach (var name in new[] { "alice", "bob", "carol", "dave", "erin" })
        {
            users.Add(await fixture.NewUserAsync(name));
        }

        var (alice, bob, carol, dave, erin) = (users[0], users[1], users[2], users[3], users[4]);
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(erin, room);
        await fixture.JoinAsync(dave, room);
        await fixture.ActAsync("invite", alice, room, carol);
        await fixture.ActAsync("ban", alice, room, dave);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), erin));
        return (room, alice, bob, carol, dave, erin);
    }
}
