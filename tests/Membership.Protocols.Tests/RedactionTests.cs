using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

/// <summary>The spec's redaction algorithm per room version, one row per version and type.</summary>
public class RedactionTests
{
    private const string Member = """{"membership":"join","displayname":"Alice","avatar_url":"mxc://x/y","reason":"hi","join_authorised_via_users_server":"@admin:x","third_party_invite":{"display_name":"alice","signed":{"mxid":"@alice:x","token":"abc","signatures":{"id.example":{"ed25519:0":"sig"}}}}}""";
    private const string MemberV1 = """{"membership":"join"}""";
    private const string MemberV9 = """{"join_authorised_via_users_server":"@admin:x","membership":"join"}""";
    private const string MemberV11 = """{"join_authorised_via_users_server":"@admin:x","membership":"join","third_party_invite":{"signed":{"mxid":"@alice:x","signatures":{"id.example":{"ed25519:0":"sig"}},"token":"abc"}}}""";

    private const string Create = """{"creator":"@a:x","m.federate":false,"room_version":"9","predecessor":{"room_id":"!old:x","event_id":"$e"},"type":"m.space"}""";
    private const string CreateV1 = """{"creator":"@a:x"}""";
    private const string CreateV11 = """{"creator":"@a:x","m.federate":false,"predecessor":{"event_id":"$e","room_id":"!old:x"},"room_version":"9","type":"m.space"}""";

    private const string JoinRules = """{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!r:x"}],"extra":1}""";
    private const string JoinRulesV1 = """{"join_rule":"restricted"}""";
    private const string JoinRulesV8 = """{"allow":[{"room_id":"!r:x","type":"m.room_membership"}],"join_rule":"restricted"}""";

