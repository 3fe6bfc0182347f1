using Membership.Functions.Hosting;

namespace Membership.Functions.Admin.UnknownCommand;

/// <summary>Any command of a service this server does not serve.</summary>
/// <remarks>
/// Tencent's "bad request resource" error (60009) in the envelope, never a 404 page; a method other than POST is 60002.
/// Seat commands (<c>room_engine_http_mic</c>) are out of scope and answered here. The route leaves out the services
/// this server serves, so it never overlaps a command's route: the Functions host matches routes in the order it
/// loads functions, not the most specific first. (Unknown commands of a served service are answered alike by the
/// standalone host; under a Functions host they get the host's own 404.)
/// </remarks>
internal sealed class UnknownCommand
{
    [Function(nameof(UnknownCommand))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "delete", "patch", Route = "v4/{service:regex(^(?!(" + AdminRequests.RoomEngineService + "|" + AdminRequests.RoomConfigService + "|" + AdminRequests.MembershipAdminService + ")$))}/{command}")] HttpRequest req) =>
        throw Refusal(req.Method, req.Path);

    /// <summary>The answer to an admin command nobody serves (also the standalone host's, for unknown commands of served services).</summary>
    public static TencentException Refusal(string method, PathString path) => HttpMethods.IsPost(method)
        ? new TencentException(TencentCodes.UnknownResource, $"Unknown command {path}")
        : new TencentException(TencentCodes.BadHttpRequest, $"{method} is not allowed; admin commands are POST");
}
