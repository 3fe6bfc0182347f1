using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// Requests to other homeservers over real HTTP: server discovery, key fetches and X-Matrix-signed calls, each bounded
/// in time and connected through the <see cref="Outbound.OutboundGuard"/>. A server that is down, refuses, is refused by
/// the address policy, or is slow ends in <see cref="FederationUnavailableException"/>, never a hang.
/// </summary>
public sealed partial class FederationClient : IDisposable
{
    /// <summary>Answers larger than this are cut off as unusable (a key answer or an invite is a few KiB).</summary>
    public const int MaxAnswerBytes = 1 << 20;

    /// <summary>Resolved server names kept; anyone can name a server in a request, so the cache is bounded.</summary>
    private const int MaxDiscovered = 10_000;

    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false, MaxDepth = 64 };
    private static readonly TimeSpan DiscoveryCacheFor = TimeSpan.FromHours(1);
    private static readonly TimeSpan FailedDiscoveryCacheFor = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly ServerIdentity _server;
    private readonly FederationOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<FederationClient> _logger;
    private readonly ConcurrentDictionary<string, (Uri BaseAddress, DateTimeOffset Until)> _discovered = new(StringComparer.Ordinal);

    public FederationClient(MembershipOptions options, ServerIdentity server, Outbound.OutboundGuard outbound, TimeProvider clock, ILogger<FederationClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outbound);
        _options = options.Federation;
        _server = server;
        _clock = clock;
        _logger = logger;
        _http = new HttpClient(outbound.CreateHandler(_options.RequestTimeout, TimeSpan.FromMinutes(5)))
        {
            // Each call sets its own bound with a cancellation token (key fetches and invites differ).
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("membership", "1.0"));
    }

    /// <summary><c>GET /_matrix/key/v2/server</c> of a server (unauthenticated), bounded by <c>RequestTimeout</c>.</summary>
    /// <exception cref="FederationUnavailableException">The server could not be reached in time.</exception>
    public Task<FederationAnswer> GetServerKeysAsync(ServerName server, CancellationToken cancellationToken) =>
        SendAsync(server, HttpMethod.Get, "/_matrix/key/v2/server", content: null, sign: false, _options.RequestTimeout, cancellationToken);

    /// <summary>A request signed with X-Matrix by this server's key.</summary>
    /// <param name="destination">The server's name (before delegation; it is what the signature names).</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="target">The request target from <c>/_matrix</c> on, path arguments percent-encoded.</param>
    /// <param name="content">The JSON body, or null for none.</param>
    /// <param name="timeout">Bound on the whole exchange, body included.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <exception cref="FederationUnavailableException">The server could not be reached in time.</exception>
    public Task<FederationAnswer> SendSignedAsync(ServerName destination, HttpMethod method, string target, JsonNode? content, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(destination, method, target, content, sign: true, timeout, cancellationToken);

    /// <summary>
    /// Where a server's federation API lives: a configured override, else its <c>/.well-known/matrix/server</c>
    /// delegation, else port 8448 of its host (server-server API "Resolving server names"; SRV records are not consulted).
    /// </summary>
    public async Task<Uri> ResolveAsync(ServerName server, CancellationToken cancellationToken)
    {
        if (_options.Servers.TryGetValue(server.Value, out var configured))
        {
            return new Uri(configured.TrimEnd('/') + "/");
        }

        var now = _clock.GetUtcNow();
        if (_discovered.TryGetValue(server.Value, out var cached) && cached.Until > now)
        {
            return cached.BaseAddress;
        }

        var (host, port) = SplitHostPort(server.Value);
        Uri resolved;
        var cacheFor = DiscoveryCacheFor;
        if (port is not null || IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            // An explicit port or an IP literal: no delegation.
            resolved = new Uri($"https://{host}:{port ?? "8448"}/");
        }
        else if (await WellKnownAsync(server, cancellationToken) is { } delegated)
        {
            var (delegatedHost, delegatedPort) = SplitHostPort(delegated.Value);
            resolved = new Uri($"https://{delegatedHost}:{delegatedPort ?? "8448"}/");
        }
        else
        {
            resolved = new Uri($"https://{host}:8448/");
            cacheFor = FailedDiscoveryCacheFor;
        }

        if (_discovered.Count >= MaxDiscovered)
        {
            _discovered.Clear();
        }

        _discovered[server.Value] = (resolved, now + cacheFor);
        return resolved;
    }

    public void Dispose() => _http.Dispose();

    private async Task<ServerName?> WellKnownAsync(ServerName server, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.GetAsync(new Uri($"https://{server.Value}/.well-known/matrix/server"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            var body = await ReadBodyAsync(response, timeout.Token);
            return body is JsonObject obj && JsonText.TryGetString(obj["m.server"], out var text) && ServerName.TryParse(text, out var name, out _) ? name : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            LogWellKnownFailed(_logger, ex, server.Value);
            return null;
        }
    }

    private async Task<FederationAnswer> SendAsync(ServerName destination, HttpMethod method, string target, JsonNode? content, bool sign, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            var baseAddress = await ResolveAsync(destination, bound.Token);
            using var request = new HttpRequestMessage(method, new Uri(baseAddress, target.TrimStart('/')));
            if (content is not null)
            {
                request.Content = new ByteArrayContent(CanonicalJson.Encode(content));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            if (sign)
            {
                var header = XMatrix.CreateHeader(method.Method, target, _server.Name.Value, destination.Value, content, _server.SigningKey);
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
            var body = await ReadBodyAsync(response, bound.Token);
            return new FederationAnswer((int)response.StatusCode, body);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRemoteTimedOut(_logger, method.Method, destination.Value, timeout);
            throw new FederationUnavailableException(destination, $"{destination} did not answer within {timeout.TotalSeconds:0.#} s", timedOut: true, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // One text for every way of not reaching it (refused, reset, TLS, address policy): the detail would map
            // ports and hosts for whoever named the server. It goes to the log.
            LogRemoteFailed(_logger, ex, method.Method, destination.Value);
            throw new FederationUnavailableException(destination, $"{destination} could not be reached", timedOut: false, ex);
        }
    }

    /// <summary>The answer's JSON, or null when it is empty, not JSON, or larger than <see cref="MaxAnswerBytes"/>.</summary>
    private static async Task<JsonNode?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return buffer.Length == 0 ? null : JsonNode.Parse(buffer.ToArray(), documentOptions: ParseOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string Host, string? Port) SplitHostPort(string server)
    {
        var close = server.LastIndexOf(']');
        var colon = server.LastIndexOf(':');
        return colon > close && (server.StartsWith('[') || server.IndexOf(':', StringComparison.Ordinal) == colon)
            ? (server[..colon], server[(colon + 1)..])
            : (server, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Federation {Method} to {Destination} failed")]
    private static partial void LogRemoteFailed(ILogger logger, Exception ex, string method, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Federation {Method} to {Destination} timed out after {Timeout}")]
    private static partial void LogRemoteTimedOut(ILogger logger, string method, string destination, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No usable /.well-known/matrix/server for {Server}; using port 8448")]
    private static partial void LogWellKnownFailed(ILogger logger, Exception ex, string server);
}

/// <summary>What another server answered: the status and the JSON body (null when none or not JSON).</summary>
public sealed record FederationAnswer(int Status, JsonNode? Body)
{
    public string? ErrorCode => Body is JsonObject obj ? Json.StringOrNull(obj["errcode"]) : null;

    public string? Error => Body is JsonObject obj ? Json.StringOrNull(obj["error"]) : null;

    /// <summary>
    /// The server does not serve the endpoint, as Synapse reads it: 404 or 405 without an errcode or with
    /// <c>M_UNRECOGNIZED</c>, or 400 <c>M_UNRECOGNIZED</c> (the signal to fall back from a v2 endpoint to v1).
    /// </summary>
    public bool IsUnknownEndpoint =>
        (Status is 404 or 405 && (ErrorCode is null || ErrorCode == "M_UNRECOGNIZED")) || (Status == 400 && ErrorCode == "M_UNRECOGNIZED");

    /// <summary>"403 M_FORBIDDEN: reason", for messages.</summary>
    public string Describe() => $"{Status} {ErrorCode ?? "(no errcode)"}{(Error is { } e ? ": " + e : string.Empty)}";
}

/// <summary>Another server could not be reached, or did not answer in time.</summary>
public sealed class FederationUnavailableException : Exception
{
    public FederationUnavailableException(ServerName server, string message, bool timedOut, Exception? inner = null)
        : base(message, inner)
    {
        Server = server;
        TimedOut = timedOut;
    }

    public FederationUnavailableException()
    {
    }

    public FederationUnavailableException(string message)
        : base(message)
    {
    }

    public FederationUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ServerName Server { get; }

    public bool TimedOut { get; }
}
