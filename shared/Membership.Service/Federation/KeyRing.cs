using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Storage;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// Other servers' verify keys: from memory (briefly), else from the <c>serverkeys</c> table while the server's
/// <c>valid_until_ts</c> holds, else fetched from the server's own <c>/_matrix/key/v2/server</c> and checked (name,
/// self-signature, validity). Concurrent lookups of one server share one fetch.
/// </summary>
public sealed partial class KeyRing(
    FederationClient client,
    MembershipStore store,
    ServerIdentity server,
    MembershipOptions options,
    TimeProvider clock,
    ILogger<KeyRing> logger)
{
    /// <summary>Key sets kept in memory at most (origins are named by whoever sends a request).</summary>
    private const int MaxRemembered = 10_000;

    /// <summary>How long a key set is trusted from memory before the table is read again.</summary>
    private static readonly TimeSpan MemoryFor = TimeSpan.FromMinutes(5);

    /// <summary>A key ID the cached set lacks triggers a refetch, but not more often than this per server.</summary>
    private static readonly TimeSpan MinRefetch = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (ServerKeySet Keys, DateTimeOffset LoadedAt)> _memory = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<KeyLookup>>> _fetches = new(StringComparer.Ordinal);

    /// <summary>
    /// The keys of a server, fetched if none are cached, the cached ones ran out, or they lack <paramref name="keyId"/>.
    /// Never throws for a remote failure: the lookup carries the reason.
    /// </summary>
    public async Task<KeyLookup> GetKeysAsync(ServerName name, string? keyId, CancellationToken cancellationToken)
    {
        if (name == server.Name)
        {
            return new KeyLookup(OwnKeys(), null);
        }

        var now = clock.GetUtcNow();
        if (_memory.TryGetValue(name.Value, out var remembered) && now - remembered.LoadedAt < MemoryFor && Serves(remembered.Keys, keyId, now))
        {
            return new KeyLookup(remembered.Keys, null);
        }

        if (await ReadStoredAsync(name, cancellationToken) is { } stored && Serves(stored, keyId, now))
        {
            Remember(name, stored, now);
            return new KeyLookup(stored, null);
        }

        var fetch = _fetches.GetOrAdd(name.Value, _ => new Lazy<Task<KeyLookup>>(() => FetchOnceAsync(name)));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    private void Remember(ServerName name, ServerKeySet keys, DateTimeOffset now)
    {
        if (_memory.Count >= MaxRemembered)
        {
            _memory.Clear();
        }

        _memory[name.Value] = (keys, now);
    }

    /// <summary>This server's own keys, as its key server publishes them.</summary>
    private ServerKeySet OwnKeys()
    {
        var keys = new List<VerifyKey> { new(server.SigningKey.KeyId, server.SigningKey.PublicKeyBase64, DateTimeOffset.MaxValue, null) };
        keys.AddRange(options.Federation.OldKeys.Select(k => new VerifyKey(k.KeyId, k.PublicKey, null, DateTimeOffset.FromUnixTimeMilliseconds(k.ExpiredTs))));
        return new ServerKeySet(server.Name, keys, clock.GetUtcNow());
    }

    /// <summary>Usable without asking the server: still valid, and holding the key asked for unless a fetch just happened.</summary>
    private static bool Serves(ServerKeySet keys, string? keyId, DateTimeOffset now) =>
        keys.IsUsable(now) && (keyId is null || keys.Current(keyId, now) is not null || now - keys.FetchedAt < MinRefetch);

    private async Task<ServerKeySet?> ReadStoredAsync(ServerName name, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await store.ReadServerKeysAsync(name.Value, cancellationToken);
            return rows.Count == 0
                ? null
                : new ServerKeySet(name, [.. rows.Select(r => new VerifyKey(r.KeyId, r.PublicKey, r.ValidUntil, r.ExpiredAt))], rows.Max(r => r.FetchedAt));
        }
        catch (StorageException ex)
        {
            // The key server is the source of truth; the table only saves fetches.
            LogCacheFailed(logger, ex, name.Value);
            return null;
        }
    }

    /// <summary>One fetch for everyone waiting on this server; bounded by the client's request timeout, not by any one caller.</summary>
    private async Task<KeyLookup> FetchOnceAsync(ServerName name)
    {
        try
        {
            return await FetchAsync(name);
        }
        finally
        {
            _fetches.TryRemove(name.Value, out _);
        }
    }

    private async Task<KeyLookup> FetchAsync(ServerName name)
    {
        FederationAnswer answer;
        try
        {
            answer = await client.GetServerKeysAsync(name, CancellationToken.None);
        }
        catch (FederationUnavailableException ex)
        {
            return new KeyLookup(null, $"The keys of {name} could not be fetched: {ex.Message}");
        }

        if (answer.Status != 200 || answer.Body is not JsonObject body)
        {
            return new KeyLookup(null, $"The key server of {name} answered {answer.Status} without a key object");
        }

        var now = clock.GetUtcNow();
        if (!ServerKeySet.TryParse(body, name, now, out var keys, out var error))
        {
            LogKeysRefused(logger, name.Value, error);
            return new KeyLookup(null, error);
        }

        try
        {
            await store.SaveServerKeysAsync(name.Value, [.. keys.Keys.Take(100).Select(k => new ServerKeyRecord(name.Value, k.KeyId, k.PublicKeyBase64, k.ValidUntil, k.ExpiredAt, now))]);
        }
        catch (StorageException ex)
        {
            LogCacheFailed(logger, ex, name.Value);
        }

        Remember(name, keys, now);
        LogKeysFetched(logger, name.Value, keys.Keys.Count);
        return new KeyLookup(keys, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {Count} verify keys of {Server}")]
    private static partial void LogKeysFetched(ILogger logger, string server, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the key answer of {Server}: {Reason}")]
    private static partial void LogKeysRefused(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server key cache unavailable for {Server}")]
    private static partial void LogCacheFailed(ILogger logger, Exception ex, string server);
}

/// <summary>A server's keys, or why they could not be had.</summary>
public sealed record KeyLookup(ServerKeySet? Keys, string? Error);
