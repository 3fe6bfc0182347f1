using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Membership.HostDouble.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Membership.HostDouble;

/// <summary>
/// A stand-in for the Azure Functions host, for tests and the benchmark: it starts the real dotnet-isolated worker with
/// the host's arguments, speaks the host's gRPC protocol to it (StartStream, WorkerInitRequest, FunctionsMetadataRequest,
/// one FunctionLoadRequest per function), then serves HTTP like the host (<see cref="BaseAddress"/>: route matching,
/// proxying to the worker, the host's answers for unmatched routes and failed invocations) and invokes timers on demand.
/// Starting takes a second or two, so share one per test class; all members are safe to use concurrently.
/// Dispose sends WorkerTerminate and kills the process if it outlives the grace period.
/// </summary>
public sealed class FunctionsHostDouble : IAsyncDisposable
{
    /// <summary>The JSON the host sends as a timer trigger's input (TimerInfo without schedule status).</summary>
    private const string TimerInput = """{"ScheduleStatus":null,"IsPastDue":false}""";

    private readonly FunctionsHostOptions _options;
    private readonly WebApplication _server;
    private readonly ListenOptions _grpcListen;
    private readonly ListenOptions _frontDoorListen;
    private readonly WorkerChannel _channel;
    private readonly FrontDoor _frontDoor;
    private readonly ConcurrentQueue<WorkerLog> _logs = new();
    private WorkerProcess? _worker;
    private Dictionary<string, LoadedFunction> _functions = new(StringComparer.OrdinalIgnoreCase);
    private long _exchanges;
    private int _disposed;

    private FunctionsHostDouble(FunctionsHostOptions options)
    {
        _options = options;
        _channel = new WorkerChannel(_logs.Enqueue);
        _frontDoor = new FrontDoor(this, options.TargetForwarding);
        (_server, _grpcListen, _frontDoorListen) = BuildServer(_channel, _frontDoor);
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
    }

    /// <summary>The front door: where clients send their HTTP requests, as to the app's public address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client for the front door (<see cref="BaseAddress"/> set; no proxy, redirects or cookies).</summary>
    public HttpClient Client { get; }

    /// <summary>The worker's own HTTP address (its <c>HttpUri</c> capability), which the front door proxies to.</summary>
    public Uri WorkerHttpUri { get; private set; } = null!;

    /// <summary>The functions the worker indexed and loaded, in load order (the order the host tries HTTP routes in).</summary>
    public IReadOnlyList<LoadedFunction> Functions { get; private set; } = [];

    public StartupTimings Timings { get; private set; } = null!;

    /// <summary>Time since the worker process was started: the benchmark's clock for a worker-mode cold start.</summary>
    public TimeSpan SinceProcessStart => Stopwatch.GetElapsedTime(Worker.StartedTimestamp);

    /// <summary>The worker's exit code once it has exited, otherwise <see langword="null"/>.</summary>
    public int? WorkerExitCode => Worker.Exited.IsCompletedSuccessfully ? Worker.Exited.Result : null;

    /// <summary>What the worker wrote to stdout and stderr (the most recent lines).</summary>
    public IReadOnlyList<string> WorkerOutput => Worker.Output;

    /// <summary>RpcLog messages the worker sent over the stream.</summary>
    public IReadOnlyList<WorkerLog> WorkerLogs => [.. _logs];

    /// <summary>Every request the front door served, in the order they finished.</summary>
    public IReadOnlyList<FrontDoorRequest> Requests => _frontDoor.Requests;

    private WorkerProcess Worker => _worker ?? throw new InvalidOperationException("the worker has not been started");

