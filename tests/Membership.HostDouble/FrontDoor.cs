using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Membership.HostDouble.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Membership.HostDouble;

/// <summary>
/// The host's public HTTP side. A request whose route matches an HTTP function is proxied to the worker's HttpUri with
/// header <c>x-ms-invocation-id</c> while the matching InvocationRequest goes over gRPC; the client gets the worker's HTTP
/// answer once the InvocationResponse is in, as the host answers only when the invocation completes.
/// </summary>
internal sealed class FrontDoor : IDisposable
{
    /// <summary>Set by <see cref="FunctionsHostDouble.SendAsync"/> to find its request's record; removed before forwarding.</summary>
    public const string ExchangeHeader = "x-host-double-exchange";

    private const string InvocationIdHeader = "x-ms-invocation-id";

    // Connection-level headers are not forwarded (RFC 9110 §7.6.1), nor is Host: the host's forwarder sends the worker's
    // own authority and passes the client's in X-Forwarded-Host.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.TransferEncoding, HeaderNames.KeepAlive, HeaderNames.Upgrade, HeaderNames.TE,
        HeaderNames.ProxyAuthenticate, HeaderNames.ProxyAuthorization, "Proxy-Connection", HeaderNames.Host, ExchangeHeader,
        InvocationIdHeader,
    };

    private readonly FunctionsHostDouble _host;
    private readonly HttpMessageInvoker _toWorker;
    private readonly TargetForwarding _targetForwarding;
    private readonly ConcurrentQueue<FrontDoorRequest> _requests = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FrontDoorRequest>> _exchanges = new(StringComparer.Ordinal);
    private string _workerBase = string.Empty;

    // Written once when the door opens (after _workerBase), read by every request.
    private volatile RouteTable? _routes;

    public FrontDoor(FunctionsHostDouble host, TargetForwarding targetForwarding)
    {
        _host = host;
        _targetForwarding = targetForwarding;
        _toWorker = new HttpMessageInvoker(new RetryConnectionFailures(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        }));
    }

    public IReadOnlyList<FrontDoorRequest> Requests => [.. _requests];

    /// <summary>Opens the door once the functions are loaded; until then every request is answered 503.</summary>
    public void Open(RouteTable routes, Uri workerHttpUri)
    {
        _workerBase = workerHttpUri.GetLeftPart(UriPartial.Authority);
        _routes = routes;
    }

    /// <summary>
    /// The record of the exchange sent with <paramref name="key"/>. The client can have the whole response a moment before
    /// the front door's handler has returned and filed its record, so this waits for it (briefly).
    /// </summary>
    public async Task<FrontDoorRequest?> TakeExchangeAsync(string key, TimeSpan wait)
    {
        var pending = Exchange(key);
        try
        {
            return await pending.Task.WaitAsync(wait);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _exchanges.TryRemove(key, out _);
        }
    }

    private TaskCompletionSource<FrontDoorRequest> Exchange(string key) =>
        _exchanges.GetOrAdd(key, _ => new TaskCompletionSource<FrontDoorRequest>(TaskCreationOptions.RunContinuationsAsynchronously));

    public async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        var exchange = context.Request.Headers[ExchangeHeader].ToString();
        var record = new FrontDoorRequest { Method = context.Request.Method, Target = rawTarget };
        try
        {
            record = await ServeAsync(context, rawTarget, record);
        }
        finally
        {
            record = record with { StatusCode = context.Response.StatusCode };
            _requests.Enqueue(record);
            if (exchange.Length > 0)
            {
                Exchange(exchange).TrySetResult(record);
            }
        }

        // The host's exception middleware can only rethrow once the response has started: the client sees whatever the
        // worker had sent, then the connection ends. The same exception out of this Kestrel does the same.
        if (record.Invocation is not { Status: InvocationStatus.Success } && context.Response.HasStarted)
        {
            throw new InvalidOperationException($"invocation of {record.FunctionName} failed after its response started");
        }
    }

    public void Dispose() => _toWorker.Dispose();

    private async Task<FrontDoorRequest> ServeAsync(HttpContext context, string rawTarget, FrontDoorRequest record)
    {
        if (_routes is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return record;
        }

        var match = await _routes.MatchAsync(context);
        if (match is null)
        {
            // The host maps function routes only: an unmatched path, or a method the function does not accept, falls
            // off the end of its ASP.NET Core pipeline, which answers 404 with an empty body. (Its homepage at "/" is not
            // modelled: with routePrefix "" the app may own that path.)
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return record;
        }

        var function = match.Function;
        record = record with { FunctionName = function.Name, AlsoMatched = match.AlsoMatched };
        if (!string.Equals(function.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            // The host wants a function or admin key for these; the double holds none, so it refuses as the host does
            // for a request without a key.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return record;
        }

        var invocationId = Guid.NewGuid().ToString();

        // As the host does: start forwarding, then send the InvocationRequest; the worker pairs them by invocation id.
        using var forward = ForwardRequest(context, rawTarget, invocationId);
        var forwarding = _toWorker.SendAsync(forward, context.RequestAborted);
        var invocation = _host.InvokeAsync(function, invocationId, request => AddHttpInputs(request, function, match, context.Request), context.RequestAborted);

        string? error = null;
        try
        {
            using var answer = await forwarding;
            record = record with { WorkerStatusCode = (int)answer.StatusCode };
            await CopyAnswerAsync(answer, context);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The host's forwarder answers 502 and fails the invocation; the host then answers 500 (below).
            error = "forwarding to the worker failed: " + ex.Message;
        }

        try
        {
            var result = await invocation;
            record = record with { Invocation = result };
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or ObjectDisposedException)
        {
            error ??= "no InvocationResponse: " + ex.Message;
        }

        // A failed invocation whose response has not started becomes a 500 from the host's exception middleware (the
        // worker's own answer to a throwing function is an empty 200, and the host's forwarder does not start the
        // response for an empty body). Headers copied from the worker stay. Read from the host's source
        // (GrpcWorkerChannel.InvokeResponse, ExceptionMiddleware) and YARP's (HttpForwarder), not observed in Azure.
        if ((error is not null || record.Invocation is not { Status: InvocationStatus.Success }) && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        return record with { Error = error };
    }

    private HttpRequestMessage ForwardRequest(HttpContext context, string rawTarget, string invocationId)
    {
        var request = context.Request;
        var target = ForwardedTarget.For(request, rawTarget, _targetForwarding);

        // No canonicalisation: HttpClient must send the target exactly as built (System.Uri would otherwise unescape
        // percent-encoded unreserved characters and compact dot segments).
        var uri = new Uri(_workerBase + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var forward = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.ContentLength is not null || request.Headers.ContainsKey(HeaderNames.TransferEncoding))
        {
            forward.Content = new StreamContent(request.Body);
            forward.Content.Headers.ContentLength = request.ContentLength;
        }

        foreach (var (name, values) in request.Headers)
        {
            // Content-Length was set with the content above; copying it too would send it twice.
            if (NotForwarded.Contains(name) || name.StartsWith(':') || string.Equals(name, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forward.Content ??= new ByteArrayContent([]);
                forward.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // The host's forwarder (YARP's default transform) sets the X-Forwarded-* headers.
        forward.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        forward.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        return forward;
    }

    /// <summary>
    /// The trigger's input (an empty <c>http</c> value: the request itself goes over HTTP) and the trigger metadata the
    /// host's HTTP binding produces: query parameters (but <c>code</c>), then route values over them, and <c>Query</c>
    /// and <c>Headers</c> as JSON objects. (Properties of a JSON body, which the host adds too, are left out.)
    /// </summary>
    private static void AddHttpInputs(InvocationRequest invocation, LoadedFunction function, RouteMatch match, HttpRequest request)
    {
        invocation.InputData.Add(new ParameterBinding { Name = function.TriggerBinding, Data = new TypedData { Http = new RpcHttp() } });
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Query)
        {
            query[name] = values.ToString();
            if (!string.Equals(name, "code", StringComparison.OrdinalIgnoreCase))
            {
                invocation.TriggerMetadata[name] = new TypedData { String = values.ToString() };
            }
        }

        foreach (var (name, value) in match.Values)
        {
            if (Convert.ToString(value, CultureInfo.InvariantCulture) is { } text)
            {
                invocation.TriggerMetadata[name] = new TypedData { String = text };
            }
        }

        var headers = request.Headers
            .Where(h => !string.Equals(h.Key, ExchangeHeader, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        invocation.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(query) };
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(headers) };
    }

    private static async Task CopyAnswerAsync(HttpResponseMessage answer, HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
            {
                response.Headers[name] = values.ToArray();
            }
        }

        // Nothing is written (so the response does not start) when the worker sent no body, as with the host's forwarder.
        await answer.Content.CopyToAsync(response.Body, context.RequestAborted);
    }

    /// <summary>
    /// The host's proxy retries a request that fails to reach the worker (10 attempts, waiting 50 ms doubling to at most
    /// 250 ms between them): the worker reports its HttpUri before its Kestrel listens, so the first requests after the
    /// functions load can meet a refused connection. A refused connection sent nothing, so the same request is sent again.
    /// </summary>
    private sealed class RetryConnectionFailures(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private const int Attempts = 10;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var delay = TimeSpan.FromMilliseconds(50);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException) when (attempt < Attempts)
                {
                    await Task.Delay(delay, cancellationToken);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
                }
            }
        }
    }
}
