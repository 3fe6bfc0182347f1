using System.Diagnostics.Metrics;
using Membership.Service.Webhooks;
using Membership.Storage;

namespace Membership.Functions.Hosting;

/// <summary>
/// The service's own instruments, on the meter <c>Membership</c>: storage round trips and 412 conflicts (read from
/// <see cref="StorageMetrics"/> when a listener collects, so the request path pays nothing), and requests by function.
/// ASP.NET Core's own <c>http.server.request.duration</c> (meter <c>Microsoft.AspNetCore.Hosting</c>) times them.
/// </summary>
public sealed class TelemetryMetrics
{
    public const string MeterName = "Membership";

    /// <summary>Every HTTP request sent to Table Storage, retries included: "1 read + 1 transaction per change" is visible here.</summary>
    public const string StorageRequests = "membership.storage.requests";

    /// <summary>Precondition failures (412): another change won the room's ETag; each is followed by a re-read and retry.</summary>
    public const string StorageConflicts = "membership.storage.conflicts";

    /// <summary>Requests answered, by surface, function and HTTP status.</summary>
    public const string Requests = "membership.requests";

    private readonly Counter<long> _requests;

    public TelemetryMetrics(IMeterFactory meters, StorageMetrics storage, WebhookStore webhooks)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(webhooks);

        // The request path's store and the webhook dispatcher's have separate counters (webhook traffic never counts as a change's).
        KeyValuePair<string, object?>[] requestPath = [new("membership.storage.client", "requests")];
        KeyValuePair<string, object?>[] webhookPath = [new("membership.storage.client", "webhooks")];
        Meter = meters.Create(MeterName);
        Meter.CreateObservableCounter(
            StorageRequests,
            () => new[] { new Measurement<long>(storage.Requests, requestPath), new Measurement<long>(webhooks.Metrics.Requests, webhookPath) },
            unit: "{request}",
            description: "HTTP requests sent to Table Storage, retries included.");
        Meter.CreateObservableCounter(
            StorageConflicts,
            () => new[] { new Measurement<long>(storage.Conflicts, requestPath), new Measurement<long>(webhooks.Metrics.Conflicts, webhookPath) },
            unit: "{conflict}",
            description: "412 precondition failures: a concurrent change won; the change was re-read, re-decided and retried.");
        _requests = Meter.CreateCounter<long>(Requests, unit: "{request}", description: "Requests answered, by surface, function and status.");
    }

    /// <summary>Created through <see cref="IMeterFactory"/>, so it is disposed with the app.</summary>
    public Meter Meter { get; }

    internal void CountRequest(string surface, string function, int status)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new("membership.surface", surface), new("membership.function", function), new("http.response.status_code", status));
        }
    }
}
