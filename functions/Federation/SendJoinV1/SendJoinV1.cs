using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Functions.Federation.SendJoinV2;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.SendJoinV1;

/// <summary>Accept a signed join of a user of another server (v1).</summary>
/// <remarks>
/// The same checks and commit as v2. Answers <c>[200, {"origin", "state", "auth_chain"}]</c>, the historical shape
/// the spec froze.
/// </remarks>
internal sealed class SendJoinV1(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(SendJoinV1))]
    public async Task<MatrixJson<JsonArray>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v1/send_join/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<JsonObject>(req);
        var answer = await resident.SendJoinAsync(call.Origin, req.Text("roomId"), req.Text("eventId"), call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new JsonArray(200, JsonSerializer.SerializeToNode(SendJoinReply.Of(answer), MatrixJsonContext.Default.SendJoinReply)));
    }
}
