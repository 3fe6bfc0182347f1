namespace Membership.Functions.Hosting;

/// <summary>The three ways one binary runs; chosen once, at start, from how it was launched.</summary>
internal enum HostingMode
{
    /// <summary>Plain Kestrel: <c>./run.sh</c>, <c>dotnet run</c>, containers, the HTTP test suites.</summary>
    Standalone,

    /// <summary>Started by the Functions host as a custom handler (the Native AOT package): Kestrel on <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>.</summary>
    CustomHandler,

    /// <summary>Started by the Functions host as an isolated worker (the default package): gRPC to the host, HTTP proxied to us.</summary>
    Worker,
}

internal static class HostingModes
{
    public const string CustomHandlerPortKey = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>The worker's own configuration key for the host's gRPC address (set from <c>--functions-uri</c>).</summary>
    public const string WorkerHostEndpointKey = "Functions:Worker:HostEndpoint";

    /// <summary>The host launches a worker with <c>--functions-uri</c> (and the older <c>--host</c>/<c>--port</c> pair).</summary>
    public static HostingMode Detect(string[] args) =>
        args.Any(a => a.StartsWith("--functions-uri", StringComparison.Ordinal) || a.StartsWith("--functions-worker-id", StringComparison.Ordinal))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Functions__Worker__HostEndpoint"))
            ? HostingMode.Worker
            : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CustomHandlerPortKey)) ? HostingMode.CustomHandler : HostingMode.Standalone;

    /// <summary>Under a Functions host (either package): its timer sweeps webhooks, not a background loop of ours.</summary>
    public static bool UnderFunctionsHost(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[CustomHandlerPortKey]) || !string.IsNullOrEmpty(configuration[WorkerHostEndpointKey]);
}

/// <summary>
/// How this process was started, for the few places where that matters: behind a Functions host (either package) the
/// request target is not the one the caller sent. The host proxies with YARP, which rebuilds the path from its decoded
/// form: <c>%21</c> arrives as <c>!</c>, and <c>%2F</c> (which the host's Kestrel leaves encoded) as <c>%252F</c>.
/// </summary>
internal sealed record HostingContext(HostingMode Mode)
{
    public bool BehindFunctionsHost => Mode != HostingMode.Standalone;
}
