using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Core.Rules;

namespace Membership.Core.Tests.Rules;

/// <summary>
/// <see cref="StateRules"/> as data. Each row: case name, sender, a JSON merge patch (RFC 7386: <c>null</c> removes) of
/// the room's current power levels (empty: as below), the proposed content (for power levels: a merge patch of the
/// current content), and the expected outcome. Current power levels: alice 100, mod 50, peer 50, exmod 50 (left), bob 10;
/// users_default 0; events m.room.power_levels 50, m.room.join_rules 50, m.room.name 50, m.room.topic 75;
/// events_default 0, state_default 50, ban 50, kick 50, redact 75, no invite key; notifications room 50, other 75.
/// </summary>
public class StateRulesTests
{
    private const string Allowed = MemberCase.Allowed;
    private const string Forbidden = MemberCase.Forbidden;
    private const string BadJson = MemberCase.BadJson;

    private const string CurrentLevels = """
        {
          "users": {"@alice:example.org": 100, "@mod:example.org": 50, "@peer:example.org": 50, "@exmod:example.org": 50, "@bob:example.org": 10},
          "users_default": 0,
          "events": {"m.room.power_levels": 50, "m.room.join_rules": 50, "m.room.name": 50, "m.room.topic": 75},
          "events_default": 0,
          "state_default": 50,
          "ban": 50,
          "kick": 50,
          "redact": 75,
          "notifications": {"room": 50, "other": 75}
        }
        """;

    /// <summary>Lets bob (10) send power levels, so rule 10 e-i see a low-level sender.</summary>
    private const string BobMaySendLevels = """{"events":{"m.room.power_levels":10}}""";

    /// <summary>Sender checks and rule 10 a-c (content shape).</summary>
    public static TheoryData<string, string, string, string, string> PowerLevelContentRows => new()
    {
        { "SenderBelowThePowerLevelsEventLevelCannotChangeThem", "bob", "", """{"kick":10}""", Forbidden },
        { "SenderWhoLeftCannotChangePowerLevels", "exmod", "", """{"kick":40}""", Forbidden },
        { "InvitedSenderCannotChangePowerLevels", "invitedmod", "", """{"kick":40}""", Forbidden },
        { "StrangerCannotChangePowerLevels", "stranger", "", """{"kick":40}""", Forbidden },
        { "RequiredLevelFallsBackToStateDefault", "mod", """{"events":{"m.room.power_levels":null},"state_default":60}""", """{"kick":40}""", Forbidden },
        { "RequiredLevelFromEventsOverridesStateDefault", "bob", BobMaySendLevels, """{"users":{"@carol:example.org":5}}""", Allowed },
        { "NoChangeIsAllowed", "mod", "", "{}", Allowed },
        { "UnknownTopLevelKeysAreNotChecked", "mod", "", """{"historical":100}""", Allowed },
        { "RuleAStringLevelIsBadJson", "alice", "", """{"ban":"50"}""", BadJson },
        { "RuleAFractionIsBadJson", "alice", "", """{"kick":50.5}""", BadJson },
        { "RuleAIntegralFloatIsBadJson", "alice", "", """{"invite":50.0}""", BadJson },
        { "RuleAExponentIsBadJson", "alice", "", """{"redact":1e2}""", BadJson },
        { "RuleABooleanIsBadJson", "alice", "", """{"state_default":true}""", BadJson },
        { "RuleAArrayIsBadJson", "alice", "", """{"events_default":[0]}""", BadJson },
        { "RuleAObjectIsBadJson", "alice", "", """{"users_default":{}}""", BadJson },
        { "RuleAAboveTheCanonicalRangeIsBadJson", "alice", "", """{"users_default":9007199254740992}""", BadJson },
        { "RuleABelowTheCanonicalRangeIsBadJson", "alice", "", """{"users_default":-9007199254740992}""", BadJson },
        { "RuleALowestCanonicalIntegerIsAccepted", "alice", "", """{"users_default":-9007199254740991}""", Allowed },
        { "RuleANegativeLevelsAreIntegers", "mod", "", """{"kick":-1}""", Allowed },
        { "RuleAContentErrorsComeBeforePowerChecks", "mod", "", """{"redact":"0"}""", BadJson },
        { "RuleBEventsMustBeAnObject", "alice", "", """{"events":[]}""", BadJson },
        { "RuleBEventLevelsMustBeIntegers", "alice", "", """{"events":{"m.room.name":"50"}}""", BadJson },
        { "RuleBEventLevelsMustNotBeFloats", "alice", "", """{"events":{"m.room.name":50.0}}""", BadJson },
        { "RuleBNotificationsMustBeAnObject", "alice", "", """{"notifications":5}""", BadJson },
        { "RuleBNotificationLevelsMustBeIntegers", "alice", "", """{"notifications":{"room":50.5}}""", BadJson },
        { "RuleBEventTypeKeysAreFree", "alice", "", """{"events":{"com.example.custom":20}}""", Allowed },
        { "RuleCUsersMustBeAnObject", "alice", "", """{"users":[]}""", BadJson },
        { "RuleCUserKeysMustBeUserIds", "alice", "", """{"users":{"carol":10}}""", BadJson },
        { "RuleCUserKeysNeedALocalpart", "alice", "", """{"users":{"@:example.org":10}}""", BadJson },
        { "RuleCUserKeysNeedAValidServer", "alice", "", """{"users":{"@carol:exa mple.org":10}}""", BadJson },
        { "RuleCUserKeysMustNotBeRoomIds", "alice", "", """{"users":{"!carol:example.org":10}}""", BadJson },
        { "RuleCUserLevelsMustBeIntegers", "alice", "", """{"users":{"@carol:example.org":"10"}}""", BadJson },
        { "RuleCHistoricalUserIdsAreValidKeys", "alice", "", """{"users":{"@Carol:example.org":10}}""", Allowed },
        { "RuleCUserIdsWithAPortAreValidKeys", "alice", "", """{"users":{"@carol:localhost:8008":10}}""", Allowed },
    };

