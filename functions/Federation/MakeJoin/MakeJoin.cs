using Membership.Core.Rooms;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.MakeJoin;

/// <summary>Template of a join for a user of another server.</summary>
/// <remarks>
/// For a room hosted here and a user of the requesting server: the <c>m.room.member</c> join this server would build
/// now (auth events, previous event, depth; in a restricted room, the local user who authorises the join), unsigned,
/// for that server to sign and return through send_join. 400 <c>M_INCOMPATIBLE_ROOM_VERSION</c> (with
/// <c>room_version</c>) when the room's version is not among the <c>ver</c> parameters ("1" when none), 403 when the
/// rules refuse the join (not invited to an invite-only room, banned), 400 <c>M_UNABLE_TO_AUTHORISE_JOIN</c> for a
/// restricted room none of whose allowed rooms is hosted here, 404 for a room not hosted here. Nothing is written.
/// </remarks>
internal sealed class MakeJoin(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(MakeJoin))]
    public async Task<MatrixJson<MemberTemplateReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/make_join/{roomId}/{userId}")] HttpRequest req)
    {
        var origin = await federation.AuthenticateAsync(req);
        var versions = req.Query["ver"].OfType<string>().ToList();
        try
        {
            var (version, template) = await resident.MakeAsync(origin, req.RoomId(), req.Text("userId"), RoomMembership.Join, versions.Count == 0 ? ["1"] : versions, req.HttpContext.RequestAborted);
            return MatrixJson.Of(new MemberTemplateReply(version, template));
        }
        catch (IncompatibleRoomVersionException ex)
        {
            throw new MatrixException(ErrorCode.IncompatibleRoomVersion, ex.Message) { RoomVersion = ex.RoomVersion };
        }
    }
}

/// <summary>The answer of make_join and make_leave.</summary>
internal sealed record MemberTemplateReply(string RoomVersion, System.Text.Json.Nodes.JsonObject Event);
