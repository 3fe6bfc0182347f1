using Membership.Core.Rules;

namespace Membership.Functions.Client.Ban;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/ban</summary>
internal static class Ban
{
    public static Task Handle(HttpContext http) => MembershipActions.TargetedAsync(http, MembershipAction.Ban);
}
