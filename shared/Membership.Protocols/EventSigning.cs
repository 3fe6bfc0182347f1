using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Membership.Protocols;

/// <summary>
/// Hashing, redacting, signing and identifying events (PDUs) for room versions 1 to 11
/// (server-server API "Signing Events", https://spec.matrix.org/latest/rooms/ redaction and event ID fragments).
/// </summary>
/// <remarks>
/// Room versions 1 to 5 allowed numbers canonical JSON forbids; such events make these methods throw
/// <see cref="CanonicalJsonException"/> (or report <see cref="EventCheck.NotCanonical"/>) rather than guess at
/// Python's float formatting.
/// </remarks>
public static class EventSigning
{
    /// <summary>Whether the room version is one of "1" to "11", the versions these rules implement.</summary>
    public static bool IsSupportedRoomVersion(string? roomVersion) => TryParseVersion(roomVersion, out _);

    /// <summary>
    /// The redacted copy of an event: only the top-level keys and <c>content</c> keys the room version keeps
    /// (the spec's redaction algorithm, per room version). <c>content</c> is always present, <c>{}</c> if nothing survives, as in
    /// Synapse. The input is not changed.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The room version is not supported.</exception>
    /// <exception cref="CanonicalJsonException">
    /// The keys of the event or its content cannot be read (parsed input with duplicate keys or lone surrogates).
    /// </exception>
    public static JsonObject Redact(JsonObject ev, string roomVersion)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var version = ParseVersion(roomVersion);
        var redacted = new JsonObject();
        foreach (var (key, value) in CanonicalJson.Readable(ev))
        {
            if (key != "content" && KeepsTopLevelKey(version, key))
            {
                redacted[key] = value?.DeepClone();
            }
        }

        var content = new JsonObject();
        if (ev["content"] is JsonObject original)
        {
            JsonText.TryGetString(ev["type"], out var type);
            foreach (var (key, value) in CanonicalJson.Readable(original))
            {
                if (KeepsContentKey(version, type, key))
                {
                    content[key] = value?.DeepClone();
                }
            }

            // v11 keeps only the signed part of a third-party invite (MSC3821).
            if (version >= 11 && type == "m.room.member"
                && original["third_party_invite"] is JsonObject invite && CanonicalJson.TryGetMember(invite, "signed", out var signed))
            {
                content["third_party_invite"] = new JsonObject { ["signed"] = signed?.DeepClone() };
            }
        }

