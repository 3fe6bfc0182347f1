using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Service;
using Membership.Storage;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Identifiers holding characters that Table keys forbid or URLs reserve (<c>/ # ? \ %</c>, control and non-ASCII
/// characters) work end to end: in paths (percent-encoded), in bodies, and as storage keys that round-trip exactly.
/// User localparts stay within printable ASCII (the historical Matrix grammar, and the admin surface's account rule);
/// room IDs, which the spec leaves opaque, take the rest.
/// </summary>
public sealed class IdentifierEncodingTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    public static TheoryData<string> OddLocalparts => new()
    {
        "we/ird",
        "a#b?c\\d",
        "semi;colon=eq+plus[b]{c}|~'!",
        "per%2Fcent%",
        "x/../y",
    };

    public static TheoryData<string> OddRoomLocalparts => new()
    {
        "sla/sh#hash?query\\back",
        "ünï-日本-😀",
        "lit%2Fpercent%25",
        "ctl\u0001\u001F\u007F\u0085",
        "..",
    };

    [Theory]
    [MemberData(nameof(OddLocalparts))]
    public async Task UsersWithOddLocalpartsJoinAreKickedAndListedExactly(string localpart)
    {
        var alice = await fixture.NewUserAsync("alice");
        var odd = await fixture.UserAsync(localpart + "-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.StartsWith("@" + localpart, odd.UserId, StringComparison.Ordinal);
        var room = await fixture.CreateRoomAsync(alice);

        await fixture.JoinAsync(odd, room);
        Assert.Equal(odd.UserId, (string?)(await fixture.GetAsync($"{V3}/account/whoami", odd)).Body!["user_id"]);
        Assert.Equal(room, (string?)Assert.Single((await fixture.GetAsync($"{V3}/joined_rooms", odd)).Body!["joined_rooms"]!.AsArray()));
        var state = await fixture.GetAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(odd.UserId)}"), alice);
        AssertOk(state);
        Assert.Equal("join", (string?)state.Body!["membership"]);
        Assert.True((await fixture.GetAsync(Room(room, "/joined_members"), odd)).Body!["joined"]!.AsObject().ContainsKey(odd.UserId));

        await fixture.ActAsync("kick", alice, room, odd);

        Assert.Equal("leave", Memberships((await fixture.GetAsync(Room(room, "/members"), alice)).Body)[odd.UserId]);
        var rows = await fixture.Get<MembershipStore>().ReadMembersAsync(room);
        Assert.Equal("leave", Assert.Single(rows, r => r.UserId == odd.UserId).Membership);
        Assert.Empty((await fixture.GetAsync($"{V3}/joined_rooms", odd)).Body!["joined_rooms"]!.AsArray());
        await fixture.ActAsync("ban", alice, room, odd);
        await fixture.ActAsync("unban", alice, room, odd);
        await fixture.ActAsync("invite", alice, room, odd);
        Assert.Equal("invite", await fixture.MembershipAsync(room, odd));
    }

    [Theory]
    [MemberData(nameof(OddRoomLocalparts))]
    public async Task RoomsWithOddIdsWorkThroughPercentEncodedPaths(string localpart)
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var roomId = RoomId.Parse($"!{localpart}-{Guid.NewGuid().ToString("N")[..6]}:localhost");

        // Clients cannot choose room IDs; the admin surface can (its RoomId), so create it through the service.
        var created = await fixture.Get<RoomService>().CreateRoomAsync(new CreateRoomSpec(UserId.Parse(alice.UserId), "admin") { RoomId = roomId, JoinRule = JoinRule.Public });
        var room = created.Value;
        Assert.Equal(roomId.Value, room);

        var joined = await fixture.PostAsync(Room(room, "/join"), bob);
        AssertOk(joined);
        Assert.Equal(room, (string?)joined.Body!["room_id"]);
        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", bob));
        Assert.Equal(room, (string?)Assert.Single((await fixture.GetAsync($"{V3}/joined_rooms", bob)).Body!["joined_rooms"]!.AsArray()));
        var members = await fixture.GetAsync(Room(room, "/members"), alice);
        AssertOk(members);
        Assert.All(members.Body!["chunk"]!.AsArray(), e => Assert.Equal(room, (string?)e!["room_id"]));
        Assert.Equal("public", (string?)(await fixture.GetAsync(Room(room, "/state/m.room.join_rules"), bob)).Body!["join_rule"]);

        await fixture.ActAsync("kick", alice, room, bob);

        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        var events = await fixture.EventsAsync(room);
        Assert.All(events, e => Assert.Equal(room, (string?)JsonNode.Parse(e.Pdu)!["room_id"]));
        Assert.Equal((await fixture.HeadAsync(room)).Seq, events.Count);
        Assert.Equal(room, (await fixture.HeadAsync(room)).RoomId);
        Assert.Empty((await fixture.GetAsync($"{V3}/joined_rooms", bob)).Body!["joined_rooms"]!.AsArray());
    }

    [Theory]
    [InlineData("sla/sh")]
    [InlineData("hash#tag")]
    [InlineData("what?now")]
    [InlineData("back\\slash")]
    [InlineData("percent%2F%")]
    [InlineData("ünï-日本")]
    [InlineData("all/#?\\ü")]
    public async Task AliasesWithOddCharactersAreClaimedAndResolved(string aliasName)
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var localpart = $"{aliasName}-{Guid.NewGuid().ToString("N")[..6]}";
        var alias = $"#{localpart}:localhost";

        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = localpart });

        Assert.Equal(alias, (await fixture.HeadAsync(room)).Alias);
        Assert.Equal(room, (await fixture.Get<MembershipStore>().ResolveAliasAsync(alias)));
        var joined = await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(alias)}", bob);
        AssertOk(joined);
        Assert.Equal(room, (string?)joined.Body!["room_id"]);
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
        AssertError(await fixture.PostAsync($"{V3}/createRoom", carol, new JsonObject { ["room_alias_name"] = localpart }), 400, "M_ROOM_IN_USE");
    }
}
