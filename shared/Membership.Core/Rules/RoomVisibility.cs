using Membership.Core.Rooms;

namespace Membership.Core.Rules;

/// <summary>How much of a room's state a user may read.</summary>
public enum VisibilityKind
{
    /// <summary>Nothing: the user never joined the room, or has forgotten it.</summary>
    None,

    /// <summary>The current state: the user is joined.</summary>
    Current,

    /// <summary>The state as of <see cref="Visibility.UpTo"/>, the event that ended the user's last stay.</summary>
    AsOfDeparture,
}

/// <summary>What <see cref="RoomVisibility.Of"/> decided; <see cref="UpTo"/> is the last event visible (for <see cref="VisibilityKind.AsOfDeparture"/>).</summary>
public readonly record struct Visibility(VisibilityKind Kind, long UpTo)
{
    public static Visibility None { get; } = new(VisibilityKind.None, 0);

    public static Visibility Current { get; } = new(VisibilityKind.Current, long.MaxValue);

    public bool CanRead => Kind != VisibilityKind.None;
}

/// <summary>One of a user's own <c>m.room.member</c> events: its place in the room's log and the membership it set.</summary>
public readonly record struct MembershipStep(long Seq, RoomMembership Membership);

/// <summary>
/// The one rule for reading room state (<c>/members</c>, <c>/joined_members</c>, <c>/state/...</c>): spec
/// GET /rooms/{roomId}/members, "the user must be or have been a member of the room; a user who has left sees the room
/// as it was when they left". So a user who only knocked, was only invited, or was banned without ever joining sees
/// nothing; a user who joined and later left, was kicked or banned sees the room up to the event that ended their last
/// stay, and no later event, whatever happens to their membership afterwards (a later ban, re-invite or knock opens
/// nothing new). A forgotten room is not visible. Listing the room's joined members needs <see cref="VisibilityKind.Current"/>.
/// A user's own current membership event is theirs to read whatever this says (an invitee sees their invite).
/// </summary>
public static class RoomVisibility
{
    /// <summary>What the user may see, from their own membership events in log order (an empty history: never in the room).</summary>
    public static Visibility Of(IReadOnlyList<MembershipStep> history, bool forgotten)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (forgotten || history.Count == 0)
        {
            return Visibility.None;
        }

        if (history[^1].Membership == RoomMembership.Join)
        {
            return Visibility.Current;
        }

        for (var i = history.Count - 2; i >= 0; i--)
        {
            if (history[i].Membership == RoomMembership.Join)
            {
                return new Visibility(VisibilityKind.AsOfDeparture, history[i + 1].Seq);
            }
        }

        return Visibility.None;
    }
}
