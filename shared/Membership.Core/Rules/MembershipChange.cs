using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Core.Rules;

/// <summary>What the caller asked for. Closed set: the API actions that produce member events.</summary>
public enum MembershipAction
{
    Join,
    Invite,
    Leave,
    Kick,
    Ban,
    Unban,
    Knock,

    /// <summary><c>PUT /state/m.room.member/{user}</c>: the membership comes from the content, no API-level checks.</summary>
    SetState,
}

/// <summary>
/// A proposed <c>m.room.member</c> event: <paramref name="Sender"/> sets <paramref name="Target"/>'s membership, with
/// <paramref name="Content"/> as the event content (it carries <c>membership</c>).
/// </summary>
/// <param name="ByServerAdmin">
/// NOTSPEC: an App administrator of the admin surface acts with the server's authority. Power and sender-membership
/// checks are skipped; the transition checks (who can go from what to what) still apply.
/// </param>
public sealed record MembershipChange(
    MembershipAction Action,
    UserId Sender,
    UserId Target,
    JsonObject Content,
    bool ByServerAdmin = false)
{
    public RoomMembership NewMembership =>
        Content["membership"] is JsonValue value && value.TryGetValue(out string? membership) && membership is not null
            ? new RoomMembership(membership)
            : RoomMembership.Leave;

    /// <summary>Builds the content for an action: <c>membership</c>, and <c>reason</c> when given.</summary>
    public static JsonObject ContentFor(MembershipAction action, string? reason, JsonObject? extra = null)
    {
        var content = extra ?? new JsonObject();
        content["membership"] = MembershipFor(action).ToString();
        if (reason is not null)
        {
            content["reason"] = reason;
        }

        return content;
    }

    /// <summary>Kick and unban are <c>leave</c> set by someone else; the rules see five memberships, not seven actions.</summary>
    public static RoomMembership MembershipFor(MembershipAction action) => action switch
    {
        MembershipAction.Join => RoomMembership.Join,
        MembershipAction.Invite => RoomMembership.Invite,
        MembershipAction.Ban => RoomMembership.Ban,
        MembershipAction.Knock => RoomMembership.Knock,
        MembershipAction.Leave or MembershipAction.Kick or MembershipAction.Unban => RoomMembership.Leave,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "SetState takes its membership from the content"),
    };
}
