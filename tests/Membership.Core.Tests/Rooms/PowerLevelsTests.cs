using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Core.Tests.Rooms;

/// <summary>
/// <c>m.room.power_levels</c> content: spec defaults for absent keys, integer-only
/// values in the canonical-JSON range (room versions 10 and 11), user levels, and the content Synapse writes for a new room.
/// </summary>
public class PowerLevelsTests
{
    private static readonly UserId Alice = UserId.Parse("@alice:example.org");

    public static TheoryData<string, string> RefusedContents => new()
    {
        { "StringLevel", """{"ban":"50"}""" },
        { "FractionalLevel", """{"kick":50.5}""" },
        { "IntegralFloatLevel", """{"invite":50.0}""" },
        { "ExponentLevel", """{"redact":1e2}""" },
        { "NegativeExponentLevel", """{"redact":5e-1}""" },
        { "HugeExponentLevel", """{"redact":1e400}""" },
        { "BooleanLevel", """{"state_default":false}""" },
        { "NullLevel", """{"events_default":null}""" },
        { "ArrayLevel", """{"users_default":[0]}""" },
        { "ObjectLevel", """{"users_default":{"level":0}}""" },
        { "LevelAboveTheCanonicalRange", """{"ban":9007199254740992}""" },
        { "LevelBelowTheCanonicalRange", """{"ban":-9007199254740992}""" },
        { "LevelBeyondLong", """{"ban":99999999999999999999}""" },
        { "UsersNotAnObject", """{"users":["@alice:example.org"]}""" },
        { "UsersNull", """{"users":null}""" },
        { "UserKeyWithoutSigil", """{"users":{"alice:example.org":100}}""" },
        { "UserKeyWithoutServer", """{"users":{"@alice":100}}""" },
        { "UserLevelAsString", """{"users":{"@alice:example.org":"100"}}""" },
        { "UserLevelAsFloat", """{"users":{"@alice:example.org":100.0}}""" },
        { "EventsNotAnObject", """{"events":"m.room.name"}""" },
        { "EventLevelAsString", """{"events":{"m.room.name":"50"}}""" },
        { "NotificationsNotAnObject", """{"notifications":50}""" },
        { "NotificationLevelAsFloat", """{"notifications":{"room":50.5}}""" },
    };

    [Theory]
    [InlineData("ban", 50)]
    [InlineData("kick", 50)]
    [InlineData("invite", 0)]
    [InlineData("redact", 50)]
    [InlineData("state_default", 50)]
    [InlineData("events_default", 0)]
    [InlineData("users_default", 0)]
    public void AbsentScalarTakesItsSpecDefault(string key, long expected)
    {
        var levels = PowerLevels.Parse([]);

        Assert.Equal(expected, levels.Scalar(key));
        Assert.False(levels.HasScalar(key));
        Assert.Equal(expected, PowerLevels.ScalarDefaults[key]);
    }

    [Fact]
    public void EmptyContentReadsAsTheSpecDefaults()
    {
        var levels = PowerLevels.Parse([]);

        Assert.Equal((50, 50, 0, 50), (levels.Ban, levels.Kick, levels.Invite, levels.Redact));
        Assert.Equal((50, 0, 0), (levels.StateDefault, levels.EventsDefault, levels.UsersDefault));
        Assert.Empty(levels.Users);
        Assert.Empty(levels.Events);
        Assert.Empty(levels.Notifications);
        Assert.Equal(0, levels.LevelOf(Alice));
        Assert.Equal(50, levels.RequiredForState("m.room.name"));
    }

