using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.LegacyMembership;

/// <summary>The pre-r0 membership paths.</summary>
/// <remarks>join, invite, leave, kick, ban and unban under <c>/_matrix/client/api/v1</c>, answered as their current counterparts are. The body is <c>{"user_id", "reason"?}</c> for invite, kick, ban and unban, <c>{"reason"?}</c> for join and leave.</remarks>
internal sealed class LegacyMembership(ClientRequests client, ClientMembership membership)
{
    [Function(nameof(LegacyMembership))]
    public async Task<MatrixJson<LegacyMembershipReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "_matrix/client/api/v1/rooms/{roomId}/{action:regex(^(join|invite|leave|kick|ban|unban)$)}")] HttpRequest req)
    {
        var action = req.Text("action") switch
        {
            "join" => MembershipAction.Join,
            "leave" => MembershipAction.Leave,
            "invite" => MembershipAction.Invite,
            "kick" => MembershipAction.Kick,
            "ban" => MembershipAction.Ban,
            _ => MembershipAction.Unban,
        };
        var call = await client.ReadInRoomAsync<LegacyMembershipBody>(req);
        if (action == MembershipAction.Join || action == MembershipAction.Leave)
        {
            await membership.SelfAsync(call.Room, call.User, action, call.Body.Reason, req.HttpContext.RequestAborted);
            return MatrixJson.Of(new LegacyMembershipReply(action == MembershipAction.Join ? call.Room.Value : null));
        }

        var targeted = new TargetedMembershipBody { UserId = call.Body.UserId ?? throw MatrixException.MissingParam("user_id"), Reason = call.Body.Reason };
        await membership.TargetedAsync(call.Room, call.User, action, targeted, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new LegacyMembershipReply(null));
    }
}

/// <summary>One body for the six legacy actions: <c>user_id</c> is required by invite, kick, ban and unban.</summary>
internal sealed record LegacyMembershipBody
{
    [System.ComponentModel.Description("The user to invite, kick, ban or unban (not for join and leave).")]
    public string? UserId { get; init; }

    [System.ComponentModel.Description("Why; copied into the membership event.")]
    [MaxBytes(ClientMembership.MaxReasonBytes)]
    public string? Reason { get; init; }
}

/// <summary><c>{"room_id"}</c> for join, <c>{}</c> for the others, as their current counterparts answer.</summary>
internal sealed record LegacyMembershipReply([property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? RoomId);
