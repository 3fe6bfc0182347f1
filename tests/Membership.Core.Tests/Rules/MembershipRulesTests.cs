using System.Text.Json.Nodes;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using static Membership.Core.Rules.MembershipAction;
using static Membership.Core.Tests.Rules.MemberCase;

namespace Membership.Core.Tests.Rules;

/// <summary>
/// <see cref="MembershipRules.Decide"/> as data: each row is a case in the base room (<see cref="BaseRoom"/>), named
/// after the rule it exercises (the numbered m.room.member authorization rules, cells of the membership transition
/// table, the API-level checks Synapse applies).
/// </summary>
public class MembershipRulesTests
{
    private const string DisplayName = """{"displayname":"Someone new"}""";
    private const string Reason = """{"reason":"spam"}""";
    private const string Dave = "dave:elsewhere.org";

    private static MemberCase R(string name, string sender, string target, string from, MembershipAction action, string expected) =>
        new(name, sender, target, from, action, expected);

    /// <summary>Join rules 1-7 (§2.3 "membership = join").</summary>
    public static TheoryData<MemberCase> JoinRows => new()
    {
        R("Join1CreatorsFirstJoinAfterTheCreateEventIsAllowed", "alice", "alice", None, Join, Allowed).Fresh(),
        R("Join1NobodyButTheCreatorJoinsARoomWithOnlyItsCreateEvent", "carol", "carol", None, Join, Forbidden).Fresh(),
        R("Join1CreatorWithoutInviteCannotJoinAnInviteRoomOnceItHasMoreEvents", "alice", "alice", None, Join, Forbidden).In(JoinRule.Invite),
        State("Join1SomeoneElseCannotJoinTheCreatorIntoAFreshRoom", "bob", "alice", None, "join", Forbidden).Fresh(),
        R("Join2UserCannotJoinSomeoneElse", "bob", "carol", None, Join, Forbidden),
        State("Join2StateEventCannotJoinAnInvitedUser", "alice", "carol", "invite", "join", Forbidden).In(JoinRule.Invite),
        State("Join3BannedUserCannotJoinEvenAPublicRoom", "carol", "carol", "ban", "join", Forbidden),
        R("Join3BannedUsersJoinRequestIsABadState", "carol", "carol", "ban", Join, BadState),
        R("Join4InvitedUserMayJoinAnInviteRoom", "carol", "carol", "invite", Join, Allowed).In(JoinRule.Invite),
        R("Join4UninvitedUserCannotJoinAnInviteRoom", "carol", "carol", None, Join, Forbidden).In(JoinRule.Invite),
        R("Join4UserWhoLeftCannotRejoinAnInviteRoom", "carol", "carol", "leave", Join, Forbidden).In(JoinRule.Invite),
        R("Join4JoinedUserMayChangeProfileInAnInviteRoom", "bob", "bob", "join", Join, Allowed).In(JoinRule.Invite).WithContent(DisplayName),
        R("Join4RoomWithoutJoinRulesIsInviteOnly", "carol", "carol", None, Join, Forbidden).In(default),
        R("Join4InvitedUserMayJoinAKnockRoom", "carol", "carol", "invite", Join, Allowed).In(JoinRule.Knock),
        R("Join4KnockingUserCannotJoinAKnockRoomWithoutInvite", "carol", "carol", "knock", Join, Forbidden).In(JoinRule.Knock),
        R("Join4OutsiderCannotJoinAKnockRoom", "carol", "carol", None, Join, Forbidden).In(JoinRule.Knock),
        R("Join5InvitedUserMayJoinARestrictedRoom", "carol", "carol", "invite", Join, Allowed).In(JoinRule.Restricted),
        R("Join5JoinedUserMayChangeProfileInARestrictedRoom", "bob", "bob", "join", Join, Allowed).In(JoinRule.Restricted).WithContent(DisplayName),
        R("Join5RestrictedJoinWithoutAuthoriserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted),
        R("Join5RestrictedJoinAuthorisedByAJoinedUserWithInvitePowerIsAllowed", "carol", "carol", None, Join, Allowed).In(JoinRule.Restricted).Via("mod"),
        R("Join5RestrictedJoinAuthorisedAtExactlyTheInviteLevelIsAllowed", "carol", "carol", None, Join, Allowed).In(JoinRule.Restricted).Via("mod").WithLevels("""{"invite":50}"""),
        R("Join5RestrictedRejoinOfAUserWhoLeftMayBeAuthorised", "carol", "carol", "leave", Join, Allowed).In(JoinRule.Restricted).Via("bob"),
        R("Join5RestrictedJoinAuthorisedByAUserWhoLeftIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("exmod"),
        R("Join5RestrictedJoinAuthorisedByAnInvitedUserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("invitedmod"),
        R("Join5RestrictedJoinAuthorisedByABannedUserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("outlaw"),
        R("Join5RestrictedJoinAuthorisedByAStrangerIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("stranger"),
        R("Join5RestrictedJoinAuthorisedByAUserBelowTheInviteLevelIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("bob").WithLevels("""{"invite":50}"""),
        R("Join5RestrictedJoinWithAMalformedAuthoriserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).WithContent("""{"join_authorised_via_users_server":"mod"}"""),
        R("Join5RestrictedJoinWithANonStringAuthoriserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).WithContent("""{"join_authorised_via_users_server":50}"""),
        R("Join5KnockRestrictedJoinOfAnInvitedUserIsAllowed", "carol", "carol", "invite", Join, Allowed).In(JoinRule.KnockRestricted),
        R("Join5KnockRestrictedJoinWithoutAuthoriserIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.KnockRestricted),
        R("Join5KnockRestrictedJoinAuthorisedByAJoinedUserWithInvitePowerIsAllowed", "carol", "carol", None, Join, Allowed).In(JoinRule.KnockRestricted).Via("mod"),
        R("Join5KnockRestrictedJoinOfAKnockingUserMayBeAuthorised", "carol", "carol", "knock", Join, Allowed).In(JoinRule.KnockRestricted).Via("mod"),
        R("Join5KnockRestrictedJoinOfAKnockingUserWithoutAuthoriserIsRefused", "carol", "carol", "knock", Join, Forbidden).In(JoinRule.KnockRestricted),
        R("Join5KnockRestrictedJoinAuthorisedByAUserWhoLeftIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.KnockRestricted).Via("exmod"),
        R("Join5KnockRestrictedJoinAuthorisedByAUserBelowTheInviteLevelIsRefused", "carol", "carol", None, Join, Forbidden).In(JoinRule.KnockRestricted).Via("bob").WithLevels("""{"invite":50}"""),
        R("Join6AnyoneMayJoinAPublicRoom", "carol", "carol", None, Join, Allowed),
        R("Join6UserWhoLeftMayRejoinAPublicRoom", "carol", "carol", "leave", Join, Allowed),
        R("Join6KickedUserMayRejoinAPublicRoom", "carol", "carol", "leave", Join, Allowed).SetBy("mod"),
        R("Join6InvitedUserMayJoinAPublicRoom", "carol", "carol", "invite", Join, Allowed),
        R("Join6RemoteUserMayJoinAPublicFederatingRoom", Dave, Dave, None, Join, Allowed),
        R("Join7NobodyJoinsAPrivateRoom", "carol", "carol", None, Join, Forbidden).In(JoinRule.Private),
        R("Join7EvenAnInvitedUserCannotJoinAPrivateRoom", "carol", "carol", "invite", Join, Forbidden).In(JoinRule.Private),
        R("Join7JoinedUserCannotChangeProfileInAPrivateRoom", "bob", "bob", "join", Join, Forbidden).In(JoinRule.Private).WithContent(DisplayName),
        R("Join7UnknownJoinRuleAdmitsNobody", "carol", "carol", None, Join, Forbidden).In(new JoinRule("secret")),
        R("Join7UnknownJoinRuleRefusesEvenAnInvitedUser", "carol", "carol", "invite", Join, Forbidden).In(new JoinRule("secret")),
        R("Join7JoinRulesAreCaseSensitive", "carol", "carol", None, Join, Forbidden).In(new JoinRule("PUBLIC")),
    };

    /// <summary>Invite rules 1-5 (§2.3 "membership = invite").</summary>
    public static TheoryData<MemberCase> InviteRows => new()
    {
        R("Invite1ThirdPartyInviteIsRefused", "mod", "carol", None, Invite, Forbidden)
            .WithContent("""{"third_party_invite":{"display_name":"c...@example.org","signed":{"mxid":"@carol:example.org","token":"abc","signatures":{}}}}"""),
        R("Invite1ThirdPartyInviteIsRefusedEvenForAServerAdmin", "admin", "carol", None, Invite, Forbidden).AsServerAdmin()
            .WithContent("""{"third_party_invite":{"display_name":"c...@example.org"}}"""),
        R("Invite2SenderWhoLeftCannotInvite", "exmod", "carol", None, Invite, Forbidden),
        R("Invite2InvitedSenderCannotInvite", "invitedmod", "carol", None, Invite, Forbidden),
        R("Invite2BannedSenderCannotInvite", "outlaw", "carol", None, Invite, Forbidden),
        R("Invite2StrangerCannotInvite", "stranger", "carol", None, Invite, Forbidden),
        R("Invite3JoinedUserCannotBeInvited", "mod", "bob", "join", Invite, Forbidden),
        R("Invite3BannedUserInviteIsABadState", "mod", "carol", "ban", Invite, BadState),
        State("Invite3StateInviteOfABannedUserIsRefused", "mod", "carol", "ban", "invite", Forbidden),
        State("Invite3StateInviteOfAJoinedUserIsRefused", "mod", "bob", "join", "invite", Forbidden),
        R("Invite3InvitedUserMayBeInvitedAgainByAnotherMember", "mod", "carol", "invite", Invite, Allowed),
        R("Invite3KnockingUserMayBeInvited", "mod", "carol", "knock", Invite, Allowed).In(JoinRule.Knock),
        R("Invite3UserWhoLeftMayBeInvited", "mod", "carol", "leave", Invite, Allowed),
        R("Invite3KickedUserMayBeInvitedByTheKicker", "mod", "carol", "leave", Invite, Allowed).SetBy("mod"),
        R("Invite4MemberAtTheDefaultInviteLevelMayInvite", "bob", "carol", None, Invite, Allowed),
        R("Invite4ModeratorAtExactlyTheInviteLevelMayInvite", "mod", "carol", None, Invite, Allowed).WithLevels("""{"invite":50}"""),
        R("Invite4RemoteUserMayBeInvited", "mod", Dave, None, Invite, Allowed),
        State("Invite4StateInviteFollowsTheSameRules", "mod", "carol", None, "invite", Allowed),
        R("Invite5MemberBelowTheInviteLevelCannotInvite", "bob", "carol", None, Invite, Forbidden).WithLevels("""{"invite":50}"""),
        R("Invite5NegativeLevelMemberCannotInviteAtLevelZero", "bob", "carol", None, Invite, Forbidden).WithLevels("""{"users":{"@bob:example.org":-1}}"""),
        R("Invite5UsersDefaultAboveTheInviteLevelLetsMembersInvite", "bob", "carol", None, Invite, Allowed).WithLevels("""{"invite":20,"users_default":20}"""),
    };

    /// <summary>Leave rules 1-5 (§2.3 "membership = leave"): leaving, kicks and unbans.</summary>
    public static TheoryData<MemberCase> LeaveRows => new()
    {
        R("Leave1JoinedUserMayLeave", "bob", "bob", "join", Leave, Allowed),
        R("Leave1JoinedUserMayLeaveEvenAPrivateRoom", "bob", "bob", "join", Leave, Allowed).In(JoinRule.Private),
        R("Leave1InvitedUserMayRejectTheInvite", "carol", "carol", "invite", Leave, Allowed),
        R("Leave1KnockingUserMayWithdrawTheKnock", "carol", "carol", "knock", Leave, Allowed).In(JoinRule.Knock),
        R("Leave1BannedUserCannotLeaveTheBan", "carol", "carol", "ban", Leave, Forbidden),
        R("Leave1KickedUserCannotLeaveAgain", "carol", "carol", "leave", Leave, Forbidden).SetBy("mod"),
        R("Leave1UserWhoNeverJoinedCannotLeave", "carol", "carol", None, Leave, Forbidden),
        R("Leave2SenderWhoLeftCannotKick", "exmod", "bob", "join", Kick, Forbidden),
        R("Leave2InvitedSenderCannotKick", "invitedmod", "bob", "join", Kick, Forbidden),
        R("Leave2BannedSenderCannotKick", "outlaw", "bob", "join", Kick, Forbidden),
        R("Leave2StrangerCannotKick", "stranger", "bob", "join", Kick, Forbidden),
        R("Leave2SenderWhoLeftCannotUnban", "exmod", "carol", "ban", Unban, Forbidden),
        State("Leave2StateLeaveByASenderWhoLeftIsRefused", "exmod", "bob", "join", "leave", Forbidden),
        R("Leave3UnbanNeedsTheBanLevel", "mod", "carol", "ban", Unban, Forbidden).WithLevels("""{"ban":75}"""),
        State("Leave3StateLeaveOfABannedUserNeedsTheBanLevel", "bob", "carol", "ban", "leave", Forbidden).WithLevels("""{"kick":0}"""),
        R("Leave4ModeratorMayKickAMember", "mod", "bob", "join", Kick, Allowed),
        R("Leave4CreatorMayKickAModerator", "alice", "mod", "join", Kick, Allowed),
        R("Leave4ModeratorMayRevokeAnInvite", "mod", "carol", "invite", Kick, Allowed),
        R("Leave4ModeratorMayDenyAKnock", "mod", "carol", "knock", Kick, Allowed).In(JoinRule.Knock),
        R("Leave4KickAtExactlyTheKickLevelIsAllowed", "bob", "carol", "join", Kick, Allowed).WithLevels("""{"kick":10,"users":{"@bob:example.org":10}}"""),
        R("Leave4KickLevelZeroLetsMembersKickThoseBelowThem", "bob", "carol", "join", Kick, Allowed).WithLevels("""{"kick":0,"users":{"@carol:example.org":-1}}"""),
        R("Leave4ModeratorWithBanAndKickLevelMayUnban", "mod", "carol", "ban", Unban, Allowed),
        R("Leave4UnbanLiftsABanSetBySomeoneElse", "mod", "carol", "ban", Unban, Allowed).SetBy("alice"),
        R("Leave4CreatorMayUnbanAModerator", "alice", "outlaw", "ban", Unban, Allowed),
        State("Leave4StateLeaveOfAnotherMemberIsAKick", "mod", "bob", "join", "leave", Allowed),
        R("Leave5MemberBelowTheKickLevelCannotKick", "bob", "carol", "join", Kick, Forbidden),
        R("Leave5ModeratorCannotKickTheCreator", "mod", "alice", "join", Kick, Forbidden),
        R("Leave5ModeratorCannotRevokeAPeersInvite", "mod", "invitedmod", "invite", Kick, Forbidden),
        R("Leave5UnbanAlsoNeedsTheKickLevel", "mod", "carol", "ban", Unban, Forbidden).WithLevels("""{"kick":75}"""),
        R("Leave5UnbanNeedsMorePowerThanTheBannedUser", "mod", "outlaw", "ban", Unban, Forbidden),
        R("Leave5UnbanOfAHigherUserIsRefused", "mod", "carol", "ban", Unban, Forbidden).WithLevels("""{"users":{"@carol:example.org":60}}"""),
        R("Leave5MemberWithoutPowerCannotUnban", "bob", "carol", "ban", Unban, Forbidden),
    };

    /// <summary>Ban rules 1-3 (§2.3 "membership = ban").</summary>
    public static TheoryData<MemberCase> BanRows => new()
    {
        R("Ban1SenderWhoLeftCannotBan", "exmod", "bob", "join", Ban, Forbidden),
        R("Ban1InvitedSenderCannotBan", "invitedmod", "bob", "join", Ban, Forbidden),
        R("Ban1BannedSenderCannotBan", "outlaw", "bob", "join", Ban, Forbidden),
        R("Ban1StrangerCannotBan", "stranger", "carol", None, Ban, Forbidden),
        R("Ban2ModeratorMayBanAMember", "mod", "bob", "join", Ban, Allowed),
        R("Ban2ModeratorMayBanAUserNeverSeenInTheRoom", "mod", "random_dude", None, Ban, Allowed),
        R("Ban2ModeratorMayBanAUserOfAnUnreachableServer", "mod", "random_dude:unreachable.example", None, Ban, Allowed),
        R("Ban2ModeratorMayBanAUserWhoLeft", "mod", "carol", "leave", Ban, Allowed),
        R("Ban2ModeratorMayBanAnInvitedUser", "mod", "carol", "invite", Ban, Allowed),
        R("Ban2ModeratorMayBanAKnockingUser", "mod", "carol", "knock", Ban, Allowed).In(JoinRule.Knock),
        R("Ban2CreatorMayBanAModerator", "alice", "mod", "join", Ban, Allowed),
        R("Ban2BanAtExactlyTheBanLevelIsAllowed", "bob", "carol", "join", Ban, Allowed).WithLevels("""{"ban":10,"users":{"@bob:example.org":10}}"""),
        State("Ban2StateBanFollowsTheSameRules", "mod", "bob", "join", "ban", Allowed),
        R("Ban3MemberBelowTheBanLevelCannotBan", "bob", "carol", "join", Ban, Forbidden),
        R("Ban3ModeratorCannotBanTheCreator", "mod", "alice", "join", Ban, Forbidden),
        R("Ban3ModeratorBelowARaisedBanLevelCannotBan", "mod", "bob", "join", Ban, Forbidden).WithLevels("""{"ban":75}"""),
        State("Ban3StateBanWithoutPowerIsRefused", "bob", "carol", None, "ban", Forbidden),
    };

    /// <summary>Knock rules 1-4 (§2.3 "membership = knock").</summary>
    public static TheoryData<MemberCase> KnockRows => new()
    {
        R("Knock1KnockOnAPublicRoomIsRefused", "carol", "carol", None, Knock, Forbidden),
        R("Knock1KnockOnAnInviteRoomIsRefused", "carol", "carol", None, Knock, Forbidden).In(JoinRule.Invite),
        R("Knock1KnockOnARestrictedRoomIsRefused", "carol", "carol", None, Knock, Forbidden).In(JoinRule.Restricted),
        R("Knock1KnockOnAPrivateRoomIsRefused", "carol", "carol", None, Knock, Forbidden).In(JoinRule.Private),
        R("Knock1KnockOnARoomWithAnUnknownJoinRuleIsRefused", "carol", "carol", None, Knock, Forbidden).In(new JoinRule("secret")),
        R("Knock1KnockOnAKnockRoomIsAllowed", "carol", "carol", None, Knock, Allowed).In(JoinRule.Knock),
        R("Knock1KnockOnAKnockRestrictedRoomIsAllowed", "carol", "carol", None, Knock, Allowed).In(JoinRule.KnockRestricted),
        State("Knock2CannotKnockOnBehalfOfSomeoneElse", "bob", "carol", None, "knock", Forbidden).In(JoinRule.Knock),
        State("Knock2EvenTheCreatorCannotKnockForSomeoneElse", "alice", "carol", None, "knock", Forbidden).In(JoinRule.Knock),
        R("Knock3UserWhoLeftMayKnock", "carol", "carol", "leave", Knock, Allowed).In(JoinRule.Knock),
        R("Knock3KickedUserMayKnock", "carol", "carol", "leave", Knock, Allowed).In(JoinRule.Knock).SetBy("mod"),
        R("Knock3KnockingUserMayKnockAgainWithAReason", "carol", "carol", "knock", Knock, Allowed).In(JoinRule.Knock).WithContent(Reason),
        R("Knock3RemoteUserMayKnock", Dave, Dave, None, Knock, Allowed).In(JoinRule.Knock),
        R("Knock4BannedUsersKnockIsABadState", "carol", "carol", "ban", Knock, BadState).In(JoinRule.Knock),
        State("Knock4StateKnockOfABannedUserIsRefused", "carol", "carol", "ban", "knock", Forbidden).In(JoinRule.Knock),
        R("Knock4InvitedUserCannotKnock", "carol", "carol", "invite", Knock, Forbidden).In(JoinRule.Knock),
        R("Knock4JoinedUserCannotKnock", "bob", "bob", "join", Knock, Forbidden).In(JoinRule.Knock),
    };

    /// <summary>Rule 0 and "any other membership value: reject".</summary>
    public static TheoryData<MemberCase> UnknownMembershipRows => new()
    {
        State("UnknownMembershipIsRefused", "mod", "carol", None, "visit", Forbidden),
        State("MembershipValuesAreCaseSensitive", "carol", "carol", None, "JOIN", Forbidden),
        State("EmptyMembershipIsRefused", "carol", "carol", None, string.Empty, Forbidden),
        State("UnknownMembershipIsRefusedEvenForAServerAdmin", "admin", "carol", None, "visit", Forbidden).AsServerAdmin(),
        State("Rule0MissingMembershipIsBadJsonNotALeave", "mod", "bob", "join", null, BadJson),
        State("Rule0NumericMembershipIsBadJson", "mod", "bob", "join", null, BadJson).WithContent("""{"membership":5}"""),
        State("Rule0NullMembershipIsBadJson", "bob", "bob", "join", null, BadJson).WithContent("""{"membership":null}"""),
    };

    /// <summary>
    /// Every cell of the §2.4 transition table (from invite/join/leave/ban/knock/none to invite/join/leave by self/leave
    /// by other/ban/knock), in a knock room unless a cell needs a public one. "No change" is an identical repeat by the
    /// sender of the current event; "never" is refused (M_BAD_STATE when the target is banned).
    /// </summary>
    public static TheoryData<MemberCase> TransitionTableRows => new()
    {
        R("TableInviteToInviteIsNoChange", "alice", "carol", "invite", Invite, Unchanged).In(JoinRule.Knock),
        R("TableInviteToJoinJoins", "carol", "carol", "invite", Join, Allowed).In(JoinRule.Knock),
        R("TableInviteToLeaveBySelfRejectsTheInvite", "carol", "carol", "invite", Leave, Allowed).In(JoinRule.Knock),
        R("TableInviteToLeaveByOtherRevokesTheInvite", "mod", "carol", "invite", Kick, Allowed).In(JoinRule.Knock),
        R("TableInviteToBanBans", "mod", "carol", "invite", Ban, Allowed).In(JoinRule.Knock),

        // The table calls this cell "re-knock", but knock rule 4 rejects a knock from 'invite' (Synapse: "You are already invited").
        R("TableInviteToKnockIsRefusedByKnockRule4", "carol", "carol", "invite", Knock, Forbidden).In(JoinRule.Knock),
        R("TableJoinToInviteNeverHappens", "mod", "bob", "join", Invite, Forbidden).In(JoinRule.Knock),
        R("TableJoinToJoinIsAProfileChange", "bob", "bob", "join", Join, Allowed).In(JoinRule.Knock).WithContent(DisplayName),
        R("TableJoinToLeaveBySelfLeaves", "bob", "bob", "join", Leave, Allowed).In(JoinRule.Knock),
        R("TableJoinToLeaveByOtherKicks", "mod", "bob", "join", Kick, Allowed).In(JoinRule.Knock),
        R("TableJoinToBanKicksAndBans", "mod", "bob", "join", Ban, Allowed).In(JoinRule.Knock),
        R("TableJoinToKnockNeverHappens", "bob", "bob", "join", Knock, Forbidden).In(JoinRule.Knock),
        R("TableLeaveToInviteInvites", "mod", "carol", "leave", Invite, Allowed).In(JoinRule.Knock),
        R("TableLeaveToJoinJoinsAPublicRoom", "carol", "carol", "leave", Join, Allowed),
        R("TableLeaveToLeaveBySelfIsNoChange", "carol", "carol", "leave", Leave, Unchanged).In(JoinRule.Knock),
        R("TableLeaveToLeaveByOtherIsNoKick", "mod", "carol", "leave", Kick, Forbidden).In(JoinRule.Knock),
        R("TableLeaveToBanBans", "mod", "carol", "leave", Ban, Allowed).In(JoinRule.Knock),
        R("TableLeaveToKnockKnocks", "carol", "carol", "leave", Knock, Allowed).In(JoinRule.Knock),
        R("TableBanToInviteNeverHappens", "mod", "carol", "ban", Invite, BadState).In(JoinRule.Knock),
        R("TableBanToJoinNeverHappens", "carol", "carol", "ban", Join, BadState).In(JoinRule.Knock),
        R("TableBanToLeaveBySelfIsRefused", "carol", "carol", "ban", Leave, Forbidden).In(JoinRule.Knock),
        R("TableBanToLeaveByOtherUnbans", "mod", "carol", "ban", Unban, Allowed).In(JoinRule.Knock),
        R("TableBanToBanIsNoChange", "alice", "carol", "ban", Ban, Unchanged).In(JoinRule.Knock),
        R("TableBanToKnockNeverHappens", "carol", "carol", "ban", Knock, BadState).In(JoinRule.Knock),
        R("TableKnockToInviteAcceptsTheKnock", "mod", "carol", "knock", Invite, Allowed).In(JoinRule.Knock),
        R("TableKnockToJoinNeverHappens", "carol", "carol", "knock", Join, Forbidden).In(JoinRule.Knock),
        R("TableKnockToLeaveBySelfRetractsTheKnock", "carol", "carol", "knock", Leave, Allowed).In(JoinRule.Knock),
        R("TableKnockToLeaveByOtherDeniesTheKnock", "mod", "carol", "knock", Kick, Allowed).In(JoinRule.Knock),
        R("TableKnockToBanBans", "mod", "carol", "knock", Ban, Allowed).In(JoinRule.Knock),
        R("TableKnockToKnockIsNoChange", "carol", "carol", "knock", Knock, Unchanged).In(JoinRule.Knock),
        R("TableNoneToInviteInvites", "mod", "carol", None, Invite, Allowed).In(JoinRule.Knock),
        R("TableNoneToJoinJoinsAPublicRoom", "carol", "carol", None, Join, Allowed),
        R("TableNoneToLeaveBySelfIsRefused", "carol", "carol", None, Leave, Forbidden).In(JoinRule.Knock),
        R("TableNoneToLeaveByOtherIsNoKick", "mod", "carol", None, Kick, Forbidden).In(JoinRule.Knock),
        R("TableNoneToBanBans", "mod", "carol", None, Ban, Allowed).In(JoinRule.Knock),
        R("TableNoneToKnockKnocks", "carol", "carol", None, Knock, Allowed).In(JoinRule.Knock),

        // The same cells written as state events: only the auth rules apply (no API-level checks).
        State("TableStateBanToInviteIsRefusedByAuth", "mod", "carol", "ban", "invite", Forbidden),
        State("TableStateBanToJoinIsRefusedByAuth", "carol", "carol", "ban", "join", Forbidden),
        State("TableStateKnockToJoinIsRefusedByAuth", "carol", "carol", "knock", "join", Forbidden).In(JoinRule.Knock),
        State("TableStateJoinToKnockIsRefusedByAuth", "bob", "bob", "join", "knock", Forbidden).In(JoinRule.Knock),
        State("TableStateLeaveToLeaveByOtherIsAllowedByAuth", "mod", "carol", "leave", "leave", Allowed),
        State("TableStateNoneToLeaveByOtherIsAllowedByAuth", "mod", "carol", None, "leave", Allowed),
    };

    /// <summary>The API-level checks of §2.5 (Synapse handlers/room_member.py), which come before the auth rules.</summary>
    public static TheoryData<MemberCase> ApiRows => new()
    {
        R("ApiUnbanOfAJoinedUserIsABadState", "mod", "bob", "join", Unban, BadState),
        R("ApiUnbanOfAnInvitedUserIsABadState", "mod", "carol", "invite", Unban, BadState),
        R("ApiUnbanOfAUserWhoLeftIsABadState", "mod", "carol", "leave", Unban, BadState),
        R("ApiUnbanOfAKnockingUserIsABadState", "mod", "carol", "knock", Unban, BadState).In(JoinRule.Knock),
        R("ApiUnbanOfAStrangerIsABadState", "mod", "carol", None, Unban, BadState),
        R("ApiUnbanOfANonBannedUserIsABadStateBeforeAnyPowerCheck", "bob", "carol", "leave", Unban, BadState),
        R("ApiKickNeverUnbans", "mod", "carol", "ban", Kick, BadState),
        R("ApiKickNeverUnbansEvenForTheCreator", "alice", "carol", "ban", Kick, BadState),
        R("ApiInviteOfABannedUserIsABadStateEvenWithoutPower", "bob", "carol", "ban", Invite, BadState).WithLevels("""{"invite":50}"""),
        R("ApiKickOfAUserWhoLeftIsRefused", "mod", "carol", "leave", Kick, Forbidden),
        R("ApiKickOfAUserKickedBySomeoneElseIsRefused", "alice", "carol", "leave", Kick, Forbidden).SetBy("mod"),
        R("ApiKickOfAUserWithNoMembershipIsRefused", "alice", "random_dude", None, Kick, Forbidden),
        R("ApiKickOfAKnockingUserIsAllowed", "alice", "carol", "knock", Kick, Allowed).In(JoinRule.Knock),
        R("ApiKickOfAnInvitedUserIsAllowed", "alice", "carol", "invite", Kick, Allowed),
        R("ApiSelfInviteIsRefused", "bob", "bob", "join", Invite, Forbidden),
        R("ApiSelfInviteOfAUserWhoLeftIsRefused", "exmod", "exmod", "leave", Invite, Forbidden),
        R("ApiSelfInviteIsRefusedEvenForAServerAdmin", "admin", "admin", None, Invite, Forbidden).AsServerAdmin(),
        R("ApiInviteOfAnAlreadyJoinedUserIsRefused", "alice", "mod", "join", Invite, Forbidden),
        R("ApiBannedUserCannotLeave", "outlaw", "outlaw", "ban", Leave, Forbidden),
        R("ApiKickingYourselfIsLeaving", "bob", "bob", "join", Kick, Allowed),
    };

    /// <summary>Duplicate suppression: same sender, membership and content is a 200 no-op that writes nothing.</summary>
    public static TheoryData<MemberCase> RepeatRows => new()
    {
        R("RepeatJoinIsANoOp", "bob", "bob", "join", Join, Unchanged),
        R("RepeatJoinInAnInviteRoomIsANoOp", "bob", "bob", "join", Join, Unchanged).In(JoinRule.Invite),
        R("JoinWithANewProfileIsNotARepeat", "bob", "bob", "join", Join, Allowed).WithContent(DisplayName),
        R("RepeatInviteByTheSameInviterIsANoOp", "alice", "carol", "invite", Invite, Unchanged),
        R("InviteByADifferentInviterIsNotARepeat", "mod", "carol", "invite", Invite, Allowed),
        R("InviteWithAReasonIsNotARepeat", "alice", "carol", "invite", Invite, Allowed).WithContent(Reason),
        R("RepeatBanByTheSameBannerIsANoOp", "alice", "carol", "ban", Ban, Unchanged),
        R("BanByADifferentModeratorIsNotARepeat", "mod", "carol", "ban", Ban, Allowed),
        R("BanWithAReasonIsNotARepeat", "alice", "carol", "ban", Ban, Allowed).WithContent(Reason),
        R("RepeatLeaveIsANoOp", "carol", "carol", "leave", Leave, Unchanged),
        R("LeaveAfterBeingKickedIsNotARepeat", "carol", "carol", "leave", Leave, Forbidden).SetBy("mod"),
        R("RepeatKnockIsANoOp", "carol", "carol", "knock", Knock, Unchanged).In(JoinRule.Knock),
        R("RetriedKickByTheSameKickerIsANoOp", "mod", "carol", "leave", Kick, Unchanged).SetBy("mod"),
        R("RetriedUnbanByTheSameModeratorIsANoOp", "mod", "carol", "leave", Unban, Unchanged).SetBy("mod"),
        R("RetriedKickWithAnotherReasonIsNotARepeat", "mod", "carol", "leave", Kick, Forbidden).SetBy("mod").WithContent(Reason),
        State("RepeatStateLeaveIsANoOp", "mod", "carol", "leave", "leave", Unchanged).SetBy("mod"),
        R("RepeatIsANoOpBeforeThePowerChecks", "mod", "carol", "ban", Ban, Unchanged).SetBy("mod").WithLevels("""{"ban":75}"""),
    };

    /// <summary>Power is compared strictly: a peer at your level is out of reach, and so are you.</summary>
    public static TheoryData<MemberCase> EqualPowerRows => new()
    {
        R("EqualPowerModeratorCannotKickAPeer", "mod", "peer", "join", Kick, Forbidden),
        R("EqualPowerModeratorCannotBanAPeer", "mod", "peer", "join", Ban, Forbidden),
        R("EqualPowerModeratorCannotUnbanABannedPeer", "mod", "carol", "ban", Unban, Forbidden).WithLevels("""{"users":{"@carol:example.org":50}}"""),
        R("EqualPowerMembersCannotKickEachOtherEvenWhenKickIsZero", "bob", "carol", "join", Kick, Forbidden).WithLevels("""{"kick":0}"""),
        R("EqualPowerMembersCannotBanEachOtherEvenWhenBanIsZero", "bob", "carol", "join", Ban, Forbidden).WithLevels("""{"ban":0}"""),
        R("EqualPowerModeratorCannotBanThemselves", "mod", "mod", "join", Ban, Forbidden),
        R("EqualPowerCreatorCannotBanThemselves", "alice", "alice", "join", Ban, Forbidden),
        R("EqualPowerOneLevelMoreIsEnoughToKick", "mod", "peer", "join", Kick, Allowed).WithLevels("""{"users":{"@peer:example.org":49}}"""),
    };

    /// <summary>NOTSPEC: a server admin skips sender-membership and power checks, never the transition checks.</summary>
    public static TheoryData<MemberCase> ServerAdminRows => new()
    {
        R("AdminMayKickWithoutBeingInTheRoom", "admin", "bob", "join", Kick, Allowed).AsServerAdmin(),
        R("AdminMayKickTheCreator", "admin", "alice", "join", Kick, Allowed).AsServerAdmin(),
        R("AdminMayBanTheCreator", "admin", "alice", "join", Ban, Allowed).AsServerAdmin(),
        R("AdminMayBanAUserNeverSeen", "admin", "carol", None, Ban, Allowed).AsServerAdmin(),
        R("AdminMayUnbanWithoutPower", "admin", "outlaw", "ban", Unban, Allowed).AsServerAdmin(),
        R("AdminMayInviteWithoutBeingInTheRoom", "admin", "carol", None, Invite, Allowed).AsServerAdmin(),
        R("AdminMayInviteWhateverTheInviteLevel", "admin", "carol", None, Invite, Allowed).AsServerAdmin().WithLevels("""{"invite":100}"""),
        R("AdminMayRevokeAnInvite", "admin", "invitedmod", "invite", Kick, Allowed).AsServerAdmin(),
        R("AdminCannotInviteAJoinedUser", "admin", "bob", "join", Invite, Forbidden).AsServerAdmin(),
        R("AdminCannotInviteABannedUser", "admin", "carol", "ban", Invite, BadState).AsServerAdmin(),
        R("AdminCannotUnbanAUserWhoIsNotBanned", "admin", "carol", "leave", Unban, BadState).AsServerAdmin(),
        R("AdminCannotKickAUserWhoLeft", "admin", "carol", "leave", Kick, Forbidden).AsServerAdmin(),
        R("AdminKickNeverUnbans", "admin", "carol", "ban", Kick, BadState).AsServerAdmin(),
        R("AdminCannotJoinSomeoneElse", "admin", "carol", None, Join, Forbidden).AsServerAdmin(),
        R("AdminFlagDoesNotOpenAPrivateRoom", "carol", "carol", None, Join, Forbidden).In(JoinRule.Private).AsServerAdmin(),
        R("AdminFlagDoesNotLetABannedUserLeave", "carol", "carol", "ban", Leave, Forbidden).AsServerAdmin(),
        R("WithoutTheAdminFlagTheSameKickIsRefused", "admin", "bob", "join", Kick, Forbidden),
    };

    /// <summary>The create event's <c>m.federate: false</c> refuses senders of other servers.</summary>
    public static TheoryData<MemberCase> FederateRows => new()
    {
        R("NoFederateRemoteUserCannotJoin", Dave, Dave, None, Join, Forbidden).NotFederated(),
        R("NoFederateRemoteUserCannotKnock", Dave, Dave, None, Knock, Forbidden).In(JoinRule.Knock).NotFederated(),
        R("NoFederateRemoteMemberCannotLeave", Dave, Dave, "join", Leave, Forbidden).NotFederated(),
        R("NoFederateSameHostWithAnotherPortIsAnotherServer", "carol:example.org:8448", "carol:example.org:8448", None, Join, Forbidden).NotFederated(),
        R("NoFederateLocalUserMayJoin", "carol", "carol", None, Join, Allowed).NotFederated(),
        R("NoFederateLocalModeratorMayBanARemoteUser", "mod", Dave, None, Ban, Allowed).NotFederated(),
        R("NoFederateLocalModeratorMayInviteARemoteUser", "mod", Dave, None, Invite, Allowed).NotFederated(),
    };

    /// <summary>NOTSPEC: a member cap (Tencent MaxMemberCount) refuses new joins, never re-joins or profile changes.</summary>
    public static TheoryData<MemberCase> MemberCapRows => new()
    {
        R("CapRefusesANewJoinWhenTheRoomIsFull", "carol", "carol", None, Join, Forbidden).Capped(10, 10),
        R("CapRefusesANewJoinWhenTheRoomIsOverFull", "carol", "carol", None, Join, Forbidden).Capped(11, 10),
        R("CapAllowsTheLastSeat", "carol", "carol", None, Join, Allowed).Capped(9, 10),
        R("CapRefusesAnInvitedUsersJoinWhenFull", "carol", "carol", "invite", Join, Forbidden).In(JoinRule.Invite).Capped(10, 10),
        R("CapRefusesAnAuthorisedRestrictedJoinWhenFull", "carol", "carol", None, Join, Forbidden).In(JoinRule.Restricted).Via("mod").Capped(10, 10),
        R("CapAllowsAProfileChangeWhenFull", "bob", "bob", "join", Join, Allowed).WithContent(DisplayName).Capped(10, 10),
        R("CapAllowsARepeatJoinWhenFull", "bob", "bob", "join", Join, Unchanged).Capped(10, 10),
        R("CapDoesNotLimitInvites", "mod", "carol", None, Invite, Allowed).Capped(10, 10),
        R("CapDoesNotLimitKnocks", "carol", "carol", None, Knock, Allowed).In(JoinRule.Knock).Capped(10, 10),
        R("NoCapMeansNoLimit", "carol", "carol", None, Join, Allowed) with { JoinedCount = 100_000 },
    };

    [Theory]
    [MemberData(nameof(JoinRows))]
    public void JoinFollowsJoinRulesOneToSeven(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(InviteRows))]
    public void InviteNeedsAJoinedSenderWithInvitePowerAndAnInvitableTarget(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(LeaveRows))]
    public void LeaveKickAndUnbanFollowLeaveRulesOneToFive(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(BanRows))]
    public void BanRequiresBanPowerAndMorePowerThanTheTarget(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(KnockRows))]
    public void KnockIsOnlyForKnockRoomsAndUsersNotInvitedJoinedOrBanned(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(UnknownMembershipRows))]
    public void MissingOrUnknownMembershipIsRefused(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(TransitionTableRows))]
    public void EveryTransitionTableCellHasItsOutcome(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(ApiRows))]
    public void ApiLevelChecksRefuseWhatTheEndpointsRefuse(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(RepeatRows))]
    public void IdenticalRepeatIsANoOp(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(EqualPowerRows))]
    public void KickAndBanRequireStrictlyMorePowerThanTheTarget(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(ServerAdminRows))]
    public void ServerAdminSkipsPowerChecksButNotTransitionChecks(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(FederateRows))]
    public void NonFederatingRoomRefusesSendersOfOtherServers(MemberCase row) => Check(row);

    [Theory]
    [MemberData(nameof(MemberCapRows))]
    public void MemberCapRefusesNewJoinsOnly(MemberCase row) => Check(row);

    [Fact]
    public void RowNamesAreUniqueAndThereAreWellOverAHundred()
    {
        var names = AllRows().Select(row => row.Name).ToList();
        Assert.Empty(names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.True(names.Count > 150, $"only {names.Count} rows");
    }

    [Fact]
    public void EveryOutcomeAndErrcodeIsCovered()
    {
        var expected = AllRows().Select(row => row.Expected).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(new[] { Allowed, BadJson, BadState, Forbidden, Unchanged }.Order(StringComparer.Ordinal), expected.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DenialMessageSaysWhoMayNotDoWhatAndWhy()
    {
        var (room, change) = R("Kick", "bob", "carol", "join", Kick, Forbidden).Build();

        var decision = MembershipRules.Decide(room, change);

        Assert.Equal(
            "@bob:example.org may not kick @carol:example.org in !room:example.org: that needs power level 50 and they have 0",
            decision.Message);
    }

    [Fact]
    public void AllowedAndUnchangedCarryNoErrcodeOrMessage()
    {
        Assert.Equal(string.Empty, Decision.Allow.Message);
        Assert.Equal(string.Empty, Decision.Unchanged.Message);
        Assert.False(Decision.Allow.IsDenied);
        Assert.False(Decision.Unchanged.IsDenied);
        Assert.True(Decision.Forbidden("x").IsDenied);
        Assert.Equal(ErrorCode.Forbidden, Decision.Forbidden("x").Code);
    }

    [Fact]
    public void DecideRejectsMissingArguments()
    {
        var (room, change) = R("Any", "bob", "bob", "join", Leave, Allowed).Build();

        Assert.Throws<ArgumentNullException>(() => MembershipRules.Decide(null!, change));
        Assert.Throws<ArgumentNullException>(() => MembershipRules.Decide(room, null!));
    }

    [Theory]
    [InlineData(Join, "join")]
    [InlineData(Invite, "invite")]
    [InlineData(Leave, "leave")]
    [InlineData(Kick, "leave")]
    [InlineData(Ban, "ban")]
    [InlineData(Unban, "leave")]
    [InlineData(Knock, "knock")]
    public void KickAndUnbanAreLeaveSetBySomeoneElse(MembershipAction action, string membership)
    {
        var content = MembershipChange.ContentFor(action, "because", new JsonObject { ["displayname"] = "C" });

        Assert.Equal(membership, MembershipChange.MembershipFor(action).ToString());
        Assert.Equal(membership, (string?)content["membership"]);
        Assert.Equal("because", (string?)content["reason"]);
        Assert.Equal("C", (string?)content["displayname"]);
    }

    [Fact]
    public void SetStateTakesItsMembershipFromTheContent()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MembershipChange.MembershipFor(SetState));
        Assert.False(MembershipChange.ContentFor(Leave, reason: null).ContainsKey("reason"));
    }

    private static IEnumerable<MemberCase> AllRows() =>
        new[]
        {
            JoinRows, InviteRows, LeaveRows, BanRows, KnockRows, UnknownMembershipRows, TransitionTableRows, ApiRows,
            RepeatRows, EqualPowerRows, ServerAdminRows, FederateRows, MemberCapRows,
        }.SelectMany(rows => rows.Cast<object[]>().Select(row => (MemberCase)row[0]));

    private static void Check(MemberCase row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var (room, change) = row.Build();

        var decision = MembershipRules.Decide(room, change);

        var actual = decision.Kind switch
        {
            DecisionKind.Allowed => Allowed,
            DecisionKind.Unchanged => Unchanged,
            _ => decision.Code.ToString(),
        };
        Assert.True(actual == row.Expected, $"{row.Name}: expected {row.Expected}, got {actual} {decision.Message}");
        if (decision.IsDenied)
        {
            // Denial messages say who may not do what in which room.
            Assert.Contains(room.RoomId.Value, decision.Message, StringComparison.Ordinal);
            Assert.True(
                decision.Message.Contains(change.Sender.Value, StringComparison.Ordinal)
                || decision.Message.Contains(change.Target.Value, StringComparison.Ordinal),
                $"{row.Name}: '{decision.Message}' names neither {change.Sender} nor {change.Target}");
        }
        else
        {
            Assert.Equal(string.Empty, decision.Message);
        }
    }
}
