using System.ComponentModel;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Functions.Federation;
using Membership.Functions.Hosting;
using Membership.Service;
using Membership.Service.Federation;

namespace Membership.Functions.Client;

/// <summary>
/// The shared body of the membership functions (as Synapse serves all six through one servlet): one call to the room
/// service, its outcome mapped. Kick and unban become <c>leave</c> in the rules, not here.
/// </summary>
internal sealed class ClientMembership(RoomService rooms, OutboundInvite outboundInvite, InviteRejecter rejecter)
{
    /// <summary>A reason is bounded so a member event stays well inside the PDU limit.</summary>
    public const int MaxReasonBytes = 4096;

    public RoomService Rooms => rooms;

    /// <summary>invite, kick, ban, unban of <paramref name="body"/>'s user by <paramref name="sender"/>.</summary>
    public async Task TargetedAsync(RoomId room, UserId sender, MembershipAction action, TargetedMembershipBody body, CancellationToken cancellationToken)
    {
        var target = UserId.TryParse(body.UserId, out var user, out var error) ? user : throw MatrixException.InvalidParam(error);
        var change = new MembershipChange(action, sender, target, MembershipChange.ContentFor(action, body.Reason));
        if (action == MembershipAction.Invite && !rooms.Server.IsLocal(target))
        {
            await outboundInvite.SendAsync(room, change, cancellationToken);
            return;
        }

        await ApplyAsync(room, change, cancellationToken);
    }

    /// <summary>
    /// join, leave, knock by the caller; <paramref name="extra"/> carries custom content keys where the API keeps them.
    /// In a room hosted elsewhere the only one is leave, which rejects the caller's invite through the inviting server
    /// (<see cref="InviteRejecter"/>).
    /// </summary>
    public async Task SelfAsync(RoomId room, UserId user, MembershipAction action, string? reason, CancellationToken cancellationToken, JsonObject? extra = null)
    {
        if (room.Server != rooms.Server.Name)
        {
            if (action != MembershipAction.Leave)
            {
                throw MatrixException.NotFound($"Room {room} is not known to this server, and joining over federation is not supported yet");
            }

            await rejecter.RejectAsync(room, user, reason, cancellationToken);
            return;
        }

        await ApplyAsync(room, new MembershipChange(action, user, user, MembershipChange.ContentFor(action, reason, extra)), cancellationToken);
    }

    /// <summary>A room ID, or an alias resolved to one (<c>/join/{roomIdOrAlias}</c>, <c>/knock/{roomIdOrAlias}</c>).</summary>
    public async Task<RoomId> ResolveAsync(string roomIdOrAlias, CancellationToken cancellationToken)
    {
        if (roomIdOrAlias.StartsWith('#'))
        {
            if (!RoomAlias.TryParse(roomIdOrAlias, out var alias, out var aliasError))
            {
                throw MatrixException.InvalidParam(aliasError);
            }

            return await rooms.ResolveAliasAsync(alias, cancellationToken)
                ?? throw MatrixException.NotFound($"Room alias {alias} is not known to this server");
        }

        return RoomId.TryParse(roomIdOrAlias, out var room, out var error)
            ? room
            : throw MatrixException.InvalidParam($"{roomIdOrAlias} is not a legal room ID or room alias: {error}");
    }

    public async Task ApplyAsync(RoomId room, MembershipChange change, CancellationToken cancellationToken)
    {
        var result = await rooms.ChangeAsync(room, [change], "client", change.Action.ToString().ToLowerInvariant(), cancellationToken: cancellationToken);
        ThrowIfFailed(result, room);
    }

    /// <summary>Users of other servers are reached only through the federation invite of <c>POST /rooms/{roomId}/invite</c>.</summary>
    public void RequireLocal(UserId user, string what)
    {
        if (!rooms.Server.IsLocal(user))
        {
            throw MatrixException.Forbidden($"Cannot {what} {user} here: users of other servers can only be invited, with POST /rooms/{{roomId}}/invite");
        }
    }

    /// <summary>Maps a change outcome: success passes, a missing room is 404, a denial carries its errcode.</summary>
    public static void ThrowIfFailed(ChangeResult result, RoomId room)
    {
        switch (result.Status)
        {
            case ChangeStatus.RoomNotFound:
                throw MatrixException.NotFound($"Room {room} is not known to this server");
            case ChangeStatus.Denied:
                throw new MatrixException(result.FirstDenial.Code, result.FirstDenial.Message);
        }
    }
}

/// <summary>The body of invite, kick, ban and unban.</summary>
internal sealed record TargetedMembershipBody
{
    /// <summary>The user to act on: a full Matrix user ID.</summary>
    [Description("The user to invite, kick, ban or unban, as a full Matrix user ID (@alice:example.org).")]
    public required string UserId { get; init; }

    [Description("Why; copied into the membership event.")]
    [MaxBytes(ClientMembership.MaxReasonBytes)]
    public string? Reason { get; init; }
}

/// <summary>The body of join, leave and knock: only an optional reason (others keys are kept where the API says).</summary>
internal sealed record ReasonBody
{
    [Description("Why; copied into the membership event.")]
    [MaxBytes(ClientMembership.MaxReasonBytes)]
    public string? Reason { get; init; }
}

/// <summary><c>{"room_id"}</c>: what join, knock and createRoom answer.</summary>
internal sealed record RoomIdReply(string RoomId);

/// <summary><c>{"event_id"}</c>: what a state change answers.</summary>
internal sealed record EventIdReply(string? EventId);

/// <summary>An <c>m.room.member</c> state event as clients see it.</summary>
internal sealed record ClientEvent(string Type, string StateKey, string Sender, JsonObject Content, string EventId, long OriginServerTs, string RoomId, JsonObject Unsigned)
{
    public static ClientEvent Member(string roomId, Storage.MemberRecord member) => new(
        "m.room.member",
        member.UserId,
        member.Sender,
        JsonNode.Parse(member.Content) as JsonObject ?? [],
        member.EventId,
        member.Timestamp.ToUnixTimeMilliseconds(),
        roomId,
        []);
}
