using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.SendLeaveV1;

/// <summary>Accept a signed leave of a user of another server (v1).</summary>
/// <remarks>The same checks and commit as v2. Answers <c>[200, {}]</c>, the historical shape the spec froze.</remarks>
internal sealed class SendLeaveV1(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(SendLeaveV1))]
    public async Task<MatrixJson<JsonArray>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v1/send_leave/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<JsonObject>(req);
        await resident.SendLeaveAsync(call.Origin, req.Text("roomId"), req.Text("eventId"), call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new JsonArray(200, new JsonObject()));
    }
}
