using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.JoinByIdOrAlias;

/// <summary>
/// POST /_matrix/client/v3/join/{roomIdOrAlias}?via=...&amp;server_name=... — the whole body becomes the member content
/// (custom keys kept, as Synapse and Complement expect). <c>via</c>/<c>server_name</c> are accepted; only local rooms exist.
/// </summary>
internal static class JoinByIdOrAlias
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = await MembershipActions.ResolveAsync(http, RawRoute.Value(http, "roomIdOrAlias"));
        var body = await JsonBody.ReadObjectAsync(http);
        var reason = body.OptionalReason();
        body.Remove("membership");
        await MembershipActions.SelfAsync(http, room, user, MembershipAction.Join, reason, body);
        await ClientJson.WriteAsync(http, new JsonObject { ["room_id"] = room.Value });
    }
}
