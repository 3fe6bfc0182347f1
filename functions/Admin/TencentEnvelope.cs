using System.Text.Json.Nodes;
using Membership.Functions.Client;

namespace Membership.Functions.Admin;

/// <summary>The Tencent envelope: HTTP 200, <c>ActionStatus</c>, <c>ErrorCode</c>, <c>ErrorInfo</c>, <c>RequestId</c>, plus the command's fields.</summary>
internal static class TencentEnvelope
{
    public const string RequestIdItem = "Tencent.RequestId";

    public static bool IsAdminPath(HttpContext http) => http.Request.Path.StartsWithSegments("/v4", StringComparison.Ordinal);

    /// <summary>Unique per request; also written to the request's log scope.</summary>
    public static string RequestIdOf(HttpContext http)
    {
        if (http.Items[RequestIdItem] is string id)
        {
            return id;
        }

        id = $"Id-{Guid.NewGuid():N}-O-Seq-{Interlocked.Increment(ref s_sequence)}";
        http.Items[RequestIdItem] = id;
        return id;
    }

    public static Task WriteOkAsync(HttpContext http, JsonObject? extra = null) => WriteAsync(http, TencentCodes.Ok, string.Empty, extra);

    public static Task WriteErrorAsync(HttpContext http, int code, string info) => WriteAsync(http, code, info, null);

    private static Task WriteAsync(HttpContext http, int code, string info, JsonObject? extra)
    {
        var body = new JsonObject
        {
            ["ActionStatus"] = code == TencentCodes.Ok ? "OK" : "FAIL",
            ["ErrorCode"] = code,
            ["ErrorInfo"] = info,
            ["RequestId"] = RequestIdOf(http),
        };
        foreach (var (key, value) in extra ?? [])
        {
            body[key] = value?.DeepClone();
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString(ClientJson.Wire), http.RequestAborted);
    }

    private static long s_sequence;
}
