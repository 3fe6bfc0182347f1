namespace Membership.Functions.Admin.UnknownCommand;

/// <summary>
/// Any other /v4/{service}/{command}: Tencent's "bad request resource" error in the envelope, never a 404 page.
/// Seat commands (room_engine_http_mic) are out of scope and answered here too.
/// </summary>
internal static class UnknownCommand
{
    public static Task Handle(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method)
            ? TencentEnvelope.WriteErrorAsync(http, TencentCodes.UnknownResource, $"Unknown command {http.Request.Path}")
            : TencentEnvelope.WriteErrorAsync(http, TencentCodes.BadHttpRequest, $"{http.Request.Method} is not allowed; admin commands are POST");
}
