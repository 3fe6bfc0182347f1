using System.Text.Json.Nodes;
using Membership.Service.Webhooks;
using Membership.Storage;

namespace Membership.Functions.Webhooks.WebhookSweep;

/// <summary>
/// POST /WebhookSweep — the timer-triggered function (every 30 s, <c>function.json</c>): the Functions host delivers a
/// non-HTTP trigger to the custom handler as a POST of the invocation envelope <c>{"Data":{...},"Metadata":{...}}</c>
/// and expects <c>{"Outputs":{},"Logs":[...],"ReturnValue":null}</c>. Re-reads the callback configuration and delivers
/// every room with work left behind (<see cref="WebhookDispatcher.SweepAsync"/>). Idempotent; a 500 marks the
/// invocation failed (storage unavailable) and the next tick tries again. Locally a background service sweeps instead.
/// </summary>
internal static class WebhookSweep
{
    public static async Task Handle(HttpContext http)
    {
        // Nothing in the timer's envelope (schedule status, IsPastDue) changes what a sweep does.
        await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
        var dispatcher = http.RequestServices.GetRequiredService<WebhookDispatcher>();
        var logs = new JsonArray();
        try
        {
            var report = await dispatcher.SweepAsync(fromTimer: true, http.RequestAborted);
            logs.Add((JsonNode)(!report.Enabled
                ? "Callbacks are off (no room_config callback and no Membership:Webhooks:Url)"
                : $"Swept {report.Rooms} rooms" + (report.Reconciled ? ", comparing every room head with its cursor" : string.Empty)));
            http.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (StorageUnavailableException ex)
        {
            logs.Add((JsonNode)$"Storage is unavailable: {ex.Message}");
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        http.Response.ContentType = "application/json";
        var answer = new JsonObject { ["Outputs"] = new JsonObject(), ["Logs"] = logs, ["ReturnValue"] = null };
        await http.Response.WriteAsync(answer.ToJsonString(), http.RequestAborted);
    }
}
