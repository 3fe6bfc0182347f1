using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.SendLeaveV2;

/// <summary>Accept a signed leave of a user of another server (v2).</summary>
/// <remarks>
/// A user of the requesting server leaving a room hosted here, or rejecting an invite made here. Checked as send_join
/// is (an <c>m.room.member</c> leave instead of a join), then committed through the rules; a refusal stores nothing.
/// Answers <c>{}</c>.
/// </remarks>
internal sealed class SendLeaveV2(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(SendLeaveV2))]
    public async Task<MatrixJson<EmptyObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v2/send_leave/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<JsonObject>(req);
        await resident.SendLeaveAsync(call.Origin, req.Text("roomId"), req.Text("eventId"), call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Empty;
    }
}
