using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Functions.Client;
using Membership.Service.Federation;

namespace Membership.Functions.Federation;

/// <summary>
/// <c>POST /rooms/{roomId}/invite</c> of a user of another server: the federation invite, its failures mapped for the
/// inviting client. A refusal is 403 <c>M_FORBIDDEN</c> with the remote's reason; an unsupported room version passes
/// the remote's 400 on; an unreachable remote or an unusable answer is 502, a slow one 504 (<c>M_UNKNOWN</c>).
/// Nothing is committed in any of those cases.
/// </summary>
internal sealed class OutboundInvite(InviteSender sender)
{
    public async Task SendAsync(RoomId room, MembershipChange change, CancellationToken cancellationToken)
    {
        try
        {
            ClientMembership.ThrowIfFailed(await sender.InviteAsync(room, change, cancellationToken), room);
        }
        catch (RemoteInviteException ex)
        {
            throw ex.Failure switch
            {
                RemoteInviteFailure.Refused => MatrixException.Forbidden(ex.Message),
                RemoteInviteFailure.IncompatibleRoomVersion => new MatrixException(ex.RemoteCode ?? ErrorCode.UnsupportedRoomVersion, ex.Message, StatusCodes.Status400BadRequest),
                RemoteInviteFailure.TimedOut => new MatrixException(ErrorCode.Unknown, ex.Message, StatusCodes.Status504GatewayTimeout),
                _ => new MatrixException(ErrorCode.Unknown, ex.Message, StatusCodes.Status502BadGateway),
            };
        }
    }
}
