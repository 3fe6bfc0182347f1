using System.Text.Json.Nodes;
using Membership.Core.Rules;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Knock;

/// <summary>POST /_matrix/client/v3/knock/{roomIdOrAlias}</summary>
internal static class Knock
{
    public static async Task Handle(HttpContext http)
    {
        var user = await ClientAuth.RequireUserAsync(http);
        var room = await MembershipActions.ResolveAsync(http, RawRoute.Value(http, "roomIdOrAlias"));
        var body = await JsonBody.ReadObjectAsync(http);
        await MembershipActions.SelfAsync(http, room, user, MembershipAction.Knock, body.OptionalReason());
        await ClientJson.WriteAsync(http, new JsonObject { ["room_id"] = room.Value });
    }
}