    private const string PowerLevels = """{"ban":50,"events":{"m.room.name":100},"events_default":0,"invite":0,"kick":50,"notifications":{"room":50},"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";
    private const string PowerLevelsV1 = """{"ban":50,"events":{"m.room.name":100},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";
    private const string PowerLevelsV11 = """{"ban":50,"events":{"m.room.name":100},"events_default":0,"invite":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";

    [Theory]
    [InlineData("1", "m.room.member", Member, MemberV1)]
    [InlineData("2", "m.room.member", Member, MemberV1)]
    [InlineData("3", "m.room.member", Member, MemberV1)]
    [InlineData("4", "m.room.member", Member, MemberV1)]
    [InlineData("5", "m.room.member", Member, MemberV1)]
    [InlineData("6", "m.room.member", Member, MemberV1)]
    [InlineData("7", "m.room.member", Member, MemberV1)]
    [InlineData("8", "m.room.member", Member, MemberV1)]
    [InlineData("9", "m.room.member", Member, MemberV9)]
    [InlineData("10", "m.room.member", Member, MemberV9)]
    [InlineData("11", "m.room.member", Member, MemberV11)]
    [InlineData("1", "m.room.create", Create, CreateV1)]
    [InlineData("2", "m.room.create", Create, CreateV1)]
    [InlineData("3", "m.room.create", Create, CreateV1)]
    [InlineData("4", "m.room.create", Create, CreateV1)]
    [InlineData("5", "m.room.create", Create, CreateV1)]
    [InlineData("6", "m.room.create", Create, CreateV1)]
    [InlineData("7", "m.room.create", Create, CreateV1)]
    [InlineData("8", "m.room.create", Create, CreateV1)]
    [InlineData("9", "m.room.create", Create, CreateV1)]
    [InlineData("10", "m.room.create", Create, CreateV1)]
    [InlineData("11", "m.room.create", Create, CreateV11)]
    [InlineData("1", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("2", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("3", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("4", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("5", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("6", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("7", "m.room.join_rules", JoinRules, JoinRulesV1)]
    [InlineData("8", "m.room.join_rules", JoinRules, JoinRulesV8)]
    [InlineData("9", "m.room.join_rules", JoinRules, JoinRulesV8)]
    [InlineData("10", "m.room.join_rules", JoinRules, JoinRulesV8)]
    [InlineData("11", "m.room.join_rules", JoinRules, JoinRulesV8)]
    [InlineData("1", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("2", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("3", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("4", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("5", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("6", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("7", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("8", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("9", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("10", "m.room.power_levels", PowerLevels, PowerLevelsV1)]
    [InlineData("11", "m.room.power_levels", PowerLevels, PowerLevelsV11)]
    [InlineData("5", "m.room.aliases", """{"aliases":["#a:x"],"x":1}""", """{"aliases":["#a:x"]}""")]
    [InlineData("6", "m.room.aliases", """{"aliases":["#a:x"],"x":1}""", "{}")]
    [InlineData("1", "m.room.history_visibility", """{"history_visibility":"shared","x":1}""", """{"history_visibility":"shared"}""")]
    [InlineData("11", "m.room.history_visibility", """{"history_visibility":"shared","x":1}""", """{"history_visibility":"shared"}""")]
    [InlineData("10", "m.room.redaction", """{"redacts":"$e","reason":"spam"}""", "{}")]
    [InlineData("11", "m.room.redaction", """{"redacts":"$e","reason":"spam"}""", """{"redacts":"$e"}""")]
    [InlineData("11", "m.room.message", """{"body":"hi","msgtype":"m.text"}""", "{}")]
    [InlineData("11", "m.room.member", """{"membership":"invite","third_party_invite":{"display_name":"x"}}""", """{"membership":"invite"}""")]
    public void RedactionKeepsOnlyTheRoomVersionsContentKeys(string roomVersion, string type, string content, string expected)
    {
        var ev = Object($$"""{"type":"{{type}}","state_key":"","sender":"@a:x","room_id":"!r:x","content":{{content}}}""");

        var redacted = EventSigning.Redact(ev, roomVersion);

        Assert.Equal(expected, Canonical(redacted["content"]));
        Assert.Equal(Canonical(Object(content)), Canonical(ev["content"]));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10")]
    public void RedactionBeforeV11KeepsOriginMembershipAndPrevState(string roomVersion) =>
        Assert.Equal(
            """{"auth_events":[],"content":{},"depth":1,"event_id":"$e","hashes":{"sha256":"h"},"membership":"join","origin":"x","origin_server_ts":1,"prev_events":[],"prev_state":[],"room_id":"!r:x","sender":"@a:x","signatures":{"x":{}},"state_key":"","type":"X"}""",
            Canonical(EventSigning.Redact(FullEvent(), roomVersion)));

    [Fact]
    public void RedactionInV11DropsOriginMembershipAndPrevState() =>
        Assert.Equal(
            """{"auth_events":[],"content":{},"depth":1,"event_id":"$e","hashes":{"sha256":"h"},"origin_server_ts":1,"prev_events":[],"room_id":"!r:x","sender":"@a:x","signatures":{"x":{}},"state_key":"","type":"X"}""",
            Canonical(EventSigning.Redact(FullEvent(), "11")));

    [Theory]
    [InlineData("""{"type":"m.room.member"}""")]
    [InlineData("""{"type":"m.room.member","content":"membership"}""")]
    [InlineData("""{"type":"m.room.member","content":null}""")]
    [InlineData("""{"type":7,"content":{"membership":"join"}}""")]
    public void RedactionAlwaysLeavesAnObjectContent(string json) =>
        Assert.Equal("{}", Canonical(EventSigning.Redact(Object(json), "10")["content"]));

    [Fact]
    public void RedactedEventIsACopy()
    {
        var ev = Object("""{"type":"m.room.member","content":{"membership":"join"},"prev_events":["$a"]}""");

        var redacted = EventSigning.Redact(ev, "10");
        redacted["prev_events"]!.AsArray().Add("$b");
        redacted["content"]!["membership"] = "leave";

        Assert.Equal("""{"content":{"membership":"join"},"prev_events":["$a"],"type":"m.room.member"}""", Canonical(ev));
    }

    private static JsonObject FullEvent() => Object("""
        {"auth_events":[],"content":{"body":"x"},"depth":1,"event_id":"$e","hashes":{"sha256":"h"},"membership":"join",
         "origin":"x","origin_server_ts":1,"prev_events":[],"prev_state":[],"room_id":"!r:x","sender":"@a:x",
         "signatures":{"x":{}},"state_key":"","type":"X","unsigned":{"age":1},"extra":true}
        """);
}
