using System.Globalization;
using Membership.Core.Rooms;

namespace Membership.Functions.Hosting;

/// <summary>The error bodies of the surfaces: Matrix <c>{errcode, error}</c> with its status, the Tencent envelope with HTTP 200.</summary>
internal static class Errors
{
    public static Task WriteAsync(HttpContext http, Surface surface, int status, ErrorCode matrixCode, int tencentCode, string message) =>
        surface.UsesMatrixErrors()
            ? WriteMatrixAsync(http, matrixCode, message, status)
            : WriteTencentAsync(http, tencentCode, message);

    public static Task WriteMatrixAsync(HttpContext http, ErrorCode code, string message, int status, int? retryAfterSeconds = null, string? roomVersion = null)
    {
        if (retryAfterSeconds is { } seconds)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var body = new MatrixError(code.ToString(), message) { RetryAfterMs = retryAfterSeconds * 1000L, RoomVersion = roomVersion };
        return Wire.WriteAsync(http, status, body, Wire.Matrix);
    }

    public static Task WriteTencentAsync(HttpContext http, int code, string info)
    {
        var reply = TencentReply.Failure(code, info);
        reply.RequestId = Admin.TencentEnvelope.RequestIdOf(http);
        return Wire.WriteAsync(http, StatusCodes.Status200OK, reply, Wire.Tencent);
    }
}

/// <summary>The Matrix error body; <c>retry_after_ms</c> with 429, <c>room_version</c> when a federation peer names one it cannot take.</summary>
internal sealed record MatrixError(string Errcode, string Error)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? RetryAfterMs { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? RoomVersion { get; init; }
}
