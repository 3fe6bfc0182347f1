using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation;

/// <summary>
/// The shared body of the v1 and v2 invite endpoints: authenticate (X-Matrix), parse the version's wire shape, run the
/// receiver's checklist, answer in the version's shape. A refusal is <c>{"errcode","error"}</c>, plus
/// <c>room_version</c> when the room version is not supported.
/// </summary>
internal static class InboundInviteEndpoint
{
    public static async Task HandleAsync(HttpContext http, Func<JsonNode?, ParsedInvite> parse, Func<JsonObject, JsonNode> answer)
    {
        var (origin, body) = await FederationAuth.AuthenticateAsync(http);
        var parsed = parse(body);
        var invite = new InboundInvite(origin, parsed.RoomVersion, parsed.Event, parsed.InviteRoomState, RawRoute.Value(http, "roomId"), RawRoute.Value(http, "eventId"));
        var outcome = await http.RequestServices.GetRequiredService<InviteReceiver>().ReceiveAsync(invite, http.RequestAborted);
        if (outcome.Event is { } signed)
        {
            await ClientJson.WriteAsync(http, answer(signed));
        }
        else if (outcome.RoomVersion is { } version)
        {
            var refusal = new JsonObject { ["errcode"] = outcome.Code.ToString(), ["error"] = outcome.Message, ["room_version"] = version };
            await ClientJson.WriteAsync(http, refusal, MatrixException.StatusOf(outcome.Code));
        }
        else
        {
            throw new MatrixException(outcome.Code, outcome.Message);
        }
    }

    public static JsonObject RequireObject(JsonNode? body, string what) =>
        body as JsonObject ?? throw MatrixException.BadJson($"{what} must be a JSON object");
}

/// <summary>An invite body read from either version's wire shape.</summary>
internal sealed record ParsedInvite(string RoomVersion, JsonObject Event, JsonArray? InviteRoomState);
