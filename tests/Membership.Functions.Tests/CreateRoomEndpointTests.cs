using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary><c>POST /createRoom</c> over real HTTP: every option it honours and every way it refuses a body.</summary>
public sealed class CreateRoomEndpointTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Theory]
    [InlineData("public_chat", "public", 50)]
    [InlineData("private_chat", "invite", 0)]
    [InlineData("trusted_private_chat", "invite", 0)]
    public async Task PresetSetsTheJoinRuleAndTheInviteLevel(string preset, string joinRule, long inviteLevel)
    {
        var alice = await fixture.NewUserAsync("alice");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = preset });

        var rules = await fixture.GetAsync(Room(room, "/state/m.room.join_rules/"), alice);
        AssertOk(rules);
        Assert.Equal(joinRule, (string?)rules.Body!["join_rule"]);
        var levels = await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), alice);
        AssertOk(levels);
        Assert.Equal(inviteLevel, (long)levels.Body!["invite"]!);
        Assert.Equal(100, (long)levels.Body["users"]![alice.UserId]!);
        Assert.Equal(50, (long)levels.Body["kick"]!);
        Assert.Equal(50, (long)levels.Body["ban"]!);
    }

    [Fact]
    public async Task TrustedPrivateChatGivesInviteesTheCreatorsPowerLevel()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "trusted_private_chat", ["invite"] = new JsonArray(bob.UserId) });

        var levels = await fixture.GetAsync(Room(room, "/state/m.room.power_levels/"), alice);
        Assert.Equal(100, (long)levels.Body!["users"]![bob.UserId]!);
        Assert.Equal("invite", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task PublicVisibilityWithoutPresetMakesAPublicRoomAndPrivateIsTheDefault()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        var open = await fixture.CreateRoomAsync(alice, new JsonObject { ["visibility"] = "public" });
        var closed = await fixture.CreateRoomAsync(alice, new JsonObject());

        await fixture.JoinAsync(bob, open);
        AssertError(await fixture.PostAsync(Room(closed, "/join"), bob), 403, "M_FORBIDDEN");
        Assert.Equal("invite", (string?)(await fixture.GetAsync(Room(closed, "/state/m.room.join_rules"), alice)).Body!["join_rule"]);
    }

    [Theory]
    [InlineData("""{"visibility":"everyone"}""")]
    [InlineData("""{"visibility":1}""")]
    [InlineData("""{"preset":"open_chat"}""")]
    [InlineData("""{"name":5}""")]
    [InlineData("""{"is_direct":"yes"}""")]
    [InlineData("""{"invite":"@bob:localhost"}""")]
    [InlineData("""{"invite":[5]}""")]
    [InlineData("""{"creation_content":[]}""")]
    [InlineData("""{"power_level_content_override":"none"}""")]
    [InlineData("""{"room_version":11}""")]
    public async Task WrongTypesAreBadJson(string body)
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(await fixture.SendAsync(HttpMethod.Post, $"{V3}/createRoom", alice, body), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task RoomAliasNameClaimsTheAliasForTheRoom()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var aliasName = Unique("lobby");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = aliasName });

        var alias = $"#{aliasName}:localhost";
        Assert.Equal(alias, (await fixture.HeadAsync(room)).Alias);
        var canonical = Assert.Single(await fixture.EventsAsync(room), e => e.Type == "m.room.canonical_alias");
        Assert.Equal(alias, (string?)JsonNode.Parse(canonical.Pdu)!["content"]!["alias"]);
        var joined = await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(alias)}", bob);
        Assert.Equal(room, (string?)joined.Body!["room_id"]);
    }

    [Fact]
    public async Task TakenAliasIsRoomInUseAndCreatesNoRoom()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var aliasName = Unique("taken");
        var first = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = aliasName });

        AssertError(await fixture.PostAsync($"{V3}/createRoom", bob, new JsonObject { ["room_alias_name"] = aliasName }), 400, "M_ROOM_IN_USE");

        var joined = await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString($"#{aliasName}:localhost")}", bob);
        Assert.Equal(first, (string?)joined.Body!["room_id"]);
        var rooms = await fixture.GetAsync($"{V3}/joined_rooms", bob);
        Assert.Equal(first, (string?)Assert.Single(rooms.Body!["joined_rooms"]!.AsArray()));
    }

    [Theory]
    [InlineData("has:colon")]
    [InlineData("")]
    public async Task RoomAliasNameThatIsNotALocalPartIsInvalidParam(string aliasName)
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(await fixture.PostAsync($"{V3}/createRoom", alice, new JsonObject { ["room_alias_name"] = aliasName }), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task NameBecomesTheRoomNameEvent()
    {
        var alice = await fixture.NewUserAsync("alice");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["name"] = "Tea room ☕" });

        Assert.Equal("Tea room ☕", (await fixture.HeadAsync(room)).Name);
        var name = Assert.Single(await fixture.EventsAsync(room), e => e.Type == "m.room.name");
        Assert.Equal("Tea room ☕", (string?)JsonNode.Parse(name.Pdu)!["content"]!["name"]);
    }

    [Fact]
    public async Task InviteListInvitesEachUserAndIsDirectMarksTheInvites()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));

        var room = await fixture.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
            ["invite"] = new JsonArray(bob.UserId, carol.UserId, bob.UserId),
            ["is_direct"] = true,
        });

        foreach (var user in new[] { bob, carol })
        {
            var row = await fixture.MemberRowAsync(room, user.UserId);
            Assert.Equal("invite", row!.Membership);
            Assert.Equal(alice.UserId, row.Sender);
            Assert.True((bool)JsonNode.Parse(row.Content)!["is_direct"]!);
        }

        Assert.Equal(2, (await fixture.HeadAsync(room)).InvitedCount);
        await fixture.JoinAsync(bob, room);
    }

    [Fact]
    public async Task InviteListWithoutIsDirectLeavesTheInvitesPlain()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["invite"] = new JsonArray(bob.UserId) });

        var content = JsonNode.Parse((await fixture.MemberRowAsync(room, bob.UserId))!.Content)!.AsObject();
        Assert.False(content.ContainsKey("is_direct"));
    }

    [Fact]
    public async Task InviteListWithAMalformedUserIdIsInvalidParam()
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(await fixture.PostAsync($"{V3}/createRoom", alice, new JsonObject { ["invite"] = new JsonArray("bob") }), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task PowerLevelContentOverrideReplacesTheGivenKeysOnly()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));

        var room = await fixture.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject
            {
                ["kick"] = 80,
                ["users"] = new JsonObject { [alice.UserId] = 100, [bob.UserId] = 60 },
            },
        });

        var levels = (await fixture.GetAsync(Room(room, "/state/m.room.power_levels"), alice)).Body!;
        Assert.Equal(80, (long)levels["kick"]!);
        Assert.Equal(50, (long)levels["ban"]!);
        Assert.Equal(50, (long)levels["invite"]!);
        Assert.Equal(60, (long)levels["users"]![bob.UserId]!);

        // bob at 60 may invite (50) but not kick (80).
        await fixture.JoinAsync(bob, room);
        var carol = await fixture.NewUserAsync("carol");
        await fixture.JoinAsync(carol, room);
        AssertError(await fixture.PostAsync(Room(room, "/kick"), bob, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_FORBIDDEN");
        await fixture.ActAsync("ban", bob, room, carol);
    }

    [Theory]
    [InlineData("""{"kick":"50"}""")]
    [InlineData("""{"kick":50.5}""")]
    [InlineData("""{"ban":true}""")]
    [InlineData("""{"invite":null}""")]
    [InlineData("""{"kick":9007199254740992}""")]
    [InlineData("""{"users":{"@bob:localhost":"100"}}""")]
    [InlineData("""{"users":{"bob":10}}""")]
    [InlineData("""{"events":{"m.room.name":1.5}}""")]
    public async Task NonIntegerPowerLevelOverrideIsBadJson(string overrideJson)
    {
        var alice = await fixture.NewUserAsync("alice");
        var body = $$"""{"preset":"public_chat","power_level_content_override":{{overrideJson}}}""";

        AssertError(await fixture.SendAsync(HttpMethod.Post, $"{V3}/createRoom", alice, body), 400, "M_BAD_JSON");

        var rooms = await fixture.GetAsync($"{V3}/joined_rooms", alice);
        Assert.Empty(rooms.Body!["joined_rooms"]!.AsArray());
    }

    [Fact]
    public async Task CreationContentFederateFalseIsRecordedOnTheRoom()
    {
        var alice = await fixture.NewUserAsync("alice");

        var local = await fixture.CreateRoomAsync(alice, new JsonObject { ["creation_content"] = new JsonObject { ["m.federate"] = false, ["type"] = "m.space" } });
        var federated = await fixture.CreateRoomAsync(alice, new JsonObject());

        Assert.False((await fixture.HeadAsync(local)).Federate);
        Assert.True((await fixture.HeadAsync(federated)).Federate);
        var create = JsonNode.Parse((await fixture.EventsAsync(local))[0].Pdu)!["content"]!;
        Assert.False((bool)create["m.federate"]!);
        Assert.Equal("m.space", (string?)create["type"]);
    }

    [Fact]
    public async Task CreationContentWithANonBooleanFederateIsBadJson()
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(await fixture.PostAsync($"{V3}/createRoom", alice, new JsonObject { ["creation_content"] = new JsonObject { ["m.federate"] = "no" } }), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task RoomVersionIsTenByDefault()
    {
        var alice = await fixture.NewUserAsync("alice");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject());

        Assert.Equal("10", (await fixture.HeadAsync(room)).RoomVersion);
        var create = JsonNode.Parse((await fixture.EventsAsync(room))[0].Pdu)!;
        Assert.Equal("m.room.create", (string?)create["type"]);
        Assert.Equal("10", (string?)create["content"]!["room_version"]);
        Assert.Equal(alice.UserId, (string?)create["content"]!["creator"]);
    }

    [Fact]
    public async Task RoomVersionElevenIsCreatedWithoutACreatorKey()
    {
        var alice = await fixture.NewUserAsync("alice");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["room_version"] = "11", ["creation_content"] = new JsonObject { ["creator"] = "@mallory:localhost" } });

        Assert.Equal("11", (await fixture.HeadAsync(room)).RoomVersion);
        var create = JsonNode.Parse((await fixture.EventsAsync(room))[0].Pdu)!;
        Assert.Equal("11", (string?)create["content"]!["room_version"]);
        Assert.False(create["content"]!.AsObject().ContainsKey("creator"));
        Assert.Equal(alice.UserId, (string?)create["sender"]);
    }

    [Theory]
    [InlineData("9")]
    [InlineData("12")]
    [InlineData("1")]
    [InlineData("org.example.custom")]
    public async Task UnsupportedRoomVersionIsRefused(string version)
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(await fixture.PostAsync($"{V3}/createRoom", alice, new JsonObject { ["room_version"] = version }), 400, "M_UNSUPPORTED_ROOM_VERSION");
    }

    [Fact]
    public async Task CreatedRoomStartsWithCreateJoinPowerLevelsAndJoinRules()
    {
        var alice = await fixture.NewUserAsync("alice");

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });

        var types = (await fixture.EventsAsync(room)).Select(e => e.Type).ToList();
        Assert.Equal(new[] { "m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules", "m.room.history_visibility" }, types);
        var head = await fixture.HeadAsync(room);
        Assert.Equal(1, head.JoinedCount);
        Assert.Equal(alice.UserId, head.Creator);
        Assert.Equal(room, Assert.Single((await fixture.GetAsync($"{V3}/joined_rooms", alice)).Body!["joined_rooms"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task CreateRoomWithoutATokenIsMissingToken()
    {
        AssertError(await fixture.PostAsync($"{V3}/createRoom", null), 401, "M_MISSING_TOKEN");
    }
}
