using Microsoft.Extensions.Logging;

namespace Membership.HostDouble;

/// <summary>The status an InvocationResponse reports (the protocol's <c>StatusResult.Status</c>).</summary>
public enum InvocationStatus
{
    Failure = 0,
    Success = 1,
    Cancelled = 2,
}

/// <summary>The worker's InvocationResponse to one invocation.</summary>
/// <param name="ExceptionType">The exception's type name when the function failed (as the worker reports it).</param>
/// <param name="ExceptionMessage">The exception's message when the function failed.</param>
/// <param name="Duration">From sending the InvocationRequest to receiving the InvocationResponse.</param>
public sealed record InvocationResult(
    string InvocationId,
    string FunctionName,
    InvocationStatus Status,
    string? ExceptionType,
    string? ExceptionMessage,
    TimeSpan Duration);

/// <summary>One request through the front door, with what the worker answered over HTTP and over gRPC.</summary>
public sealed record FrontDoorRequest
{
    public required string Method { get; init; }

    /// <summary>The request target as received (path and query, still encoded).</summary>
    public required string Target { get; init; }

    /// <summary>The function whose route matched; <see langword="null"/> when none did (answered 404).</summary>
    public string? FunctionName { get; init; }

    /// <summary>
    /// Other functions whose routes match the same request. The host takes the first function in load order, not the most
    /// specific route, so a non-empty list means the app depends on that order.
    /// </summary>
    public IReadOnlyList<string> AlsoMatched { get; init; } = [];

    /// <summary>The status code the worker answered over HTTP, if it answered.</summary>
    public int? WorkerStatusCode { get; init; }

    /// <summary>The status code the front door answered the client.</summary>
    public int StatusCode { get; init; }

    /// <summary>The worker's InvocationResponse; <see langword="null"/> when no function matched or none came.</summary>
    public InvocationResult? Invocation { get; init; }

    /// <summary>What went wrong on the double's side (forwarding failed, no InvocationResponse in time, the worker exited).</summary>
    public string? Error { get; init; }
}

/// <summary>An RpcLog message the worker sent over the stream.</summary>
public sealed record WorkerLog(LogLevel Level, string Category, string Message, string? InvocationId, string? Exception);

/// <summary>A function the worker indexed and loaded.</summary>
/// <param name="TriggerType">The trigger binding's type as in function.json: <c>httpTrigger</c>, <c>timerTrigger</c>.</param>
/// <param name="TriggerBinding">The trigger binding's name (the input_data name of an InvocationRequest).</param>
/// <param name="Route">For HTTP triggers, the route template the front door matches, route prefix included.</param>
/// <param name="Methods">For HTTP triggers, the accepted methods; empty accepts any.</param>
/// <param name="AuthLevel">For HTTP triggers, the <c>authLevel</c> (the front door serves <c>anonymous</c> only).</param>
public sealed record LoadedFunction(
    string Name,
    string FunctionId,
    string TriggerType,
    string TriggerBinding,
    string? Route,
    IReadOnlyList<string> Methods,
    string? AuthLevel)
{
    public bool IsHttp => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimer => string.Equals(TriggerType, "timerTrigger", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Start-up milestones, measured from the moment the worker process was started.</summary>
/// <param name="StreamStarted">The worker's StartStream arrived.</param>
/// <param name="WorkerInitialized">The WorkerInitResponse arrived.</param>
/// <param name="FunctionsLoaded">The last FunctionLoadResponse arrived: the double is ready.</param>
public sealed record StartupTimings(TimeSpan StreamStarted, TimeSpan WorkerInitialized, TimeSpan FunctionsLoaded);
