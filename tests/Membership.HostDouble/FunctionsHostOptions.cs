namespace Membership.HostDouble;

/// <summary>How the front door passes a request's target (path and query) on to the worker.</summary>
public enum TargetForwarding
{
    /// <summary>
    /// Byte for byte as received on the wire: <c>%21</c> stays <c>%21</c>, <c>%2F</c> stays <c>%2F</c>. Matrix federation
    /// signs the request target, so this is what a verifier behind a transparent proxy sees.
    /// </summary>
    Raw,

    /// <summary>
    /// As the real host forwards it. The host proxies with YARP's <c>IHttpForwarder</c> and default transform, which
    /// rebuilds the path from ASP.NET Core's decoded <c>Request.Path</c> and escapes every character that is not valid in
    /// a path segment: <c>%21</c> arrives as <c>!</c>, and since Kestrel leaves <c>%2F</c> undecoded, <c>%2F</c> arrives
    /// as <c>%252F</c> (dotnet/yarp#1419). The query string is passed unchanged. Read from the host's and YARP's source
    /// (host: Yarp.ReverseProxy 2.0.1, <c>DefaultHttpProxyService</c>; YARP: <c>RequestUtilities.MakeDestinationAddress</c>), not
    /// observed in Azure.
    /// </summary>
    AsFunctionsHost,
}

/// <summary>What <see cref="FunctionsHostDouble.StartAsync"/> starts and how.</summary>
public sealed class FunctionsHostOptions
{
    /// <summary>The worker to start: a <c>.dll</c> (run with <c>dotnet</c>) or an apphost executable.</summary>
    public required string WorkerPath { get; init; }

    /// <summary>
    /// The function app folder (working directory, <c>FUNCTIONS_APPLICATION_DIRECTORY</c>; its <c>host.json</c> gives the
    /// route prefix). Default: the folder of <see cref="WorkerPath"/>.
    /// </summary>
    public string? AppDirectory { get; init; }

    /// <summary>
    /// App settings, passed to the worker as environment variables (as the host passes local.settings.json's
    /// <c>Values</c>); a <see langword="null"/> value removes a variable inherited from this process.
    /// </summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>How the front door forwards the request target; <see cref="TargetForwarding.Raw"/> unless a test asks otherwise.</summary>
    public TargetForwarding TargetForwarding { get; init; } = TargetForwarding.Raw;

    /// <summary>From starting the process to all functions loaded, at most.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one invocation may take before the double gives up on the worker's answer.</summary>
    public TimeSpan InvocationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The grace period sent with WorkerTerminate; the process is killed if it has not exited by then.</summary>
    public TimeSpan TerminateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Called with each line the worker writes to stdout or stderr, as it arrives (all lines are kept anyway).</summary>
    public Action<string>? WorkerOutput { get; init; }
}
