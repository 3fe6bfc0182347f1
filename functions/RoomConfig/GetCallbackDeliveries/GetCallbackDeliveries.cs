using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Functions.RoomEngine;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.GetCallbackDeliveries;

/// <summary>Callbacks not delivered yet, and dead letters (this service's extension).</summary>
/// <remarks>
/// With <c>RoomId</c>: that room's pending callbacks in order and its dead letters. Without: the next callback of each
/// room with a pending marker, and every room's dead letters (a query over the whole webhook table: for inspection, not
/// for polling). Times are Unix milliseconds; NextAttemptTime is 0 when the attempt is due.
/// </remarks>
internal sealed class GetCallbackDeliveries(AdminRequests admin, WebhookDispatcher dispatcher)
{
    [Function(nameof(GetCallbackDeliveries))]
    public async Task<TencentOk<GetCallbackDeliveriesReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AdminRequests.RoomConfig + "get_callback_deliveries")] HttpRequest req)
    {
        var call = await admin.ReadAsync<GetCallbackDeliveriesBody>(req);
        var room = call.Body.RoomId is { } roomId ? admin.Room(roomId).Value : null;
        var listing = await dispatcher.ListAsync(room, call.Body.Limit ?? 20, req.HttpContext.RequestAborted);
        var pending = listing.Pending.Select(p => new PendingCallback(
            dispatcher.RoomIdOf(p.RoomId),
            p.ChangeSeq,
            p.CallbackCommand,
            p.EventTime.ToUnixTimeMilliseconds(),
            p.Attempts,
            p.NextAttemptAt?.ToUnixTimeMilliseconds() ?? 0,
            p.LastError ?? string.Empty)).ToList();
        var dead = listing.Dead.Select(d => new DeadCallback(
            dispatcher.RoomIdOf(d.RoomId),
            d.ChangeSeq,
            d.CallbackCommand,
            d.EventTime.ToUnixTimeMilliseconds(),
            d.Attempts,
            d.DeadAt.ToUnixTimeMilliseconds(),
            d.LastError,
            JsonNode.Parse(d.Body))).ToList();
        return TencentOk.Of(new GetCallbackDeliveriesReply(new CallbackDeliveries(pending, dead)));
    }
}

internal sealed record GetCallbackDeliveriesBody
{
    [Description("One room's deliveries; every room's when absent.")]
    [MaxBytes(RoomEngineLimits.MaxRoomIdBytes)]
    public string? RoomId { get; init; }

    [Description("Entries a list; 20 when absent.")]
    [Range(1, 100)]
    public int? Limit { get; init; }
}

internal sealed record GetCallbackDeliveriesReply(CallbackDeliveries Response) : TencentReply;

internal sealed record CallbackDeliveries(IReadOnlyList<PendingCallback> Pending, IReadOnlyList<DeadCallback> Dead);

internal sealed record PendingCallback(string RoomId, long ChangeSeq, string CallbackCommand, long EventTime, int Attempts, long NextAttemptTime, string LastError);

internal sealed record DeadCallback(string RoomId, long ChangeSeq, string CallbackCommand, long EventTime, int Attempts, long DeadTime, string LastError, JsonNode? Body);