    /// <summary>Rule 10 e-i: what a sender may change, given their own level.</summary>
    public static TheoryData<string, string, string, string, string> PowerLevelChangeRows => new()
    {
        { "RuleEModeratorMayLowerBan", "mod", "", """{"ban":40}""", Allowed },
        { "RuleEModeratorMayRaiseKickToTheirOwnLevel", "mod", """{"kick":30}""", """{"kick":50}""", Allowed },
        { "RuleEModeratorCannotRaiseBanAboveTheirLevel", "mod", "", """{"ban":51}""", Forbidden },
        { "RuleEModeratorCannotLowerALevelAboveThem", "mod", "", """{"redact":50}""", Forbidden },
        { "RuleEModeratorCannotRemoveALevelAboveThem", "mod", "", """{"redact":null}""", Forbidden },
        { "RuleEModeratorMayRemoveALevelAtTheirOwn", "mod", "", """{"ban":null}""", Allowed },
        { "RuleEModeratorMayAddInviteUpToTheirLevel", "mod", "", """{"invite":50}""", Allowed },
        { "RuleEModeratorCannotAddInviteAboveTheirLevel", "mod", "", """{"invite":51}""", Forbidden },
        { "RuleEModeratorMaySetUsersDefaultToTheirLevel", "mod", "", """{"users_default":50}""", Allowed },
        { "RuleEModeratorCannotSetUsersDefaultAboveTheirLevel", "mod", "", """{"users_default":51}""", Forbidden },
        { "RuleEModeratorMayLeaveAHigherLevelUntouched", "mod", "", """{"ban":45,"redact":75}""", Allowed },
        { "RuleEAddingAKeyAtItsDefaultIsStillAnAddition", "bob", """{"events":{"m.room.power_levels":10},"state_default":null}""", """{"state_default":50}""", Forbidden },
        { "RuleERemovingAnExplicitDefaultIsStillARemoval", "bob", BobMaySendLevels, """{"ban":null}""", Forbidden },
        { "RuleELowSenderMayChangeLevelsWithinReach", "bob", BobMaySendLevels, """{"events_default":5}""", Allowed },
        { "RuleECreatorMayRaiseRedactToTheirLevel", "alice", "", """{"redact":100}""", Allowed },
        { "RuleECreatorCannotRaiseRedactAboveTheirLevel", "alice", "", """{"redact":101}""", Forbidden },
        { "RuleFModeratorCannotLowerAnEventLevelAboveThem", "mod", "", """{"events":{"m.room.topic":50}}""", Forbidden },
        { "RuleFModeratorCannotRemoveAnEventLevelAboveThem", "mod", "", """{"events":{"m.room.topic":null}}""", Forbidden },
        { "RuleFDroppingTheEventsObjectRemovesEveryEntry", "mod", "", """{"events":null}""", Forbidden },
        { "RuleFModeratorMayLowerAnEventLevelAtTheirOwn", "mod", "", """{"events":{"m.room.name":0}}""", Allowed },
        { "RuleFModeratorMayRemoveAnEventLevelAtTheirOwn", "mod", "", """{"events":{"m.room.name":null}}""", Allowed },
        { "RuleFModeratorCannotLowerANotificationLevelAboveThem", "mod", "", """{"notifications":{"other":0}}""", Forbidden },
        { "RuleFModeratorCannotRemoveANotificationLevelAboveThem", "mod", "", """{"notifications":{"other":null}}""", Forbidden },
        { "RuleFModeratorMayLowerTheRoomNotificationLevel", "mod", "", """{"notifications":{"room":0}}""", Allowed },
        { "RuleGModeratorMayAddAnEventLevelUpToTheirOwn", "mod", "", """{"events":{"m.room.avatar":50}}""", Allowed },
        { "RuleGModeratorCannotAddAnEventLevelAboveTheirOwn", "mod", "", """{"events":{"m.room.avatar":51}}""", Forbidden },
        { "RuleGModeratorCannotRaiseAnEventLevelAboveTheirOwn", "mod", "", """{"events":{"m.room.name":60}}""", Forbidden },
        { "RuleGModeratorCannotLockThePowerLevelsAboveThemselves", "mod", "", """{"events":{"m.room.power_levels":100}}""", Forbidden },
        { "RuleGModeratorMayAddANotificationLevelAtTheirOwn", "mod", "", """{"notifications":{"custom":50}}""", Allowed },
        { "RuleGModeratorCannotAddANotificationLevelAboveTheirOwn", "mod", "", """{"notifications":{"custom":60}}""", Forbidden },
        { "RuleHModeratorCannotDemoteAPeer", "mod", "", """{"users":{"@peer:example.org":0}}""", Forbidden },
        { "RuleHModeratorCannotRemoveAPeer", "mod", "", """{"users":{"@peer:example.org":null}}""", Forbidden },
        { "RuleHModeratorCannotDemoteAPeerWhoLeft", "mod", "", """{"users":{"@exmod:example.org":0}}""", Forbidden },
        { "RuleHModeratorCannotDemoteTheCreator", "mod", "", """{"users":{"@alice:example.org":0}}""", Forbidden },
        { "RuleHDroppingTheUsersObjectRemovesEveryEntry", "mod", "", """{"users":null}""", Forbidden },
        { "RuleHModeratorMayDemoteAMemberBelowThem", "mod", "", """{"users":{"@bob:example.org":0}}""", Allowed },
        { "RuleHModeratorMayRemoveAMemberBelowThem", "mod", "", """{"users":{"@bob:example.org":null}}""", Allowed },
        { "RuleHModeratorMayDemoteThemselves", "mod", "", """{"users":{"@mod:example.org":10}}""", Allowed },
        { "RuleHModeratorMayRemoveTheirOwnEntry", "mod", "", """{"users":{"@mod:example.org":null}}""", Allowed },
        { "RuleHCreatorMayDemoteAModerator", "alice", "", """{"users":{"@mod:example.org":0}}""", Allowed },
        { "RuleHCreatorMayDemoteThemselves", "alice", "", """{"users":{"@alice:example.org":50}}""", Allowed },
        { "RuleIModeratorMayPromoteANewUserToTheirOwnLevel", "mod", "", """{"users":{"@carol:example.org":50}}""", Allowed },
        { "RuleIModeratorCannotPromoteANewUserAboveThem", "mod", "", """{"users":{"@carol:example.org":51}}""", Forbidden },
        { "RuleIModeratorMayPromoteAMemberToTheirOwnLevel", "mod", "", """{"users":{"@bob:example.org":50}}""", Allowed },
        { "RuleIModeratorCannotPromoteAMemberAboveThem", "mod", "", """{"users":{"@bob:example.org":60}}""", Forbidden },
        { "RuleIModeratorCannotPromoteThemselves", "mod", "", """{"users":{"@mod:example.org":51}}""", Forbidden },
        { "RuleICreatorMayPromoteAModeratorToTheirLevel", "alice", "", """{"users":{"@mod:example.org":100}}""", Allowed },
        { "RuleICreatorCannotPromoteAnyoneAboveThemselves", "alice", "", """{"users":{"@mod:example.org":101}}""", Forbidden },
    };

