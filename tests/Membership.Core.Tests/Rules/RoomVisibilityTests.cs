using Membership.Core.Rooms;
using Membership.Core.Rules;

namespace Membership.Core.Tests.Rules;

/// <summary>
/// <see cref="RoomVisibility"/> as data: each row is a user's own membership events (event sequence:membership, in
/// log order) and what they may read. Then every history of up to five events over the five memberships, checked
/// against the rule's three sentences.
/// </summary>
public class RoomVisibilityTests
{
    private static readonly RoomMembership[] AllMemberships = [RoomMembership.Join, RoomMembership.Invite, RoomMembership.Leave, RoomMembership.Ban, RoomMembership.Knock];

    /// <summary>Name, history ("seq:membership" separated by spaces), forgotten, expected ("none", "current" or the last visible seq).</summary>
    public static TheoryData<string, string, bool, string> Rows => new()
    {
        { "NoMembershipSeesNothing", "", false, "none" },
        { "AKnockerSeesNothing", "5:knock", false, "none" },
        { "AnInviteeSeesNothing", "5:invite", false, "none" },
        { "ABanOfSomeoneNeverJoinedShowsNothing", "5:ban", false, "none" },
        { "AnInviteRejectedSeesNothing", "5:invite 7:leave", false, "none" },
        { "AKnockWithdrawnSeesNothing", "5:knock 6:leave", false, "none" },
        { "AJoinedUserSeesTheCurrentState", "5:join", false, "current" },
        { "AProfileChangeKeepsTheCurrentState", "5:join 9:join", false, "current" },
        { "AnInviteeWhoJoinedSeesTheCurrentState", "4:invite 5:join", false, "current" },
        { "AUserWhoLeftOrWasKickedSeesUpToThatEvent", "5:join 9:leave", false, "9" },
        { "ABannedMemberSeesUpToTheBan", "5:join 9:ban", false, "9" },
        { "ABanAfterLeavingOpensNothingNew", "5:join 9:leave 12:ban", false, "9" },
        { "AReInviteAfterLeavingOpensNothingNew", "5:join 9:leave 12:invite", false, "9" },
        { "AKnockAfterLeavingOpensNothingNew", "5:join 9:leave 12:knock", false, "9" },
        { "AnUnbanAfterABanOpensNothingNew", "5:join 9:ban 12:leave", false, "9" },
        { "TheLastStayCounts", "5:join 9:leave 12:join 20:leave 25:invite", false, "20" },
        { "RejoiningShowsTheCurrentStateAgain", "5:join 9:leave 12:join", false, "current" },
        { "AForgottenRoomShowsNothing", "5:join 9:leave", true, "none" },
        { "AForgottenBanShowsNothing", "5:join 9:ban", true, "none" },
        { "AnUnknownMembershipIsNotAJoin", "5:joined", false, "none" },
        { "AnUnknownMembershipEndsAStay", "5:join 9:JOIN", false, "9" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void TheVisibilityRuleHolds(string name, string history, bool forgotten, string expected)
    {
        var visibility = RoomVisibility.Of(Parse(history), forgotten);

        var actual = visibility.Kind switch
        {
            VisibilityKind.None => "none",
            VisibilityKind.Current => "current",
            _ => visibility.UpTo.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.True(expected == actual, $"{name}: expected {expected}, got {actual}");
        Assert.Equal(visibility.Kind != VisibilityKind.None, visibility.CanRead);
    }

    [Fact]
    public void EveryHistoryOfUpToFiveEventsFollowsTheRule()
    {
        var checkedCount = 0;
        foreach (var history in Histories(5))
        {
            foreach (var forgotten in new[] { false, true })
            {
                var visibility = RoomVisibility.Of(history, forgotten);
                var lastJoin = history.Select((step, i) => (step, i)).LastOrDefault(x => x.step.Membership == RoomMembership.Join, (default, -1)).Item2;
                var context = $"{string.Join(" ", history.Select(s => $"{s.Seq}:{s.Membership}"))} forgotten={forgotten}";

                // 1. Never joined, or forgotten: nothing.
                if (forgotten || lastJoin < 0)
                {
                    Assert.True(visibility.Kind == VisibilityKind.None, context);
                }

                // 2. Joined now: the current state.
                else if (lastJoin == history.Count - 1)
                {
                    Assert.True(visibility.Kind == VisibilityKind.Current, context);
                }

                // 3. Otherwise: up to the event that ended the last stay, which is not a join, and nothing later.
                else
                {
                    Assert.True(visibility.Kind == VisibilityKind.AsOfDeparture && visibility.UpTo == history[lastJoin + 1].Seq, context);
                    Assert.True(history.All(s => s.Seq <= visibility.UpTo || s.Membership != RoomMembership.Join), context);
                }

                checkedCount++;
            }
        }

        Assert.Equal(2 * Enumerable.Range(0, 6).Sum(n => (int)Math.Pow(AllMemberships.Length, n)), checkedCount);
    }

    private static List<MembershipStep> Parse(string history) =>
        [.. history.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(part => part.Split(':')).Select(p => new MembershipStep(long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), new RoomMembership(p[1])))];

    /// <summary>Every sequence of 0 to <paramref name="maxLength"/> memberships, at sequence numbers 10, 20, 30, ...</summary>
    private static IEnumerable<List<MembershipStep>> Histories(int maxLength)
    {
        IEnumerable<List<MembershipStep>> level = [[]];
        for (var length = 0; length <= maxLength; length++)
        {
            foreach (var history in level)
            {
                yield return history;
            }

            var n = length;
            level = [.. level.SelectMany(h => AllMemberships.Select(m => (List<MembershipStep>)[.. h, new MembershipStep((n + 1) * 10, m)]))];
        }
    }
}
