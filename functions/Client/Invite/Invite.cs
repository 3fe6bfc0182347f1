using Membership.Core.Rules;

namespace Membership.Functions.Client.Invite;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/invite</summary>
internal static class Invite
{
    public static Task Handle(HttpContext http) => MembershipActions.TargetedAsync(http, MembershipAction.Invite);
}
