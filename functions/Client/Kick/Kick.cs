using Membership.Core.Rules;

namespace Membership.Functions.Client.Kick;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/kick</summary>
internal static class Kick
{
    public static Task Handle(HttpContext http) => MembershipActions.TargetedAsync(http, MembershipAction.Kick);
}
