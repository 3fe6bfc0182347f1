using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Functions.Client;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Hosting;

/// <summary>
/// The last-chance handler of every surface: typed errors become the surface's envelope, storage faults a 503 (or
/// 100001), a request storage refused as malformed (our bug) and anything else a logged 500 with no stack trace. Also
/// answers unrouted paths and wrong methods in the surface's own format (404/405 <c>M_UNRECOGNIZED</c>; Tencent 60009/60002).
/// </summary>
internal sealed partial class SurfaceErrors(RequestDelegate next, ILogger<SurfaceErrors> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
            if (!http.Response.HasStarted && http.Response.StatusCode is 404 or 405 && http.GetEndpoint() is null or { DisplayName: "405 HTTP Method Not Supported" })
            {
                await WriteUnroutedAsync(http);
            }
        }
        catch (MatrixException ex) when (!http.Response.HasStarted)
        {
            LogClientError(logger, ex.Code, ex.Status);
            await ClientJson.WriteErrorAsync(http, ex.Code, ex.Message, ex.Status, ex.RetryAfterSeconds);
        }
        catch (TencentException ex) when (!http.Response.HasStarted)
        {
            await TencentEnvelope.WriteErrorAsync(http, ex.Code, ex.Message);
        }
        catch (Exception ex) when (ex is StorageUnavailableException && !http.Response.HasStarted)
        {
            LogStorageDown(logger, ex);
            await WriteFailureAsync(http, StatusCodes.Status503ServiceUnavailable, TencentCodes.InternalError, "Storage is unavailable; try again");
        }
        catch (StorageRejectedException) when (!http.Response.HasStarted)
        {
            // Our bug, not an outage (the store logged it as an error): a 503 would have clients retry forever.
            await WriteFailureAsync(http, StatusCodes.Status500InternalServerError, TencentCodes.InternalError, "Internal server error");
        }
        catch (EventTooLargeException ex) when (!http.Response.HasStarted)
        {
            await WriteFailureAsync(http, StatusCodes.Status413PayloadTooLarge, TencentCodes.InvalidParameter, ex.Message, ErrorCode.TooLarge);
        }
        catch (MembershipException ex) when (!http.Response.HasStarted)
        {
            await WriteFailureAsync(http, MatrixException.StatusOf(ex.Code), TencentCodes.InvalidParameter, ex.Message, ex.Code);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            LogUnhandled(logger, ex, http.Request.Method, http.Request.Path.Value ?? string.Empty);
            await WriteFailureAsync(http, StatusCodes.Status500InternalServerError, TencentCodes.InternalError, "Internal server error");
        }
    }

    private static Task WriteFailureAsync(HttpContext http, int status, int tencentCode, string message, ErrorCode? matrixCode = null) =>
        TencentEnvelope.IsAdminPath(http)
            ? TencentEnvelope.WriteErrorAsync(http, tencentCode, message)
            : ClientJson.WriteErrorAsync(http, matrixCode ?? ErrorCode.Unknown, message, status);

    private static Task WriteUnroutedAsync(HttpContext http)
    {
        var wrongMethod = http.Response.StatusCode == 405;
        if (TencentEnvelope.IsAdminPath(http))
        {
            return wrongMethod
                ? TencentEnvelope.WriteErrorAsync(http, TencentCodes.BadHttpRequest, $"{http.Request.Method} is not allowed; admin commands are POST")
                : TencentEnvelope.WriteErrorAsync(http, TencentCodes.UnknownResource, "Unknown service or command");
        }

        return ClientJson.WriteErrorAsync(http, ErrorCode.Unrecognized, wrongMethod ? "Unrecognized request: wrong method" : "Unrecognized request", http.Response.StatusCode);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client error {Errcode} ({Status})")]
    private static partial void LogClientError(ILogger logger, ErrorCode errcode, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable")]
    private static partial void LogStorageDown(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string method, string path);
}
