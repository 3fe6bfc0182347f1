using System.Collections;
using System.Diagnostics;
using Membership.Functions.Admin;
using Microsoft.AspNetCore.Http.Metadata;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Membership.Functions.Hosting;

/// <summary>
/// The outermost middleware: every log written while a request runs carries its <see cref="RequestScope"/> (RequestId:
/// the Tencent RequestId on the admin surface, the one the envelope answers, else the ASP.NET Core trace identifier; the
/// function; the room and event IDs of the path), the request span gets the function and a redacted query string, and
/// <see cref="TelemetryMetrics.Requests"/> counts the answer. Without a listener the span and the counter cost nothing.
/// </summary>
internal sealed class TelemetryScope(RequestDelegate next, ILogger<TelemetryScope> logger, TelemetryMetrics metrics)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var surface = SurfaceOf(http.Request.Path);
        var function = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "Unrouted";
        var requestId = surface == "admin" ? TencentEnvelope.RequestIdOf(http) : http.TraceIdentifier;
        var activity = Activity.Current is { IsAllDataRequested: true } current ? current : null;
        if (activity is not null)
        {
            activity.SetTag("membership.function", function);
            activity.SetTag("membership.request_id", requestId);
            if (http.Request.QueryString.HasValue)
            {
                activity.SetTag("url.query", TelemetryRedaction.Query(http.Request.Path.Value ?? string.Empty, http.Request.QueryString.Value!));
            }
        }

        var scope = new RequestScope(requestId, function, RouteText(http, "roomId"), RouteText(http, "eventId"));
        using (logger.BeginScope(scope))
        {
            await next(http);
        }

        metrics.CountRequest(surface, function, http.Response.StatusCode);
        if (activity is not null)
        {
            Complete(activity, http);
        }
    }

    /// <summary>The end tags ASP.NET Core 10 leaves out (11 sets them itself): status, route, the span's name, error.</summary>
    private static void Complete(Activity activity, HttpContext http)
    {
        var status = http.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (http.GetEndpoint()?.Metadata.GetMetadata<IRouteDiagnosticsMetadata>()?.Route is { } route)
        {
            activity.SetTag("http.route", route);
            activity.DisplayName = $"{http.Request.Method} {route}";
        }

        if (status >= StatusCodes.Status500InternalServerError)
        {
            activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    private static string SurfaceOf(PathString path) =>
        path.StartsWithSegments("/v4", StringComparison.Ordinal) ? "admin"
        : path.StartsWithSegments("/_matrix/client", StringComparison.Ordinal) ? "client"
        : path.StartsWithSegments("/_matrix", StringComparison.Ordinal) ? "federation"
        : "service";

    private static string? RouteText(HttpContext http, string name) => http.Request.RouteValues.TryGetValue(name, out var value) ? value as string : null;
}

/// <summary>The log scope of a request; <see cref="RequestIdLogProcessor"/> lifts its RequestId onto exported records.</summary>
internal sealed class RequestScope(string requestId, string function, string? roomId, string? eventId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _items =
    [
        new("RequestId", requestId),
        new("Function", function),
        .. roomId is null ? Array.Empty<KeyValuePair<string, object?>>() : [new("RoomId", roomId)],
        .. eventId is null ? Array.Empty<KeyValuePair<string, object?>>() : [new("EventId", eventId)],
    ];

    public string RequestId { get; } = requestId;

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(" ", _items.Select(i => $"{i.Key}:{i.Value}"));
}

/// <summary>
/// ASP.NET Core's own request scope also has a "RequestId" (its trace identifier), and Application Insights keeps the first
/// of two equal keys, the outer one; so the request's own RequestId is set on each exported record as an attribute, which
/// the exporter reads before any scope.
/// </summary>
internal sealed class RequestIdLogProcessor : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var found = new StrongBox();
        data.ForEachScope(static (scope, box) => box.Value ??= scope.Scope as RequestScope, found);
        if (found.Value is not { } request || data.Attributes?.Any(a => a.Key == "RequestId") == true)
        {
            return;
        }

        data.Attributes = [.. data.Attributes ?? [], new("RequestId", request.RequestId)];
    }

    private sealed class StrongBox
    {
        public RequestScope? Value { get; set; }
    }
}