    /// <summary>Starts the servers and the worker, and returns once every function has loaded.</summary>
    /// <exception cref="HostDoubleException">
    /// The worker could not be started, exited, failed a step or was not ready within <see cref="FunctionsHostOptions.StartTimeout"/>;
    /// the message carries its output. Everything started has been stopped.
    /// </exception>
    public static async Task<FunctionsHostDouble> StartAsync(FunctionsHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.WorkerPath))
        {
            throw new FileNotFoundException("the worker to start does not exist", options.WorkerPath);
        }

        var host = new FunctionsHostDouble(options);
        try
        {
            await host.StartCoreAsync(cancellationToken);
            return host;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await host.DisposeAsync();
            throw;
        }
        catch (Exception ex)
        {
            var description = host.Describe();
            await host.DisposeAsync();
            var why = ex is OperationCanceledException ? $"not ready within {options.StartTimeout.TotalSeconds:0} s" : ex.Message;
            throw new HostDoubleException($"the worker did not start: {why}\n{description}", ex);
        }
    }

    /// <summary>
    /// An absolute front-door URI for a request target that HttpClient sends exactly as written (no unescaping, no dot
    /// segment removal), for requests whose target must survive byte for byte, such as signed federation requests.
    /// </summary>
    public Uri UriFor(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new Uri(BaseAddress.GetLeftPart(UriPartial.Authority) + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    /// <summary>
    /// Sends a request through the front door and returns the response with the front door's record of it (route
    /// matched, the worker's InvocationResponse). A relative request URI is taken as a raw target (see <see cref="UriFor"/>).
    /// </summary>
    public async Task<(HttpResponseMessage Response, FrontDoorRequest Record)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            request.RequestUri = UriFor(relative.OriginalString);
        }

        var key = Interlocked.Increment(ref _exchanges).ToString(CultureInfo.InvariantCulture);
        request.Headers.Remove(FrontDoor.ExchangeHeader);
        request.Headers.TryAddWithoutValidation(FrontDoor.ExchangeHeader, key);

        var response = await Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (await _frontDoor.TakeExchangeAsync(key, TimeSpan.FromSeconds(10)) is not { } record)
        {
            response.Dispose();
            throw new HostDoubleException($"the front door has no record of {request.Method} {request.RequestUri}");
        }

        return (response, record);
    }

    /// <summary>Invokes a timer-triggered function as its schedule would, and returns the worker's InvocationResponse.</summary>
    public Task<InvocationResult> InvokeTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        if (!_functions.TryGetValue(functionName, out var function) || !function.IsTimer)
        {
            throw new ArgumentException($"{functionName} is not a loaded timer function", nameof(functionName));
        }

        return InvokeAsync(
            function,
            Guid.NewGuid().ToString(),
            request => request.InputData.Add(new ParameterBinding { Name = function.TriggerBinding, Data = new TypedData { Json = TimerInput } }),
            cancellationToken);
    }

    /// <summary>The worker's recent output, its RpcLog messages and the front door's requests, for a failure message.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"worker: {(_worker is null ? "not started" : WorkerExitCode is { } code ? $"exited with {code}" : "running")}");
        text.AppendLine("worker output (last 200 lines):");
        foreach (var line in (_worker?.Output ?? []).TakeLast(200))
        {
            text.Append("  ").AppendLine(line);
        }

        text.AppendLine("worker RpcLog (last 100):");
        foreach (var log in _logs.TakeLast(100))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {log.Level} {log.Category}: {log.Message}{(log.Exception is null ? string.Empty : " | " + log.Exception)}");
        }

        text.AppendLine("front door (last 50):");
        foreach (var request in _frontDoor.Requests.TakeLast(50))
        {
            // The path only: query strings can carry access tokens.
            var path = request.Target.Split('?', 2)[0];
            text.AppendLine(CultureInfo.InvariantCulture, $"  {request.Method} {path} -> {request.FunctionName ?? "(no route)"} {request.StatusCode} {request.Invocation?.Status.ToString() ?? string.Empty} {request.Invocation?.ExceptionMessage ?? request.Error}");
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_worker is not null)
        {
            // A worker that never opened its stream cannot be asked to stop: it is killed at once.
            if (!_worker.Exited.IsCompleted && _channel.Started.IsCompletedSuccessfully && _channel.TrySend(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(_options.TerminateGracePeriod) } }))
            {
                try
                {
                    await _worker.Exited.WaitAsync(_options.TerminateGracePeriod);
                }
                catch (TimeoutException)
                {
                    // Killed below.
                }
            }

            _worker.Dispose();
        }

        _channel.Abort();
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
        _channel.Dispose();
        _frontDoor.Dispose();
        Client.Dispose();
    }

    /// <summary>Sends one InvocationRequest (trace context set, inputs added by the caller) and waits for its answer.</summary>
    internal async Task<InvocationResult> InvokeAsync(LoadedFunction function, string invocationId, Action<InvocationRequest> addInputs, CancellationToken cancellationToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,

            // The host passes its current activity; a fresh W3C trace parent stands in for it.
            TraceContext = new RpcTraceContext
            {
                TraceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00",
                TraceState = string.Empty,
            },
        };
        addInputs(request);
        var sent = Stopwatch.GetTimestamp();
        StreamingMessage answer;
        try
        {
            answer = await _channel.RequestAsync(new StreamingMessage { InvocationRequest = request }, _options.InvocationTimeout, cancellationToken);
        }
        catch (IOException ex) when (WorkerExitCode is { } code)
        {
            // The broken stream is usually noticed before the exit; the exit is the news.
            throw new IOException($"the worker exited with code {code}", ex);
        }

        if (answer.ContentCase != StreamingMessage.ContentOneofCase.InvocationResponse)
        {
            throw new IOException($"the worker answered an InvocationRequest with {answer.ContentCase}");
        }

        var result = answer.InvocationResponse.Result ?? new StatusResult();
        return new InvocationResult(
            invocationId,
            function.Name,
            (InvocationStatus)(int)result.Status,
            result.Exception?.Type,
            result.Exception?.Message,
            Stopwatch.GetElapsedTime(sent));
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var appDirectory = Path.GetFullPath(_options.AppDirectory ?? Path.GetDirectoryName(Path.GetFullPath(_options.WorkerPath))!);
        await _server.StartAsync(cancellationToken);
        BaseAddress = new Uri($"http://{_frontDoorListen.IPEndPoint}/");
        Client.BaseAddress = BaseAddress;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartTimeout);
        var timeout = _options.StartTimeout;
        var workerId = Guid.NewGuid().ToString();
        _worker = WorkerProcess.Start(_options, appDirectory, new Uri($"http://{_grpcListen.IPEndPoint}/"), workerId, Guid.NewGuid().ToString());
        _ = _worker.Exited.ContinueWith(
            exit => _channel.Close(new IOException($"the worker exited with code {exit.Result}")),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        var startedBy = await _channel.Started.WaitAsync(deadline.Token);
        if (!string.Equals(startedBy, workerId, StringComparison.Ordinal))
        {
            throw new HostDoubleException($"StartStream came from worker {startedBy}, not {workerId}");
        }

        var init = new WorkerInitRequest { HostVersion = "4.0.0-hostdouble", WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var initAnswer = (await _channel.RequestAsync(new StreamingMessage { WorkerInitRequest = init }, timeout, deadline.Token)).WorkerInitResponse;
        ThrowUnlessSuccess(initAnswer?.Result, "WorkerInitRequest");
        var initialized = Stopwatch.GetTimestamp();
        if (!initAnswer!.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var workerUri))
        {
            throw new HostDoubleException("the worker declared no HttpUri capability: the double serves workers with the ASP.NET Core integration only");
        }

        WorkerHttpUri = workerUri;
        var metadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory };
        var metadata = (await _channel.RequestAsync(new StreamingMessage { FunctionsMetadataRequest = metadataRequest }, timeout, deadline.Token)).FunctionMetadataResponse;
        ThrowUnlessSuccess(metadata?.Result, "FunctionsMetadataRequest");
        if (metadata!.UseDefaultMetadataIndexing)
        {
            throw new HostDoubleException("the worker asked the host to index functions.metadata itself, which the double does not do");
        }

        var routePrefix = FunctionMetadataReader.RoutePrefix(appDirectory);
        var loads = metadata.FunctionMetadataResults.Select(async function =>
        {
            var load = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function };
            var loaded = (await _channel.RequestAsync(new StreamingMessage { FunctionLoadRequest = load }, timeout, deadline.Token)).FunctionLoadResponse;
            ThrowUnlessSuccess(loaded?.Result, $"FunctionLoadRequest for {function.Name}");
            return FunctionMetadataReader.Read(function.Name, function.FunctionId, function.RawBindings, routePrefix);
        });
        Functions = await Task.WhenAll(loads);
        var loadedAt = Stopwatch.GetTimestamp();

        _functions = Functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        _frontDoor.Open(new RouteTable(Functions, _server.Services.GetRequiredService<IInlineConstraintResolver>()), WorkerHttpUri);
        Timings = new StartupTimings(
            Elapsed(_channel.StartedTimestamp),
            Elapsed(initialized),
            Elapsed(loadedAt));

        TimeSpan Elapsed(long timestamp) => Stopwatch.GetElapsedTime(_worker.StartedTimestamp, timestamp);
    }

    private static void ThrowUnlessSuccess(StatusResult? result, string step)
    {
        if (result is not { Status: StatusResult.Types.Status.Success })
        {
            throw new HostDoubleException($"{step} failed: {result?.Exception?.Type} {result?.Exception?.Message ?? result?.Result ?? "(no answer)"}");
        }
    }

    /// <summary>
    /// One Kestrel server, two loopback listeners on ports the system picks: HTTP/2 cleartext for the worker's gRPC
    /// stream, HTTP/1.1 for the front door. Its own logging is off (the worker's output is what tests want to see).
    /// </summary>
    private static (WebApplication Server, ListenOptions Grpc, ListenOptions FrontDoor) BuildServer(WorkerChannel channel, FrontDoor frontDoor)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FunctionsHostDouble).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        ListenOptions? grpcListen = null, frontDoorListen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => (grpcListen = listen).Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => (frontDoorListen = listen).Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            // The host allows messages of any size (int.MaxValue, its --grpcMaxMessageLength).
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(channel);
        var app = builder.Build();

        // Kestrel configures its listeners when the app is built and writes the bound port back into each on start.
        var grpc = grpcListen ?? throw new InvalidOperationException("Kestrel did not configure the gRPC listener");
        var front = frontDoorListen ?? throw new InvalidOperationException("Kestrel did not configure the front door listener");
        app.Use((context, next) => context.Connection.LocalPort == front.IPEndPoint!.Port ? frontDoor.HandleAsync(context) : next(context));
        app.MapGrpcService<WorkerChannel>();
        return (app, grpc, front);
    }
}

/// <summary>The double could not start the worker or lost it; the message carries the worker's output.</summary>
public sealed class HostDoubleException : Exception
{
    public HostDoubleException()
    {
    }

    public HostDoubleException(string message)
        : base(message)
    {
    }

    public HostDoubleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
