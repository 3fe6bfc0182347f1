using Membership.Functions.Admin.IssueToken;
using Membership.Functions.Admin.UnknownCommand;
using Membership.Functions.Client.Ban;
using Membership.Functions.Client.CreateRoom;
using Membership.Functions.Client.Forget;
using Membership.Functions.Client.GetState;
using Membership.Functions.Client.Invite;
using Membership.Functions.Client.JoinByIdOrAlias;
using Membership.Functions.Client.JoinedMembers;
using Membership.Functions.Client.JoinedRooms;
using Membership.Functions.Client.JoinRoom;
using Membership.Functions.Client.Kick;
using Membership.Functions.Client.Knock;
using Membership.Functions.Client.Leave;
using Membership.Functions.Client.LegacyMembership;
using Membership.Functions.Client.Members;
using Membership.Functions.Client.PutState;
using Membership.Functions.Client.Unban;
using Membership.Functions.Client.Versions;
using Membership.Functions.Client.WhoAmI;

namespace Membership.Functions;

/// <summary>
/// Every endpoint, one line each. Each is a function of the Functions app: its folder holds its code and a
/// <c>function.json</c> with the same methods and route (a test proves the two sets equal).
/// </summary>
internal static class Endpoints
{
    /// <summary>v3 is current; r0 is still called by Complement and older clients.</summary>
    private const string Client = "_matrix/client/{version:regex(^(v3|r0)$)}";

    public static void MapClientApi(this IEndpointRouteBuilder app)
    {
        app.Map("Versions", "GET", "_matrix/client/versions", Versions.Handle);
        app.Map("WhoAmI", "GET", $"{Client}/account/whoami", WhoAmI.Handle);
        app.Map("CreateRoom", "POST", $"{Client}/createRoom", CreateRoom.Handle);
        app.Map("JoinRoom", "POST", $"{Client}/rooms/{{roomId}}/join", JoinRoom.Handle);
        app.Map("JoinByIdOrAlias", "POST", $"{Client}/join/{{roomIdOrAlias}}", JoinByIdOrAlias.Handle);
        app.Map("Knock", "POST", $"{Client}/knock/{{roomIdOrAlias}}", Knock.Handle);
        app.Map("Invite", "POST", $"{Client}/rooms/{{roomId}}/invite", Invite.Handle);
        app.Map("Kick", "POST", $"{Client}/rooms/{{roomId}}/kick", Kick.Handle);
        app.Map("Ban", "POST", $"{Client}/rooms/{{roomId}}/ban", Ban.Handle);
        app.Map("Unban", "POST", $"{Client}/rooms/{{roomId}}/unban", Unban.Handle);
        app.Map("Leave", "POST", $"{Client}/rooms/{{roomId}}/leave", Leave.Handle);
        app.Map("Forget", "POST", $"{Client}/rooms/{{roomId}}/forget", Forget.Handle);
        app.Map("Members", "GET", $"{Client}/rooms/{{roomId}}/members", Members.Handle);
        app.Map("JoinedMembers", "GET", $"{Client}/rooms/{{roomId}}/joined_members", JoinedMembers.Handle);
        app.Map("JoinedRooms", "GET", $"{Client}/joined_rooms", JoinedRooms.Handle);
        app.Map("GetState", "GET", $"{Client}/rooms/{{roomId}}/state/{{eventType}}/{{stateKey?}}", GetState.Handle);
        app.Map("PutState", "PUT", $"{Client}/rooms/{{roomId}}/state/{{eventType}}/{{stateKey?}}", PutState.Handle);
        app.Map("LegacyMembership", "POST", "_matrix/client/api/v1/rooms/{roomId}/{action:regex(^(join|invite|leave|kick|ban|unban)$)}", LegacyMembership.Handle);
    }

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.Map("IssueToken", "POST", "v4/membership_admin/issue_token", IssueToken.Handle);
        app.Map("UnknownCommand", "GET,POST,PUT,DELETE,PATCH", "v4/{service}/{command}", UnknownCommand.Handle);
    }

    /// <summary>Matrix routes also take OPTIONS, so the Functions host forwards CORS preflights (answered by the Cors middleware).</summary>
    private static void Map(this IEndpointRouteBuilder app, string function, string methods, string route, RequestDelegate handler) =>
        app.MapMethods("/" + route, route.StartsWith("_matrix", StringComparison.Ordinal) ? [.. methods.Split(','), "OPTIONS"] : methods.Split(','), handler)
            .WithName(function)
            .WithDisplayName(function);
}
