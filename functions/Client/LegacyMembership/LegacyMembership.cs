using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.LegacyMembership;

/// <summary>POST /_matrix/client/api/v1/rooms/{roomId}/{action} — the pre-r0 paths of join, invite, leave, kick, ban, unban.</summary>
internal static class LegacyMembership
{
    public static Task Handle(HttpContext http) => RawRoute.Value(http, "action") switch
    {
        "join" => JoinRoom.JoinRoom.Handle(http),
        "leave" => Leave.Leave.Handle(http),
        "invite" => MembershipActions.TargetedAsync(http, MembershipAction.Invite),
        "kick" => MembershipActions.TargetedAsync(http, MembershipAction.Kick),
        "ban" => MembershipActions.TargetedAsync(http, MembershipAction.Ban),
        "unban" => MembershipActions.TargetedAsync(http, MembershipAction.Unban),
        var other => throw new MatrixException(Core.Rooms.ErrorCode.Unrecognized, $"Unrecognized request: {other}"),
    };
}