    [Fact]
    public void ScalarDefaultsAreExactlyTheSevenSpecKeys()
    {
        Assert.Equal(
            ["ban", "events_default", "invite", "kick", "redact", "state_default", "users_default"],
            PowerLevels.ScalarDefaults.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ExplicitValuesOverrideTheDefaults()
    {
        var levels = PowerLevels.Parse(Json("""
            {"ban":75,"kick":60,"invite":50,"redact":0,"state_default":100,"events_default":10,"users_default":-5,
             "users":{"@alice:example.org":100},"events":{"m.room.name":20},"notifications":{"room":30}}
            """));

        Assert.Equal((75, 60, 50, 0), (levels.Ban, levels.Kick, levels.Invite, levels.Redact));
        Assert.Equal((100, 10, -5), (levels.StateDefault, levels.EventsDefault, levels.UsersDefault));
        Assert.True(levels.HasScalar("ban"));
        Assert.Equal(100, levels.Users["@alice:example.org"]);
        Assert.Equal(20, levels.Events["m.room.name"]);
        Assert.Equal(30, levels.Notifications["room"]);
    }

    [Theory]
    [MemberData(nameof(RefusedContents))]
    public void NonIntegerOrOutOfRangeLevelsAreRefused(string name, string json)
    {
        var content = Json(json);

        Assert.False(PowerLevels.TryParse(content, out var levels, out var error), name);
        Assert.Null(levels);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(error, Assert.Throws<FormatException>(() => PowerLevels.Parse(content)).Message);
    }

    [Theory]
    [InlineData("9007199254740991", 9007199254740991)]
    [InlineData("-9007199254740991", -9007199254740991)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("-1", -1)]
    [InlineData("100", 100)]
    public void IntegersInTheCanonicalRangeAreAccepted(string literal, long expected)
    {
        var levels = PowerLevels.Parse(Json($$$"""{"ban":{{{literal}}},"users":{"@alice:example.org":{{{literal}}}}}"""));

        Assert.Equal(expected, levels.Ban);
        Assert.Equal(expected, levels.LevelOf(Alice));
    }

    [Fact]
    public void LevelsBuiltInCodeAreIntegersToo()
    {
        Assert.True(PowerLevels.TryInteger(JsonValue.Create(50), out var fromInt));
        Assert.Equal(50, fromInt);
        Assert.True(PowerLevels.TryInteger(JsonValue.Create(-7L), out var fromLong));
        Assert.Equal(-7, fromLong);
        Assert.False(PowerLevels.TryInteger(JsonValue.Create(50.0), out _));
        Assert.False(PowerLevels.TryInteger(JsonValue.Create(50m), out _));
        Assert.False(PowerLevels.TryInteger(JsonValue.Create("50"), out _));
        Assert.False(PowerLevels.TryInteger(JsonValue.Create(PowerLevels.MaxLevel + 1), out _));
        Assert.False(PowerLevels.TryInteger(null, out _));
    }

    [Theory]
    [InlineData("@alice:example.org", 100)]
    [InlineData("@bob:example.org", -1)]
    [InlineData("@carol:example.org", 5)]
    [InlineData("@Alice:example.org", 5)]
    [InlineData("@alice:example.org:8448", 5)]
    public void LevelOfIsTheUsersEntryOrUsersDefault(string user, long expected)
    {
        var levels = PowerLevels.Parse(Json("""{"users":{"@alice:example.org":100,"@bob:example.org":-1},"users_default":5}"""));

        Assert.Equal(expected, levels.LevelOf(UserId.Parse(user)));
    }

    [Fact]
    public void RequiredLevelForStateIsTheEventsEntryOrStateDefault()
    {
        var levels = PowerLevels.Parse(Json("""{"events":{"m.room.name":20,"m.room.topic":0},"state_default":60,"events_default":1}"""));

        Assert.Equal(20, levels.RequiredForState("m.room.name"));
        Assert.Equal(0, levels.RequiredForState("m.room.topic"));
        Assert.Equal(60, levels.RequiredForState("m.room.avatar"));
    }

    [Fact]
    public void UnknownKeysSurviveInTheContent()
    {
        var content = Json("""{"historical":100,"ban":50,"com.example":{"x":"y"}}""");

        var levels = PowerLevels.Parse(content);

        Assert.Same(content, levels.Content);
        Assert.Equal(100, (int)levels.Content["historical"]!);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void DefaultContentIsWhatSynapseWritesForANewRoom(long invite)
    {
        var content = PowerLevels.DefaultContent(Alice, invite);

        var expected = Json($$"""
            {
              "users": {"@alice:example.org": 100},
              "users_default": 0,
              "events": {
                "m.room.name": 50,
                "m.room.power_levels": 100,
                "m.room.history_visibility": 100,
                "m.room.canonical_alias": 50,
                "m.room.avatar": 50,
                "m.room.tombstone": 100,
                "m.room.server_acl": 100,
                "m.room.encryption": 100
              },
              "events_default": 0,
              "state_default": 50,
              "ban": 50,
              "kick": 50,
              "redact": 50,
              "invite": {{invite}}
            }
            """);
        foreach (var (key, value) in expected)
        {
            Assert.True(JsonNode.DeepEquals(value, content[key]), $"'{key}' is {content[key]?.ToJsonString()}, not {value?.ToJsonString()}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void DefaultContentParsesBackIntoTheSameLevels(long invite)
    {
        var content = PowerLevels.DefaultContent(Alice, invite);
        var stored = Json(content.ToJsonString());

        foreach (var levels in new[] { PowerLevels.Parse(content), PowerLevels.Parse(stored) })
        {
            Assert.Equal(100, levels.LevelOf(Alice));
            Assert.Equal(0, levels.LevelOf(UserId.Parse("@bob:example.org")));
            Assert.Equal(invite, levels.Invite);
            Assert.Equal((50, 50, 50, 50), (levels.Ban, levels.Kick, levels.Redact, levels.StateDefault));
            Assert.Equal(100, levels.RequiredForState("m.room.power_levels"));
            Assert.Equal(50, levels.RequiredForState("m.room.name"));
            Assert.True(PowerLevels.ScalarDefaults.Keys.All(levels.HasScalar));
        }
    }

    [Fact]
    public void DefaultContentIsAFreshObjectEachTime()
    {
        var first = PowerLevels.DefaultContent(Alice, 0);
        first["users"]!["@bob:example.org"] = 100;

        Assert.Null(PowerLevels.DefaultContent(Alice, 0)["users"]!["@bob:example.org"]);
    }

    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();
}
