using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rules;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>
/// The shared body of the membership endpoints (as Synapse serves all six through one servlet): authenticate, parse,
/// one call to the room service, map the result. Kick and unban become <c>leave</c> in the rules, not here.
/// </summary>
internal static class MembershipActions
{
    /// <summary>invite, kick, ban, unban: <c>{"user_id", "reason"?}</c> against a room ID in the path.</summary>
    public static async Task TargetedAsync(HttpContext http, MembershipAction action)
    {
        var sender = await ClientAuth.RequireUserAsync(http);
        var room = ClientJson.RoomIdFromPath(http);
        var body = await JsonBody.ReadObjectAsync(http);
        var target = body.RequiredUserId("user_id");
        var content = MembershipChange.ContentFor(action, body.OptionalReason());
        var change = new MembershipChange(action, sender, target, content);
        if (action == MembershipAction.Invite && !Rooms(http).Server.IsLocal(target))
        {
            await Federation.OutboundInvite.SendAsync(http, room, change);
        }
        else
        {
            await ApplyAsync(http, room, change);
        }

        await ClientJson.WriteEmptyAsync(http);
    }

    /// <summary>join, leave, knock by the caller; <paramref name="extra"/> carries custom content keys where the API keeps them.</summary>
    public static async Task<RoomId> SelfAsync(HttpContext http, RoomId room, UserId user, MembershipAction action, string? reason, JsonObject? extra = null)
    {
        if (room.Server != Rooms(http).Server.Name)
        {
            throw MatrixException.NotFound($"Room {room} is not known to this server, and joining over federation is not supported yet");
        }

        await ApplyAsync(http, room, new MembershipChange(action, user, user, MembershipChange.ContentFor(action, reason, extra)));
        return room;
    }

    /// <summary>A room ID, or an alias resolved to one (<c>/join/{roomIdOrAlias}</c>, <c>/knock/{roomIdOrAlias}</c>).</summary>
    public static async Task<RoomId> ResolveAsync(HttpContext http, string roomIdOrAlias)
    {
        if (roomIdOrAlias.StartsWith('#'))
        {
            if (!RoomAlias.TryParse(roomIdOrAlias, out var alias, out var aliasError))
            {
                throw MatrixException.InvalidParam(aliasError);
            }

            return await Rooms(http).ResolveAliasAsync(alias, http.RequestAborted)
                ?? throw MatrixException.NotFound($"Room alias {alias} is not known to this server");
        }

        return RoomId.TryParse(roomIdOrAlias, out var room, out var error)
            ? room
            : throw MatrixException.InvalidParam($"{roomIdOrAlias} is not a legal room ID or room alias: {error}");
    }

    public static async Task ApplyAsync(HttpContext http, RoomId room, MembershipChange change)
    {
        var result = await Rooms(http).ChangeAsync(room, [change], "client", change.Action.ToString().ToLowerInvariant(), cancellationToken: http.RequestAborted);
        ClientJson.ThrowIfFailed(result, room);
    }

    /// <summary>Users of other servers are reached only through the federation invite of <c>POST /rooms/{roomId}/invite</c>.</summary>
    public static void RequireLocal(HttpContext http, UserId user, string what)
    {
        if (user.Server != Rooms(http).Server.Name)
        {
            throw MatrixException.Forbidden($"Cannot {what} {user} here: users of other servers can only be invited, with POST /rooms/{{roomId}}/invite");
        }
    }

    public static RoomService Rooms(HttpContext http) => http.RequestServices.GetRequiredService<RoomService>();
}