    /// <summary><c>m.room.join_rules</c>: a string <c>join_rule</c>, a joined sender, the level the event type needs.</summary>
    public static TheoryData<string, string, string, string, string> JoinRuleRows => new()
    {
        { "JoinedSenderAtTheRequiredLevelMayChangeTheJoinRule", "mod", "", """{"join_rule":"invite"}""", Allowed },
        { "CreatorMaySetKnockRestrictedWithAnAllowList", "alice", "", """{"join_rule":"knock_restricted","allow":[{"type":"m.room_membership","room_id":"!other:example.org"}]}""", Allowed },
        { "UnknownJoinRuleIsAcceptedAsOpenEnded", "alice", "", """{"join_rule":"secret"}""", Allowed },
        { "SenderBelowTheRequiredLevelCannotChangeTheJoinRule", "bob", "", """{"join_rule":"public"}""", Forbidden },
        { "SenderWhoLeftCannotChangeTheJoinRule", "exmod", "", """{"join_rule":"public"}""", Forbidden },
        { "InvitedSenderCannotChangeTheJoinRule", "invitedmod", "", """{"join_rule":"public"}""", Forbidden },
        { "BannedSenderCannotChangeTheJoinRule", "outlaw", "", """{"join_rule":"public"}""", Forbidden },
        { "StrangerCannotChangeTheJoinRule", "stranger", "", """{"join_rule":"public"}""", Forbidden },
        { "JoinRuleLevelFallsBackToStateDefault", "mod", """{"events":{"m.room.join_rules":null},"state_default":75}""", """{"join_rule":"public"}""", Forbidden },
        { "JoinRuleLevelFromEventsOverridesStateDefault", "bob", """{"events":{"m.room.join_rules":10}}""", """{"join_rule":"public"}""", Allowed },
        { "MissingJoinRuleIsBadJson", "alice", "", "{}", BadJson },
        { "NumericJoinRuleIsBadJson", "alice", "", """{"join_rule":5}""", BadJson },
        { "NullJoinRuleIsBadJson", "alice", "", """{"join_rule":null}""", BadJson },
        { "ObjectJoinRuleIsBadJson", "alice", "", """{"join_rule":{"rule":"public"}}""", BadJson },
        { "BadJoinRuleContentIsBadJsonBeforeThePowerCheck", "bob", "", "{}", BadJson },
    };

