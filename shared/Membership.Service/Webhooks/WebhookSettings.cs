using Membership.Storage;

namespace Membership.Service.Webhooks;

/// <summary>Where callbacks go now: the stored <c>room_config</c> URL and command list, else the configured URL.</summary>
/// <param name="Commands">The commands sent; null sends every one.</param>
/// <param name="Since">Changes before this are not sent (a stored configuration applies from when it was set).</param>
public sealed record WebhookTarget(Uri Url, IReadOnlySet<string>? Commands, DateTimeOffset Since, string Source)
{
    public bool Sends(string command) => Commands is null || Commands.Contains(command);
}

/// <summary>
/// The effective callback target, cached in memory for <see cref="WebhookOptions.ConfigRefresh"/>: the configuration
/// stored by <c>room_config/set_callback</c> overrides <c>Membership:Webhooks:Url</c>. The room_config commands change it
/// here and in storage at once, so this instance sees its own changes immediately; other instances within the refresh.
/// </summary>
public sealed class WebhookSettings(WebhookStore storage, WebhookOptions options, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>Whether the stored configuration has been read at least once (until then nothing is known).</summary>
    public bool IsLoaded => _snapshot is not null;

    /// <summary>The target as last read (null when none or not loaded yet); never touches storage.</summary>
    public WebhookTarget? Cached => _snapshot?.Target;

    /// <summary>Whether the cached configuration is older than the refresh interval (or was never read).</summary>
    public bool IsStale => _snapshot is not { } s || clock.GetUtcNow() - s.LoadedAt >= options.ConfigRefresh;

    /// <summary>The target, re-read from storage when the cached one is stale; null when callbacks are off.</summary>
    public async Task<WebhookTarget?> GetAsync(CancellationToken cancellationToken = default) =>
        IsStale ? await RefreshAsync(cancellationToken) : _snapshot!.Target;

    /// <summary>Reads the stored configuration now (one point read).</summary>
    public async Task<WebhookTarget?> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            var stored = await storage.Store.ReadWebhookConfigAsync(cancellationToken);
            return Remember(stored);
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The stored configuration (not the configured URL), read from storage.</summary>
    public Task<WebhookConfigRecord?> ReadStoredAsync(CancellationToken cancellationToken = default) =>
        storage.Store.ReadWebhookConfigAsync(cancellationToken);

    /// <summary>Stores a configuration (set_callback, or update_callback of an existing one) and uses it at once.</summary>
    public async Task SaveAsync(Uri url, IReadOnlyList<string> commands, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var record = new WebhookConfigRecord(url.AbsoluteUri, commands, since, clock.GetUtcNow());
        await storage.Store.SaveWebhookConfigAsync(record, cancellationToken);
        Remember(record);
    }

    /// <summary>Deletes the stored configuration (false when there was none); the configured URL applies again.</summary>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        var existed = await storage.Store.DeleteWebhookConfigAsync(cancellationToken);
        Remember(null);
        return existed;
    }

    public static bool IsHttpUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0;
    }

    private WebhookTarget? Remember(WebhookConfigRecord? stored)
    {
        WebhookTarget? target = null;
        if (stored is not null && Uri.TryCreate(stored.Url, UriKind.Absolute, out var url) && IsHttpUrl(url))
        {
            target = new WebhookTarget(url, stored.CallbackCommands.ToHashSet(StringComparer.Ordinal), stored.Since, "room_config");
        }
        else if (options.Url is { } configured)
        {
            target = new WebhookTarget(configured, null, DateTimeOffset.MinValue, "Membership:Webhooks:Url");
        }

        _snapshot = new Snapshot(target, clock.GetUtcNow());
        return target;
    }

    public void Dispose() => _loading.Dispose();

    private sealed record Snapshot(WebhookTarget? Target, DateTimeOffset LoadedAt);
}

/// <summary>
/// The store the webhook machinery uses: the same tables through its own client, so its traffic is counted in its own
/// <see cref="StorageMetrics"/> and never mixed into the request path's "one read and one transaction per change".
/// </summary>
public sealed class WebhookStore(MembershipStore store, StorageMetrics metrics)
{
    public MembershipStore Store { get; } = store;

    public StorageMetrics Metrics { get; } = metrics;
}