        redacted["content"] = content;
        return redacted;
    }

    /// <summary>
    /// The content hash: SHA-256 over the canonical JSON of the event without <c>unsigned</c>, <c>signatures</c> and
    /// <c>hashes</c>, in unpadded base64 (the value of <c>hashes.sha256</c>).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ev"/> is null.</exception>
    /// <exception cref="CanonicalJsonException">The event has no canonical JSON form.</exception>
    public static string ComputeContentHash(JsonObject ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return UnpaddedBase64.Encode(SHA256.HashData(CanonicalJson.EncodeWithout(ev, "unsigned", "signatures", "hashes")));
    }

    /// <summary>
    /// Signs an event as its origin server: sets <c>hashes.sha256</c>, then signs the redacted event and adds the
    /// signature to <c>signatures[serverName][key.KeyId]</c>, keeping the others.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The room version is not supported, or <c>hashes</c>, <c>signatures</c> or <c>signatures[serverName]</c> exists but
    /// is not an object.
    /// </exception>
    /// <exception cref="CanonicalJsonException">The event has no canonical JSON form.</exception>
    public static void Sign(JsonObject ev, string roomVersion, string serverName, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ParseVersion(roomVersion);
        if (CanonicalJson.TryGetMember(ev, "hashes", out var existing) && existing is not JsonObject)
        {
            throw new ArgumentException("The event's \"hashes\" member is not an object.", nameof(ev));
        }

        var hash = ComputeContentHash(ev);
        if (existing is JsonObject hashes)
        {
            CanonicalJson.Readable(hashes)["sha256"] = hash;
        }
        else
        {
            ev["hashes"] = new JsonObject { ["sha256"] = hash };
        }

        AddSignature(ev, roomVersion, serverName, key);
    }

    /// <summary>
    /// Adds a signature over the redacted event without touching <c>hashes</c> or anything else: what an invitee's
    /// server does to an invite (server-server API "Inviting to a room"). The event ID does not change.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// The room version is not supported, or <c>signatures</c> or <c>signatures[serverName]</c> exists but is not an object.
    /// </exception>
    /// <exception cref="CanonicalJsonException">The redacted event has no canonical JSON form.</exception>
    public static void AddSignature(JsonObject ev, string roomVersion, string serverName, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ArgumentNullException.ThrowIfNull(serverName);
        ArgumentNullException.ThrowIfNull(key);
        var signed = CanonicalJson.EncodeForSigning(Redact(ev, roomVersion));
        JsonSigning.AddSignature(ev, serverName, key.KeyId, UnpaddedBase64.Encode(key.Sign(signed)));
    }

    /// <summary>
    /// The event ID: for room versions 1 and 2 the server-assigned <c>event_id</c> member; from version 3 <c>$</c> and
    /// the reference hash (SHA-256 of the redacted event without <c>signatures</c> and <c>unsigned</c>) in unpadded
    /// base64, standard alphabet for version 3 and URL-safe from version 4.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ev"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The room version is not supported, or a version 1 or 2 event has no string <c>event_id</c>.
    /// </exception>
    /// <exception cref="CanonicalJsonException">The (redacted) event has no canonical JSON form.</exception>
    public static string ComputeEventId(JsonObject ev, string roomVersion)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var version = ParseVersion(roomVersion);
        if (version <= 2)
        {
            return CanonicalJson.TryGetMember(ev, "event_id", out var member) && JsonText.TryGetString(member, out var eventId)
                ? eventId
                : throw new ArgumentException($"A room version {roomVersion} event carries its ID in \"event_id\", which is missing.", nameof(ev));
        }

        var referenceHash = SHA256.HashData(CanonicalJson.EncodeForSigning(Redact(ev, roomVersion)));
        return "$" + (version == 3 ? UnpaddedBase64.Encode(referenceHash) : UnpaddedBase64.EncodeUrlSafe(referenceHash));
    }

    /// <summary>
    /// Checks a received event: the server's signature over the redacted event, then <c>hashes.sha256</c>. Never
    /// throws for a malformed event.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ev"/>, <paramref name="serverName"/> or <paramref name="keyId"/> is null.</exception>
    /// <exception cref="ArgumentException">The room version is not supported.</exception>
    public static EventCheck Verify(JsonObject ev, string roomVersion, string serverName, string keyId, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ParseVersion(roomVersion);
        try
        {
            return Check(ev, roomVersion, serverName, keyId, publicKey);
        }
        catch (CanonicalJsonException)
        {
            return EventCheck.NotCanonical;
        }
    }

    private static EventCheck Check(JsonObject ev, string roomVersion, string serverName, string keyId, ReadOnlySpan<byte> publicKey)
    {
        var signature = JsonSigning.Verify(Redact(ev, roomVersion), serverName, keyId, publicKey);
        if (signature != SignatureCheck.Valid)
        {
            return signature switch
            {
                SignatureCheck.Missing => EventCheck.SignatureMissing,
                SignatureCheck.Malformed => EventCheck.SignatureMalformed,
                SignatureCheck.UnsupportedAlgorithm => EventCheck.UnsupportedAlgorithm,
                SignatureCheck.InvalidPublicKey => EventCheck.InvalidPublicKey,
                SignatureCheck.NotCanonical => EventCheck.NotCanonical,
                _ => EventCheck.SignatureInvalid,
            };
        }

        if (ev["hashes"] is not JsonObject hashes || !CanonicalJson.TryGetMember(hashes, "sha256", out var member)
            || !JsonText.TryGetString(member, out var claimed))
        {
            return EventCheck.HashMissing;
        }

        var actual = SHA256.HashData(CanonicalJson.EncodeWithout(ev, "unsigned", "signatures", "hashes"));
        return UnpaddedBase64.TryDecode(claimed, out var expected) && actual.AsSpan().SequenceEqual(expected)
            ? EventCheck.Valid
            : EventCheck.HashMismatch;
    }

    private static int ParseVersion(string roomVersion)
    {
        ArgumentNullException.ThrowIfNull(roomVersion);
        return TryParseVersion(roomVersion, out var version)
            ? version
            : throw new ArgumentException($"Room version \"{roomVersion}\" is not supported (only \"1\" to \"11\").", nameof(roomVersion));
    }

    private static bool TryParseVersion(string? roomVersion, out int version)
    {
        version = roomVersion switch
        {
            "1" => 1, "2" => 2, "3" => 3, "4" => 4, "5" => 5, "6" => 6,
            "7" => 7, "8" => 8, "9" => 9, "10" => 10, "11" => 11,
            _ => 0,
        };
        return version != 0;
    }

    private static bool KeepsTopLevelKey(int version, string key) => key switch
    {
        "event_id" or "type" or "room_id" or "sender" or "state_key" or "content" or "hashes" or "signatures"
            or "depth" or "prev_events" or "auth_events" or "origin_server_ts" => true,

        // Room version 11 (MSC2176, MSC3989) stopped protecting these.
        "origin" or "membership" or "prev_state" => version <= 10,
        _ => false,
    };

    private static bool KeepsContentKey(int version, string? type, string key) => type switch
    {
        "m.room.member" => key == "membership" || (version >= 9 && key == "join_authorised_via_users_server"),
        "m.room.create" => version >= 11 || key == "creator",
        "m.room.join_rules" => key == "join_rule" || (version >= 8 && key == "allow"),
        "m.room.power_levels" => key is "ban" or "events" or "events_default" or "kick" or "redact" or "state_default"
            or "users" or "users_default" || (version >= 11 && key == "invite"),
        "m.room.aliases" => version <= 5 && key == "aliases",
        "m.room.history_visibility" => key == "history_visibility",
        "m.room.redaction" => version >= 11 && key == "redacts",
        _ => false,
    };
}
