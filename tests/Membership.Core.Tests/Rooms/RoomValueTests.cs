using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Core.Tests.Rooms;

/// <summary>The string-backed values the rules compare: memberships, join rules, errcodes; and member-state accessors.</summary>
public class RoomValueTests
{
    [Theory]
    [InlineData("join", true)]
    [InlineData("invite", true)]
    [InlineData("leave", true)]
    [InlineData("ban", true)]
    [InlineData("knock", true)]
    [InlineData("JOIN", false)]
    [InlineData("visit", false)]
    [InlineData("", false)]
    public void OnlyTheFiveSpecMembershipsAreKnownAndTheyAreCaseSensitive(string value, bool known)
    {
        var membership = new RoomMembership(value);

        Assert.Equal(known, membership.IsKnown);
        Assert.Equal(value, membership.ToString());
        Assert.Equal(known && value == "join", membership == RoomMembership.Join);
    }

    [Theory]
    [InlineData("public", true)]
    [InlineData("invite", true)]
    [InlineData("knock", true)]
    [InlineData("restricted", true)]
    [InlineData("knock_restricted", true)]
    [InlineData("private", true)]
    [InlineData("Public", false)]
    [InlineData("secret", false)]
    public void UnknownJoinRulesAreKeptButNotKnown(string value, bool known)
    {
        var rule = new JoinRule(value);

        Assert.Equal(known, rule.IsKnown);
        Assert.Equal(value, rule.ToString());
    }

    [Fact]
    public void ARoomWithoutJoinRulesIsInviteOnly()
    {
        Assert.Equal(JoinRule.Invite, JoinRule.Default);
        Assert.Equal(JoinRule.Invite, default);
        Assert.Equal("invite", default(JoinRule).ToString());
    }

    [Fact]
    public void ErrcodesCompareByValue()
    {
        Assert.Equal(ErrorCode.Forbidden, new ErrorCode("M_FORBIDDEN"));
        Assert.NotEqual(ErrorCode.Forbidden, new ErrorCode("m_forbidden"));
        Assert.Equal("M_BAD_STATE", ErrorCode.BadState.ToString());
        Assert.Equal("M_UNKNOWN", default(ErrorCode).ToString());
        Assert.Throws<ArgumentNullException>(() => new ErrorCode(null!));
    }

    [Fact]
    public void MemberStateReadsReasonAndProfileFromItsContent()
    {
        var alice = UserId.Parse("@alice:example.org");
        var state = new MemberState(
            alice,
            RoomMembership.Join,
            alice,
            new JsonObject { ["membership"] = "join", ["displayname"] = "Alice", ["avatar_url"] = "mxc://example.org/a", ["reason"] = "hi" },
            "$event",
            Sequence: 3,
            DateTimeOffset.UnixEpoch);
        var bare = state with { Content = new JsonObject { ["membership"] = "join", ["displayname"] = 5 } };

        Assert.Equal(("Alice", "mxc://example.org/a", "hi"), (state.DisplayName, state.AvatarUrl, state.Reason));
        Assert.Equal((null, null, null), (bare.DisplayName, bare.AvatarUrl, bare.Reason));
    }
}
