using System.Text;
using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Attacks on the client-server surface over real HTTP, named by what they try: reading a room one was never in (or
/// past one's own departure), numbers that canonical JSON cannot sign, events up to and past the PDU size limit, and
/// the classes of attack that already hold (tokens, authorization, self-vouched restricted joins).
/// </summary>
public sealed class AdversarialClientServerTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    // ---- Reading rooms one was never in (issue #12, item 1) ----

    [Fact]
    public async Task MembersIsForbiddenToAUserWhoOnlyKnocked()
    {
        var (alice, mallory) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("mallory"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, new JsonObject { ["join_rule"] = "knock" }));

        // Anyone may knock on a knock room: the knock must not open its member list.
        AssertOk(await fixture.PostAsync($"{V3}/knock/{Uri.EscapeDataString(room)}", mallory));

        await AssertSeesNothingAsync(room, mallory);
    }

    [Fact]
    public async Task MembersIsForbiddenToAUserWhoWasOnlyInvited()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        await fixture.ActAsync("invite", alice, room, bob);

        await AssertSeesNothingAsync(room, bob);
    }

    [Fact]
    public async Task MembersIsForbiddenToAUserBannedWithoutEverJoining()
    {
        var (alice, mallory) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("mallory"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.ActAsync("ban", alice, room, mallory);

        await AssertSeesNothingAsync(room, mallory);
    }

    [Fact]
    public async Task AUserWhoLeftAndWasThenBannedSeesOnlyTheMembersOfWhenTheyLeft()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));
        await fixture.JoinAsync(carol, room);
        await fixture.ActAsync("ban", alice, room, bob);

        var seen = await fixture.GetAsync(Room(room, "/members"), bob);

        AssertOk(seen);
        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "leave" }, Memberships(seen.Body));
    }

    [Fact]
    public async Task AUserWhoLeftAndWasReinvitedSeesOnlyTheMembersOfWhenTheyLeft()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.ActAsync("kick", alice, room, bob);
        await fixture.JoinAsync(carol, room);
        await fixture.ActAsync("invite", alice, room, bob);

        var seen = await fixture.GetAsync(Room(room, "/members"), bob);
        var later = await fixture.GetAsync(Room(room, $"/members?at=s{(await fixture.HeadAsync(room)).Seq}"), bob);

        AssertOk(seen);
        Assert.Equal(new Dictionary<string, string> { [alice.UserId] = "join", [bob.UserId] = "leave" }, Memberships(seen.Body));
        Assert.Equal(Memberships(seen.Body), Memberships(later.Body));
        AssertError(await fixture.GetAsync(Room(room, "/joined_members"), bob), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task ADepartedUserReadsTheStateOfWhenTheyLeftNotTheCurrentOne()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        await fixture.JoinAsync(carol, room);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), bob));

        // After bob left: the room turns invite-only, carol becomes a moderator and leaves.
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, new JsonObject { ["join_rule"] = "invite" }));
        var levels = (await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), alice)).Body!.AsObject();
        levels["users"]![carol.UserId] = 50;
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.power_levels/"), alice, levels));
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), carol));

        var joinRules = await fixture.GetAsync(Room(room, "/state/m.room.join_rules/"), bob);
        var powerLevels = await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), bob);
        var carolsMembership = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(carol.UserId)}"), bob);
        var ownMembership = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), bob);

        AssertOk(joinRules);
        Assert.Equal("public", (string?)joinRules.Body!["join_rule"]);
        AssertOk(powerLevels);
        Assert.Null(powerLevels.Body!["users"]![carol.UserId]);
        AssertOk(carolsMembership);
        Assert.Equal("join", (string?)carolsMembership.Body!["membership"]);
        AssertOk(ownMembership);
        Assert.Equal("leave", (string?)ownMembership.Body!["membership"]);
    }

    // ---- Numbers canonical JSON cannot sign (item 4) ----

    [Theory]
    [InlineData("m.room.join_rules", """{"join_rule":"public","x":1.5}""")]
    [InlineData("m.room.join_rules", """{"join_rule":"public","x":18446744073709551616}""")]
    [InlineData("m.room.join_rules", """{"join_rule":"public","x":-9007199254740992}""")]
    [InlineData("m.room.join_rules", """{"join_rule":"public","x":{"deep":[1,2,0.5]}}""")]
    [InlineData("m.room.power_levels", """{"ban":50,"x":1.5}""")]
    [InlineData("m.room.power_levels", """{"ban":50,"x":9007199254740992}""")]
    public async Task NumbersCanonicalJsonCannotSignInStateContentAreBadJsonAndWriteNothing(string eventType, string content)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        var before = (await fixture.HeadAsync(room)).Seq;

        var response = await fixture.SendAsync(HttpMethod.Put, Room(room, $"/state/{eventType}/"), alice, content);

        AssertError(response, 400, "M_BAD_JSON");
        Assert.Equal(before, (await fixture.HeadAsync(room)).Seq);
    }

    [Theory]
    [InlineData("""{"membership":"join","x":1.5}""")]
    [InlineData("""{"membership":"join","displayname":"Bob","x":18446744073709551616}""")]
    public async Task NumbersCanonicalJsonCannotSignInMemberStateAreBadJsonAndWriteNothing(string content)
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);
        var before = (await fixture.HeadAsync(room)).Seq;

        var response = await fixture.SendAsync(HttpMethod.Put, Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), bob, content);

        AssertError(response, 400, "M_BAD_JSON");
        Assert.Equal(before, (await fixture.HeadAsync(room)).Seq);
    }

    [Theory]
    [InlineData("""{"x":1.5}""")]
    [InlineData("""{"displayname":"Bob","n":18446744073709551616}""")]
    [InlineData("""{"x":1e-3}""")]
    public async Task NumbersCanonicalJsonCannotSignInAJoinBodyAreBadJsonAndWriteNothing(string body)
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var before = (await fixture.HeadAsync(room)).Seq;

        var response = await fixture.SendAsync(HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", bob, body);

        AssertError(response, 400, "M_BAD_JSON");
        Assert.Equal(before, (await fixture.HeadAsync(room)).Seq);
        Assert.Null(await fixture.MembershipAsync(room, bob));
    }

    [Theory]
    [InlineData("creation_content", """{"x":1.5}""")]
    [InlineData("creation_content", """{"x":[18446744073709551616]}""")]
    [InlineData("power_level_content_override", """{"x":1.5}""")]
    [InlineData("power_level_content_override", """{"notifications":{"room":50},"x":{"y":2.25}}""")]
    public async Task NumbersCanonicalJsonCannotSignInCreateRoomAreBadJsonAndClaimNothing(string field, string value)
    {
        var alice = await fixture.NewUserAsync("alice");
        var aliasName = Unique("floaty");

        var response = await fixture.SendAsync(HttpMethod.Post, $"{V3}/createRoom", alice, $$"""{"preset":"public_chat","room_alias_name":"{{aliasName}}","{{field}}":{{value}}}""");

        AssertError(response, 400, "M_BAD_JSON");
        Assert.Null(await fixture.Get<Storage.MembershipStore>().ResolveAliasAsync($"#{aliasName}:{ServiceFixture.ServerName}"));
        AssertOk(await fixture.PostAsync($"{V3}/createRoom", alice, new JsonObject { ["room_alias_name"] = aliasName }));
    }

    // ---- Events the spec allows, up to the PDU limit (item 5) ----

    [Fact]
    public async Task AJoinWithA40000CharacterDisplayNameIsStoredAndListed()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var name = new string('n', 40_000);

        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", bob, new JsonObject { ["displayname"] = name }));

        var members = await fixture.GetAsync(Room(room, "/members"), alice);
        var joined = await fixture.GetAsync(Room(room, "/joined_members"), alice);
        AssertOk(members);
        Assert.Equal(name, (string?)members.Body!["chunk"]!.AsArray().Single(e => (string?)e!["state_key"] == bob.UserId)!["content"]!["displayname"]);
        Assert.Equal(name, (string?)joined.Body!["joined"]![bob.UserId]!["display_name"]);
    }

    [Fact]
    public async Task AJoinWithANonAsciiDisplayNameOf50KilobytesIsStoredAndReadBack()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var name = string.Concat(Enumerable.Repeat("é", 25_000));

        // Sent as raw UTF-8 (50,000 bytes): escaped as \u00e9 the body would be three times the request limit.
        AssertOk(await fixture.SendAsync(HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", bob, $$"""{"displayname":"{{name}}"}"""));

        var state = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), alice);
        AssertOk(state);
        Assert.Equal(name, (string?)state.Body!["displayname"]);
    }

    [Fact]
    public async Task JoinRulesWithA40KilobyteExtraKeyAreStoredAndReadBack()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        var content = new JsonObject { ["join_rule"] = "invite", ["org.example.padding"] = new string('p', 40_000) };

        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, content));

        var stored = await fixture.GetAsync(Room(room, "/state/m.room.join_rules/"), alice);
        AssertOk(stored);
        Assert.True(JsonNode.DeepEquals(content, stored.Body), stored.Body?.ToJsonString()[..100]);
    }

    [Fact]
    public async Task ARoomNamedWith60000CharactersIsCreatedAndKeepsItsName()
    {
        var alice = await fixture.NewUserAsync("alice");
        var name = new string('r', 60_000);

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["name"] = name });

        Assert.Equal(name, (await fixture.HeadAsync(room)).Name);
        var events = await fixture.EventsAsync(room);
        Assert.Contains(events, e => e.Type == "m.room.name" && e.Pdu.Length > 60_000);
    }

    [Theory]
    [InlineData(32_767)]
    [InlineData(32_768)]
    [InlineData(32_769)]
    public async Task ContentEitherSideOfTheTableStringLimitIsStoredAndReadBack(int chars)
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var name = new string('b', chars);
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["name"] = name });

        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", bob, new JsonObject { ["displayname"] = name }));

        Assert.Equal(name, (await fixture.HeadAsync(room)).Name);
        Assert.Equal(name, (string?)JsonNode.Parse((await fixture.MemberRowAsync(room, bob.UserId))!.Content)!["displayname"]);
    }

    [Fact]
    public async Task AnEventPastThePduLimitIsTooLargeAndWritesNothing()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var before = (await fixture.HeadAsync(room)).Seq;

        // The body fits the request limit; the signed event it makes does not fit 65,536 bytes.
        var body = new JsonObject { ["displayname"] = new string('x', 65_400) };
        Assert.True(Encoding.UTF8.GetByteCount(body.ToJsonString()) <= 65_536);

        AssertError(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", bob, body), 413, "M_TOO_LARGE");
        Assert.Equal(before, (await fixture.HeadAsync(room)).Seq);
    }

    // ---- Attack classes that hold ----

    [Fact]
    public async Task AJoinerCannotVouchForThemselvesIntoARestrictedRoom()
    {
        var (alice, mallory) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("mallory"));
        var space = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules/"), alice, new JsonObject
        {
            ["join_rule"] = "restricted",
            ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = space }),
        }));

        // mallory is in no allowed room and names alice as the authoriser herself.
        var response = await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", mallory, new JsonObject { ["join_authorised_via_users_server"] = alice.UserId });

        AssertError(response, 403, "M_FORBIDDEN");
        Assert.Null(await fixture.MembershipAsync(room, mallory));
    }

    [Fact]
    public async Task AMemberCannotWriteAnotherUsersJoinOrInviteThemselvesPastTheRules()
    {
        var (alice, bob, mallory) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("mallory"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        await fixture.ActAsync("invite", alice, room, mallory);
        await fixture.JoinAsync(mallory, room);

        // A join is the joiner's own: mallory cannot join bob, nor raise herself, nor unban herself after a ban.
        AssertError(await fixture.PutAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), mallory, new JsonObject { ["membership"] = "join" }), 403, "M_FORBIDDEN");
        var levels = (await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), mallory)).Body!.AsObject();
        levels["users"]![mallory.UserId] = 100;
        AssertError(await fixture.PutAsync(Room(room, "/state/m.room.power_levels/"), mallory, levels), 403, "M_FORBIDDEN");
        await fixture.ActAsync("ban", alice, room, mallory);
        AssertError(await fixture.PostAsync(Room(room, "/unban"), mallory, new JsonObject { ["user_id"] = mallory.UserId }), 403, "M_FORBIDDEN");
        Assert.Equal("ban", await fixture.MembershipAsync(room, mallory));
    }

    [Fact]
    public async Task AnAccessTokenCannotBeStretchedOrSplicedIntoAnother()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        foreach (var forged in new[] { alice.Token + "x", alice.Token.ToUpperInvariant(), alice.Token[..^2] + bob.Token[^2..], alice.Token[..^1], alice.Token + "=" })
        {
            var response = await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami", headers: h => h.TryAddWithoutValidation("Authorization", "Bearer " + forged));
            Assert.True(response.Status == 401, $"'{forged}' answered {response.Status} {response.Body?.ToJsonString()}");
        }

        var own = await fixture.GetAsync($"{V3}/account/whoami", alice);
        Assert.Equal(alice.UserId, (string?)own.Body!["user_id"]);
    }

    /// <summary>Every read of room state refuses the user; so does the room's list of joined members.</summary>
    private async Task AssertSeesNothingAsync(string room, TestUser user)
    {
        AssertError(await fixture.GetAsync(Room(room, "/members"), user), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room(room, "/members?at=s3"), user), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room(room, "/joined_members"), user), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), user), 403, "M_FORBIDDEN");
        AssertError(await fixture.GetAsync(Room(room, "/state/m.room.join_rules/"), user), 403, "M_FORBIDDEN");
        var creator = (await fixture.HeadAsync(room)).Creator;
        AssertError(await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(creator)}"), user), 403, "M_FORBIDDEN");
    }
}

/// <summary>
/// Dot-segments in request paths (issue #12, item 6): routing resolves <c>..</c> before it matches, so a path could be
/// routed as one resource and acted on as another. Every surface refuses them, plain or percent-encoded, with nothing
/// written; the requests are sent exactly as written (no client-side normalisation).
/// </summary>
public sealed class AdversarialPathTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Theory]
    [InlineData("/state/m.room.member/{user}/../../m.room.power_levels/")]
    [InlineData("/state/m.room.member/{user}/%2e%2e/%2E%2E/m.room.power_levels/")]
    [InlineData("/state/m.room.member/{user}/.%2e/.%2E/m.room.power_levels/")]
    public async Task AStateWriteWhosePathClimbsOutOfItsStateKeyIsRefusedAndWritesNothing(string rest)
    {
        var owner = await fixture.NewUserAsync("owner");
        var room = await fixture.CreateRoomAsync(owner);
        var before = (await fixture.HeadAsync(room)).Seq;

        var path = Room(room, rest.Replace("{user}", Uri.EscapeDataString(owner.UserId), StringComparison.Ordinal));
        var (status, body) = await SendExactAsync(HttpMethod.Put, path, owner, """{"users_default":100}""");

        Assert.Equal(400, status);
        Assert.Equal("M_UNRECOGNIZED", (string?)body?["errcode"]);
        Assert.Equal(before, (await fixture.HeadAsync(room)).Seq);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("%2e%2e")]
    [InlineData(".")]
    public async Task AJoinWhosePathStepsFromOneRoomIntoAnotherIsRefused(string dots)
    {
        var owner = await fixture.NewUserAsync("owner");
        var open = await fixture.CreateRoomAsync(owner, new JsonObject { ["preset"] = "public_chat" });
        var closed = await fixture.CreateRoomAsync(owner, new JsonObject { ["preset"] = "private_chat" });
        var intruder = await fixture.NewUserAsync("intruder");

        var path = $"{V3}/rooms/{Uri.EscapeDataString(open)}/{dots}/{Uri.EscapeDataString(closed)}/join";
        var (status, body) = await SendExactAsync(HttpMethod.Post, path, intruder, "{}");

        Assert.Equal(400, status);
        Assert.Equal("M_UNRECOGNIZED", (string?)body?["errcode"]);
        Assert.Null(await fixture.MembershipAsync(open, intruder));
        Assert.Null(await fixture.MembershipAsync(closed, intruder));
    }

    [Theory]
    [InlineData("/v4/room_config/../room_engine_http_srv/get_room_info")]
    [InlineData("/v4/room_engine_http_srv/%2e%2e/room_engine_http_srv/get_room_info")]
    public async Task AnAdminCommandPathWithDotSegmentsIsRefusedInTheEnvelope(string path)
    {
        var (status, body) = await SendExactAsync(HttpMethod.Post, $"{path}?{ServiceFixture.AdminQuery()}", null, """{"RoomId":"x"}""");

        Assert.Equal(200, status);
        Assert.Equal(60002, (int?)body?["ErrorCode"]);
    }

    /// <summary>Sends <paramref name="path"/> byte for byte: HttpClient would otherwise resolve the dot-segments itself.</summary>
    private async Task<(int Status, JsonNode? Body)> SendExactAsync(HttpMethod method, string path, TestUser? user, string body)
    {
        var uri = new Uri(fixture.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (user is not null)
        {
            request.Headers.Authorization = new("Bearer", user.Token);
        }

        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
