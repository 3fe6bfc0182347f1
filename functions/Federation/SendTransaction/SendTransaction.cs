using System.ComponentModel;
using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Functions.Hosting;
using Membership.Service.Federation;

namespace Membership.Functions.Federation.SendTransaction;

/// <summary>Receive a transaction of events from another server.</summary>
/// <remarks>
/// Each PDU is taken if it is a member event of one of the requesting server's own users in a room hosted here (a
/// remote user leaving, or changing their profile, through their own server), checked as send_join checks a join and
/// committed through the rules; anything else is refused with a reason in its result. EDUs are accepted and not used.
/// Answers <c>{"pdus": {event ID: {} or {"error"}}}</c>; the same transaction ID from the same server gets the same
/// answer, and an event is never committed twice.
/// </remarks>
internal sealed class SendTransaction(FederationRequests federation, ResidentMembership resident)
{
    [Function(nameof(SendTransaction))]
    public async Task<MatrixJson<TransactionReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", "options", Route = "_matrix/federation/v1/send/{txnId}")] HttpRequest req)
    {
        var call = await federation.ReadAsync<TransactionBody>(req);
        var results = await resident.ReceiveTransactionAsync(call.Origin, req.Text("txnId"), call.Body.Origin, call.Body.Pdus, call.Body.Edus, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new TransactionReply(results));
    }
}

internal sealed record TransactionBody
{
    [Description("The sending server's name.")]
    public required string Origin { get; init; }

    [Description("When the sending server started the transaction (ms since the epoch).")]
    public required long OriginServerTs { get; init; }

    [Description("At most 50 PDUs.")]
    public required JsonArray Pdus { get; init; }

    [Description("At most 100 EDUs (accepted, not used).")]
    public JsonArray? Edus { get; init; }
}

/// <summary>The result of each PDU, by event ID: <c>{}</c> when taken, <c>{"error"}</c> when not.</summary>
internal sealed record TransactionReply(JsonObject Pdus);
