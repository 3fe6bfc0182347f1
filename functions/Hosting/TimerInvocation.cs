using System.Text.Json.Nodes;

namespace Membership.Functions.Hosting;

/// <summary>
/// A timer function invoked by the Functions host of the custom-handler package: the host POSTs
/// <c>{"Data":{...},"Metadata":{...}}</c> to <c>/{function}</c> and expects <c>{"Outputs":{},"Logs":[...],"ReturnValue":null}</c>;
/// a 500 marks the invocation failed (the next tick runs it again). Nothing in the timer's envelope (schedule status,
/// IsPastDue) changes what our timers do. Under the isolated worker the worker's own timer binding calls the function.
/// </summary>
internal static partial class TimerInvocation
{
    public static async Task RunAsync(HttpContext http, TimerFunction timer)
    {
        await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
        var logs = new JsonArray();
        try
        {
            await timer.Invoke(http.RequestServices, http.RequestAborted);
            http.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The detail goes to our log; the host's log gets one neutral line.
            LogFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TimerInvocation)), ex, timer.Name);
            logs.Add((JsonNode)$"{timer.Name} failed; see the app's log");
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        http.Response.ContentType = Wire.JsonContentType;
        var answer = new JsonObject { ["Outputs"] = new JsonObject(), ["Logs"] = logs, ["ReturnValue"] = null };
        await http.Response.WriteAsync(answer.ToJsonString(), http.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string function);
}
