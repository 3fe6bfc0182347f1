using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Membership.Core.Identifiers;
using Membership.Storage;

namespace Membership.Service;

/// <summary>
/// Access tokens for Matrix clients. A token is 32 random bytes; only its SHA-256 is stored. Validated tokens are
/// remembered briefly so a request does not pay a storage round trip to authenticate.
/// </summary>
public sealed class TokenService(MembershipStore store, MembershipOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (UserId User, DateTimeOffset ExpiresAt, DateTimeOffset CachedUntil)> _cache = new(StringComparer.Ordinal);

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(UserId user, CancellationToken cancellationToken = default)
    {
        var token = "mst_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expiresAt = clock.GetUtcNow() + options.Tokens.Lifetime;
        await store.SaveTokenAsync(new TokenRecord(Hash(token), user.Value, expiresAt), cancellationToken);
        return (token, expiresAt);
    }

    /// <summary>The user the token belongs to, or null for an unknown or expired token.</summary>
    public async Task<UserId?> AuthenticateAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        var hash = Hash(token);
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.CachedUntil > now)
        {
            return cached.ExpiresAt > now ? cached.User : null;
        }

        // The lookup is by the hash itself, so no stored secret is ever compared byte by byte.
        var record = await store.FindTokenAsync(hash, cancellationToken);
        if (record is null || !UserId.TryParse(record.UserId, out var user, out _))
        {
            return null;
        }

        _cache[hash] = (user, record.ExpiresAt, now + options.Tokens.CacheFor);
        return record.ExpiresAt > now ? user : null;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
