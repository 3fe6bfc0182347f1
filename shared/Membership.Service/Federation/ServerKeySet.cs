using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;

namespace Membership.Service.Federation;

/// <summary>
/// One verify key of a server: a current key (from <c>verify_keys</c>, good until <see cref="ValidUntil"/>) or an old
/// one (from <c>old_verify_keys</c>, retired at <see cref="ExpiredAt"/>).
/// </summary>
public sealed record VerifyKey(string KeyId, string PublicKeyBase64, DateTimeOffset? ValidUntil, DateTimeOffset? ExpiredAt)
{
    public byte[] PublicKey => UnpaddedBase64.TryDecode(PublicKeyBase64, out var bytes) ? bytes : [];

    public bool IsCurrent => ValidUntil is not null;
}

/// <summary>
/// A server's verify keys as its own key server published them (server-server API "Retrieving server keys"),
/// validated: right <c>server_name</c>, signed by its own current key, <c>valid_until_ts</c> in the future.
/// </summary>
public sealed record ServerKeySet(ServerName Server, IReadOnlyList<VerifyKey> Keys, DateTimeOffset FetchedAt)
{
    /// <summary>
    /// The key that may authenticate a request now: only current keys whose <c>valid_until_ts</c> has not passed
    /// (MSC4029: old keys never authenticate requests).
    /// </summary>
    public VerifyKey? Current(string keyId, DateTimeOffset now) =>
        Keys.FirstOrDefault(k => k.KeyId == keyId && k.ValidUntil > now);

    /// <summary>Whether any current key is still valid, i.e. the set may be used without asking the server again.</summary>
    public bool IsUsable(DateTimeOffset now) => Keys.Any(k => k.ValidUntil > now);

    /// <summary>
    /// The key that may verify an event sent at <paramref name="sentAt"/>: a current key (from room version 5, only if
    /// its <c>valid_until_ts</c> is not before the event) or an old key retired after the event.
    /// </summary>
    public VerifyKey? ForEvent(string keyId, string roomVersion, DateTimeOffset sentAt)
    {
        var honoursValidity = !(roomVersion is "1" or "2" or "3" or "4");
        return Keys.FirstOrDefault(k => k.KeyId == keyId
            && (k.IsCurrent ? !honoursValidity || k.ValidUntil >= sentAt : k.ExpiredAt > sentAt));
    }

    /// <summary>Validates a <c>/_matrix/key/v2/server</c> answer and reads its keys. Never throws for bad input.</summary>
    /// <param name="answer">The answer's JSON object.</param>
    /// <param name="expected">The server whose keys were asked for.</param>
    /// <param name="now">The time the answer must still be valid at.</param>
    /// <param name="set">The keys, or null.</param>
    /// <param name="error">Why the answer is refused, as a sentence naming the server.</param>
    public static bool TryParse(JsonObject answer, ServerName expected, DateTimeOffset now, [NotNullWhen(true)] out ServerKeySet? set, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(answer);
        set = null;
        if (!JsonText.TryGetString(answer["server_name"], out var name) || name != expected.Value)
        {
            error = $"The key server of {expected} answered for '{name}' instead";
            return false;
        }

        if (!Json.TryGetMillis(answer["valid_until_ts"], out var validUntil))
        {
            error = $"The key answer of {expected} has no integer valid_until_ts";
            return false;
        }

        if (validUntil <= now)
        {
            error = $"The keys of {expected} expired at {validUntil:O} (valid_until_ts) and may not be used";
            return false;
        }

        if (answer["verify_keys"] is not JsonObject verifyKeys)
        {
            error = $"The key answer of {expected} has no verify_keys object";
            return false;
        }

        var keys = new List<VerifyKey>();
        foreach (var (keyId, entry) in verifyKeys)
        {
            if (SigningKey.IsValidKeyId(keyId) && TryGetPublicKey(entry, out var key))
            {
                keys.Add(new VerifyKey(keyId, key, validUntil, null));
            }
        }

        if (keys.Count == 0)
        {
            error = $"The key answer of {expected} holds no usable ed25519 verify key";
            return false;
        }

        // Every self-signature by a listed key must verify, and there must be at least one.
        var verified = 0;
        foreach (var key in keys)
        {
            switch (JsonSigning.Verify(answer, expected.Value, key.KeyId, key.PublicKey))
            {
                case SignatureCheck.Valid:
                    verified++;
                    break;
                case SignatureCheck.Missing:
                    break;
                default:
                    error = $"The key answer of {expected} carries a signature by {key.KeyId} that does not verify";
                    return false;
            }
        }

        if (verified == 0)
        {
            error = $"The key answer of {expected} is not signed by any of its own verify keys";
            return false;
        }

        if (answer["old_verify_keys"] is JsonObject oldKeys)
        {
            foreach (var (keyId, entry) in oldKeys)
            {
                if (SigningKey.IsValidKeyId(keyId) && TryGetPublicKey(entry, out var key) && entry is JsonObject old && Json.TryGetMillis(old["expired_ts"], out var expired)
                    && keys.All(k => k.KeyId != keyId))
                {
                    keys.Add(new VerifyKey(keyId, key, null, expired));
                }
            }
        }

        set = new ServerKeySet(expected, keys, now);
        error = null;
        return true;
    }

    private static bool TryGetPublicKey(JsonNode? entry, [NotNullWhen(true)] out string? key)
    {
        key = null;
        return entry is JsonObject obj && JsonText.TryGetString(obj["key"], out key)
            && UnpaddedBase64.TryDecode(key, out var bytes) && SigningKey.IsValidPublicKey(bytes);
    }
}
