using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Functions.RoomEngine;
using Membership.Service;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig.GetCallbackDeliveries;

/// <summary>
/// POST /v4/room_config/get_callback_deliveries — our extension, <c>{"RoomId"?,"Limit"?}</c> (Limit 1-100, default
/// 20): callbacks not delivered yet and dead letters. With <c>RoomId</c>: that room's pending callbacks in order and its
/// dead letters. Without: the next callback of each room with a pending marker, and every room's dead letters (a query
/// over the whole webhook table: for inspection, not for polling). <c>Response.Pending[]</c>: RoomId, ChangeSeq,
/// CallbackCommand, EventTime (ms), Attempts, NextAttemptTime (ms, 0 when due), LastError. <c>Response.Dead[]</c>:
/// RoomId, ChangeSeq, CallbackCommand, EventTime, Attempts, DeadTime (ms), LastError and the Body that was not delivered.
/// </summary>
internal static class GetCallbackDeliveries
{
    public static async Task Handle(HttpContext http)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var (_, body) = await AdminRequest.ReadAsync(http, clock);
        var server = http.RequestServices.GetRequiredService<ServerIdentity>();
        var fields = new RoomEngineFields(body, string.Empty, server.Name);
        var room = fields.Has("RoomId") ? fields.RoomId().Value : null;
        var limit = (int)(fields.OptionalInteger("Limit", 1, 100) ?? 20);
        var dispatcher = http.RequestServices.GetRequiredService<WebhookDispatcher>();
        var listing = await dispatcher.ListAsync(room, limit, http.RequestAborted);
        await TencentEnvelope.WriteOkAsync(http, new JsonObject
        {
            ["Response"] = new JsonObject
            {
                ["Pending"] = new JsonArray([.. listing.Pending.Select(p => (JsonNode)new JsonObject
                {
                    ["RoomId"] = dispatcher.RoomIdOf(p.RoomId),
                    ["ChangeSeq"] = p.ChangeSeq,
                    ["CallbackCommand"] = p.CallbackCommand,
                    ["EventTime"] = p.EventTime.ToUnixTimeMilliseconds(),
                    ["Attempts"] = p.Attempts,
                    ["NextAttemptTime"] = p.NextAttemptAt?.ToUnixTimeMilliseconds() ?? 0,
                    ["LastError"] = p.LastError ?? string.Empty,
                })]),
                ["Dead"] = new JsonArray([.. listing.Dead.Select(d => (JsonNode)new JsonObject
                {
                    ["RoomId"] = dispatcher.RoomIdOf(d.RoomId),
                    ["ChangeSeq"] = d.ChangeSeq,
                    ["CallbackCommand"] = d.CallbackCommand,
                    ["EventTime"] = d.EventTime.ToUnixTimeMilliseconds(),
                    ["Attempts"] = d.Attempts,
                    ["DeadTime"] = d.DeadAt.ToUnixTimeMilliseconds(),
                    ["LastError"] = d.LastError,
                    ["Body"] = JsonNode.Parse(d.Body),
                })]),
            },
        });
    }
}
