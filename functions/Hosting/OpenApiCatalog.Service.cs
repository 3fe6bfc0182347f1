using static Membership.Functions.Hosting.OpenApiSchemas;

namespace Membership.Functions.Hosting;

/// <summary>The service's own endpoints: the documentation (functions/Docs) and the webhook timer (functions/Webhooks).</summary>
internal static partial class OpenApiCatalog
{
    private static void AddService(Dictionary<string, ApiDoc> docs)
    {
        docs["OpenApiDocument"] = new(ApiSurface.Service, "This OpenAPI document")
        {
            Description = "OpenAPI 3.1, built once per process from the mapped endpoints and the hand-written schemas.",
            Public = true,
            Response = AnyObject("An OpenAPI 3.1 document."),
            ResponseExample = Json("""{"openapi":"3.1.1","info":{"title":"Room membership service","version":"v1"},"paths":{}}"""),
        };

        docs["ApiReference"] = new(ApiSurface.Service, "Browsable API reference")
        {
            Description = "A self-contained HTML page (no external scripts) that renders /openapi/v1.json.",
            Public = true,
            Response = Str("An HTML page."),
            ResponseType = "text/html",
        };

        docs["WebhookSweep"] = new(ApiSurface.Service, "Webhook sweep (the Functions host's timer)")
        {
            Description = "The timer-triggered function: the Functions host delivers each tick to the custom handler as this POST. It re-reads the callback "
                + "configuration and delivers every room's pending callbacks. Idempotent; not part of the public HTTP surface under Functions, where only the "
                + "host can invoke it.",
            Public = true,
            Body = Object(
                "The Functions host's invocation envelope; its content does not change what a sweep does.",
                Opt("Data", AnyObject("Trigger data (the timer's schedule status).")),
                Opt("Metadata", AnyObject("Invocation metadata."))),
            BodyRequired = false,
            BodyExample = Json("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}"""),
            Response = Object(
                "The custom handler's invocation answer.",
                Req("Outputs", AnyObject("Always empty.")),
                Req("Logs", Array(Str("A line for the host's log."), "What the sweep did.")),
                Req("ReturnValue", new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.Null, Description = "Always null." })),
            ResponseExample = Json("""{"Outputs":{},"Logs":["Swept 3 rooms"],"ReturnValue":null}"""),
            Errors = [new(500, "Storage is unavailable; the invocation is marked failed and the next tick tries again (the body is the same invocation answer).")],
        };
    }
}