    [Theory]
    [MemberData(nameof(PowerLevelContentRows))]
    public void PowerLevelsNeedAJoinedSenderAndIntegerContent(string name, string sender, string current, string patch, string expected) =>
        CheckPowerLevels(name, sender, current, patch, expected);

    [Theory]
    [MemberData(nameof(PowerLevelChangeRows))]
    public void NobodyChangesPowerLevelsBeyondTheirOwnLevel(string name, string sender, string current, string patch, string expected) =>
        CheckPowerLevels(name, sender, current, patch, expected);

    [Theory]
    [InlineData("users_default")]
    [InlineData("events_default")]
    [InlineData("state_default")]
    [InlineData("ban")]
    [InlineData("redact")]
    [InlineData("kick")]
    [InlineData("invite")]
    public void EveryScalarPowerLevelMustBeAnInteger(string key)
    {
        CheckPowerLevels($"{key}AsString", "alice", string.Empty, $$"""{"{{key}}":"0"}""", BadJson);
        CheckPowerLevels($"{key}AsFloat", "alice", string.Empty, $$"""{"{{key}}":0.5}""", BadJson);
    }

    [Theory]
    [InlineData("users_default")]
    [InlineData("events_default")]
    [InlineData("state_default")]
    [InlineData("ban")]
    [InlineData("redact")]
    [InlineData("kick")]
    [InlineData("invite")]
    public void NullScalarPowerLevelIsBadJson(string key)
    {
        var content = Room(string.Empty).PowerLevels.Content.DeepClone().AsObject();
        content[key] = null;

        var decision = StateRules.ChangePowerLevels(Room(string.Empty), BaseRoom.Id("alice"), content);

        Assert.Equal(ErrorCode.BadJson, decision.Code);
    }

