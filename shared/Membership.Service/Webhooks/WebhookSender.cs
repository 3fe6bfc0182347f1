using System.Globalization;
using System.Net;
using System.Text;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Webhooks;

/// <summary>What one delivery attempt came to: done only on HTTP 200.</summary>
public sealed record DeliveryResult(bool Delivered, string Error)
{
    public static DeliveryResult Ok { get; } = new(true, string.Empty);
}

/// <summary>
/// POSTs one callback as Tencent's callback protocol does: the JSON body to the target URL with the query
/// <c>SdkAppid</c>, <c>CallbackCommand</c>, <c>contenttype=json</c>, <c>ClientIP</c>, <c>OptPlatform</c>, and, when a
/// token is configured, <c>Sign</c> and <c>RequestTime</c>. Bounded by <see cref="WebhookOptions.Timeout"/>; redirects
/// are not followed (anything but 200 is a failure to retry). Connections pass the outbound address policy unless
/// <see cref="WebhookOptions.AllowPrivateTargets"/> is set. A failure is recorded as one neutral text per class (could
/// not be reached, no answer in time, the HTTP status): the rest goes to the log, so the recorded errors never tell a
/// closed port from an open one.
/// </summary>
public sealed partial class WebhookSender : IDisposable
{
    /// <summary>Bodies keep non-ASCII text as UTF-8 rather than \u escapes (both are valid JSON).</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Wire = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What a delivery that got no HTTP answer records, whatever the cause (refused, reset, TLS, address policy).</summary>
    public const string Unreachable = "the callback URL could not be reached";

    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookSender> _logger;

    public WebhookSender(WebhookOptions options, Outbound.OutboundGuard outbound, TimeProvider clock, ILogger<WebhookSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outbound);
        _options = options;
        _clock = clock;
        _logger = logger;
        _http = new HttpClient(outbound.CreateHandler(options.Timeout, TimeSpan.FromMinutes(2), checkAddresses: !options.AllowPrivateTargets))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("membership-webhooks/1.0");
    }

    /// <summary>The full request URI of a callback (the target's own query string is kept).</summary>
    public Uri RequestUri(WebhookTarget target, PlannedCallback callback, long requestTime)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(callback);
        var query = new StringBuilder()
            .Append("SdkAppid=").Append(_options.SdkAppId.ToString(CultureInfo.InvariantCulture))
            .Append("&CallbackCommand=").Append(Uri.EscapeDataString(callback.Command))
            .Append("&contenttype=json")
            .Append("&ClientIP=")
            .Append("&OptPlatform=").Append(callback.OptPlatform);
        if (!string.IsNullOrEmpty(_options.Token))
        {
            query.Append("&Sign=").Append(CallbackSign.Compute(_options.Token, requestTime))
                .Append("&RequestTime=").Append(requestTime.ToString(CultureInfo.InvariantCulture));
        }

        var url = target.Url.AbsoluteUri;
        var separator = target.Url.Query.Length > 1 ? "&" : target.Url.Query.Length == 1 ? string.Empty : "?";
        return new Uri(url + separator + query);
    }

    public async Task<DeliveryResult> SendAsync(WebhookTarget target, PlannedCallback callback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(callback);
        using var request = new HttpRequestMessage(HttpMethod.Post, RequestUri(target, callback, _clock.GetUtcNow().ToUnixTimeSeconds()))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(callback.Body.ToJsonString(Wire))),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.StatusCode == HttpStatusCode.OK
                ? DeliveryResult.Ok
                : new DeliveryResult(false, $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, $"no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(_logger, ex, target.Source);
            return new DeliveryResult(false, Unreachable);
        }
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "The callback URL ({Source}) could not be reached")]
    private static partial void LogUnreachable(ILogger logger, Exception ex, string source);
}
