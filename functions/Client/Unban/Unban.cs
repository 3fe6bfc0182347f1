using Membership.Core.Rules;

namespace Membership.Functions.Client.Unban;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/unban</summary>
internal static class Unban
{
    public static Task Handle(HttpContext http) => MembershipActions.TargetedAsync(http, MembershipAction.Unban);
}