    [Theory]
    [MemberData(nameof(JoinRuleRows))]
    public void JoinRuleChangesNeedAJoinedSenderAtTheRequiredLevel(string name, string sender, string current, string content, string expected)
    {
        var room = Room(current);
        var decision = StateRules.ChangeJoinRules(room, BaseRoom.Id(sender), JsonNode.Parse(content)!.AsObject());
        AssertOutcome(name, room, sender, decision, expected);
    }

    [Theory]
    [InlineData("mod", "m.room.name", true)]
    [InlineData("mod", "m.room.topic", false)]
    [InlineData("mod", "com.example.unlisted", true)]
    [InlineData("bob", "com.example.unlisted", false)]
    [InlineData("alice", "m.room.topic", true)]
    [InlineData("exmod", "m.room.name", false)]
    public void StateEventsNeedTheirTypesLevelOrStateDefault(string sender, string eventType, bool allowed)
    {
        var decision = StateRules.CanSendState(Room(string.Empty), BaseRoom.Id(sender), eventType);

        Assert.Equal(allowed ? DecisionKind.Allowed : DecisionKind.Denied, decision.Kind);
    }

    [Fact]
    public void StateRulesRejectMissingArguments()
    {
        var alice = BaseRoom.Id("alice");
        Assert.Throws<ArgumentNullException>(() => StateRules.CanSendState(null!, alice, "m.room.name"));
        Assert.Throws<ArgumentNullException>(() => StateRules.ChangePowerLevels(null!, alice, []));
        Assert.Throws<ArgumentNullException>(() => StateRules.ChangeJoinRules(null!, alice, []));
        Assert.Throws<ArgumentNullException>(() => StateRules.ChangeJoinRules(Room(string.Empty), alice, null!));
    }

    private static void CheckPowerLevels(string name, string sender, string current, string patch, string expected)
    {
        var room = Room(current);
        var next = JsonMergePatch.Apply(room.PowerLevels.Content.DeepClone().AsObject(), patch);

        var decision = StateRules.ChangePowerLevels(room, BaseRoom.Id(sender), next);

        AssertOutcome(name, room, sender, decision, expected);
    }

    private static void AssertOutcome(string name, RoomSnapshot room, string sender, Decision decision, string expected)
    {
        var actual = decision.IsDenied ? decision.Code.ToString() : Allowed;
        Assert.True(actual == expected, $"{name}: expected {expected}, got {actual} {decision.Message}");
        Assert.NotEqual(DecisionKind.Unchanged, decision.Kind);
        if (decision.Code == ErrorCode.Forbidden)
        {
            Assert.Contains(BaseRoom.Id(sender).Value, decision.Message, StringComparison.Ordinal);
            Assert.Contains(room.RoomId.Value, decision.Message, StringComparison.Ordinal);
        }
        else if (decision.IsDenied)
        {
            Assert.False(string.IsNullOrWhiteSpace(decision.Message));
        }
    }

    private static RoomSnapshot Room(string currentPatch)
    {
        var levels = JsonMergePatch.Apply(JsonNode.Parse(CurrentLevels)!.AsObject(), currentPatch);
        var members = BaseRoom.Members();
        return new RoomSnapshot(
            BaseRoom.RoomId,
            "11",
            BaseRoom.Id("alice"),
            Federate: true,
            JoinRule.Public,
            [],
            PowerLevels.Parse(levels),
            members,
            members.Values.Count(m => m.Membership == RoomMembership.Join));
    }
}

/// <summary>RFC 7386 JSON merge patch: objects merge key by key, <c>null</c> removes, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonObject Apply(JsonObject target, string? patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!string.IsNullOrEmpty(patch))
        {
            Apply(target, JsonNode.Parse(patch)!.AsObject());
        }

        return target;
    }

    private static void Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject obj)
            {
                if (target[key] is not JsonObject existing)
                {
                    existing = [];
                    target[key] = existing;
                }

                Apply(existing, obj);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
