using System.Diagnostics;
using System.Globalization;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Client;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Hosting;

/// <summary>
/// What every function call passes through, once, in every hosting mode: the standalone and custom-handler hosts run
/// it from their endpoints, the isolated worker from its function middleware (where exceptions never reach ASP.NET Core
/// middleware). In order: the request's log scope and span tags, the surface's body size cap, CORS (the preflight is
/// answered here), the path rule (no dot-segments), the function, its result written; and every failure mapped to the
/// surface's envelope — typed errors as they say, storage faults 503 (Tencent 100001), a request storage refused as
/// malformed (our bug) and anything else a logged 500 with no stack trace.
/// </summary>
internal sealed partial class SurfacePipeline(ILogger<SurfacePipeline> logger, TelemetryMetrics metrics, HostingContext hosting)
{
    public async Task RunAsync(HttpContext http, HttpFunction function, Func<Task<IResult?>> invoke)
    {
        var requestId = function.Surface == Surface.Admin ? TencentEnvelope.RequestIdOf(http) : http.TraceIdentifier;
        var activity = Activity.Current is { IsAllDataRequested: true } current ? current : null;
        var dotted = RouteArguments.HasDotSegment(http);
        var arguments = dotted ? null : RouteArguments.Match(http, function.Pattern, hosting.BehindFunctionsHost);
        http.Features.Set(function);
        if (arguments is not null)
        {
            http.Features.Set(arguments);
        }

        Tag(activity, http, function.Name, requestId);
        using (logger.BeginScope(new RequestScope(requestId, function.Name, arguments?["roomId"] is { Length: > 0 } room ? room : null, arguments?["eventId"] is { Length: > 0 } ev ? ev : null)))
        {
            try
            {
                if (Cors.Apply(http, function.Surface))
                {
                    http.Response.StatusCode = StatusCodes.Status204NoContent;
                }
                else if (dotted)
                {
                    throw DotSegments(function.Surface);
                }
                else if (await invoke() is { } result)
                {
                    await result.ExecuteAsync(http);
                }
            }
            catch (Exception ex) when (!http.Response.HasStarted && !(ex is OperationCanceledException && http.RequestAborted.IsCancellationRequested))
            {
                await WriteFailureAsync(http, function.Surface, ex);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The caller went away; there is nobody to answer.
            }
        }

        metrics.CountRequest(function.Surface.Tag(), function.Name, http.Response.StatusCode);
        Complete(activity, http, function);
    }

    /// <summary>
    /// A path or method no function takes (the standalone host's fallback; under a Functions host the host answers these
    /// itself, with an empty 404): the surface's "unrecognized" — Matrix 404, or 405 when another method of the path is
    /// served; Tencent 60009, or 60002 for a method other than POST.
    /// </summary>
    public async Task UnroutedAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? string.Empty;
        var surface = Surfaces.Of(path);
        using (logger.BeginScope(new RequestScope(http.TraceIdentifier, "Unrouted", null, null)))
        {
            if (Cors.Apply(http, surface))
            {
                http.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else
            {
                await WriteFailureAsync(http, surface, RouteArguments.HasDotSegment(http) ? DotSegments(surface) : surface == Surface.Admin
                    ? Admin.UnknownCommand.UnknownCommand.Refusal(http.Request.Method, http.Request.Path)
                    : FunctionRoutes.AnyMatches(path)
                        ? new MatrixException(ErrorCode.Unrecognized, "Unrecognized request: wrong method", StatusCodes.Status405MethodNotAllowed)
                        : new MatrixException(ErrorCode.Unrecognized, "Unrecognized request"));
            }
        }

        metrics.CountRequest(surface.Tag(), "Unrouted", http.Response.StatusCode);
    }

    private static Exception DotSegments(Surface surface) => surface == Surface.Admin
        ? new TencentException(TencentCodes.BadHttpRequest, "The path holds a '.' or '..' segment; send the path as routed, without dot-segments")
        : new MatrixException(ErrorCode.Unrecognized, "Unrecognized request: paths may not hold '.' or '..' segments (plain or percent-encoded)", StatusCodes.Status400BadRequest);

    private async Task WriteFailureAsync(HttpContext http, Surface surface, Exception failure)
    {
        switch (failure)
        {
            case MatrixException ex:
                LogClientError(logger, ex.Code, ex.Status);
                await Errors.WriteMatrixAsync(http, ex.Code, ex.Message, ex.Status, ex.RetryAfterSeconds, ex.RoomVersion);
                break;
            case TencentException ex:
                LogAdminError(logger, ex.Code);
                await Errors.WriteTencentAsync(http, ex.Code, ex.Message);
                break;
            case StorageUnavailableException ex:
                LogStorageDown(logger, ex);
                await Errors.WriteAsync(http, surface, StatusCodes.Status503ServiceUnavailable, ErrorCode.Unknown, TencentCodes.InternalError, "Storage is unavailable; try again");
                break;
            case StorageRejectedException:
                // Our bug, not an outage (the store logged it as an error): a 503 would have clients retry forever.
                await Errors.WriteAsync(http, surface, StatusCodes.Status500InternalServerError, ErrorCode.Unknown, TencentCodes.InternalError, "Internal server error");
                break;
            case EventTooLargeException ex:
                await Errors.WriteAsync(http, surface, StatusCodes.Status413PayloadTooLarge, ErrorCode.TooLarge, TencentCodes.InvalidParameter, ex.Message);
                break;
            case MembershipException ex:
                await Errors.WriteAsync(http, surface, MatrixException.StatusOf(ex.Code), ex.Code, TencentCodes.InvalidParameter, ex.Message);
                break;
            default:
                LogUnhandled(logger, failure, http.Request.Method, http.Request.Path.Value ?? string.Empty);
                await Errors.WriteAsync(http, surface, StatusCodes.Status500InternalServerError, ErrorCode.Unknown, TencentCodes.InternalError, "Internal server error");
                break;
        }
    }

    private static void Tag(Activity? activity, HttpContext http, string function, string requestId)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("membership.function", function);
        activity.SetTag("membership.request_id", requestId);
        if (http.Request.QueryString.HasValue)
        {
            activity.SetTag("url.query", TelemetryRedaction.Query(http.Request.Path.Value ?? string.Empty, http.Request.QueryString.Value!));
        }
    }

    /// <summary>The end tags ASP.NET Core 10 leaves out (11 sets them itself): status, route, the span's name, error.</summary>
    private static void Complete(Activity? activity, HttpContext http, HttpFunction function)
    {
        if (activity is null)
        {
            return;
        }

        var status = http.Response.StatusCode;
        var route = "/" + function.Route;
        activity.SetTag("http.response.status_code", status);
        activity.SetTag("http.route", route);
        activity.DisplayName = $"{http.Request.Method} {route}";
        if (status >= StatusCodes.Status500InternalServerError)
        {
            activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client error {Errcode} ({Status})")]
    private static partial void LogClientError(ILogger logger, ErrorCode errcode, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Admin error {Code}")]
    private static partial void LogAdminError(ILogger logger, int code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable")]
    private static partial void LogStorageDown(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string method, string path);
}
