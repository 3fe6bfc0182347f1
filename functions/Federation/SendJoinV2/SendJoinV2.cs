using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.SendJoinV2;

/// <summary>Accept a signed join of a user of another server (v2).</summary>
/// <remarks>
/// The join is checked as an inbound invite is: a room hosted here and named by the path, the event ID the event's own,
/// an <c>m.room.member</c> join whose sender is its state key and a user of the requesting server, that server's
/// signature valid (with a key valid at the event's <c>origin_server_ts</c>) and its content hash right (403
/// otherwise); then the room's rules and the event's place in the room: its auth events the current ones, its previous
/// events the room's, a restricted join authorised by a local user only for a member of an allowed room (this server
/// then signs it). Committed like every other change; a refusal stores nothing. Answers the room's state before the
/// join and the auth chain as full PDUs, signed by this server, and from then on the room's events go to the joining
/// server in <c>/send</c> transactions.
/// </remarks>
internal sealed class SendJoinV2(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(SendJoinV2))]
    public async Task<MatrixJson<SendJoinReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v2/send_join/{roomId}/{eventId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<JsonObject>(req);
        var answer = await resident.SendJoinAsync(call.Origin, req.Text("roomId"), req.Text("eventId"), call.Body, req.HttpContext.RequestAborted);
        return MatrixJson.Of(SendJoinReply.Of(answer));
    }
}

/// <summary>The answer of send_join: the state before the join and its auth chain (never partial: members are not omitted).</summary>
internal sealed record SendJoinReply(
    string Origin,
    IReadOnlyList<JsonObject> State,
    IReadOnlyList<JsonObject> AuthChain,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Event,
    bool MembersOmitted,
    IReadOnlyList<string> ServersInRoom)
{
    public static SendJoinReply Of(SendJoinAnswer answer) =>
        new(answer.Origin, answer.State, answer.AuthChain, answer.Event, false, answer.ServersInRoom);
}
