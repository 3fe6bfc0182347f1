using System.Text.Json;
using System.Text.Json.Nodes;

namespace Membership.Protocols;

/// <summary>
/// Signing JSON (https://spec.matrix.org/latest/appendices/#signing-json): an ed25519 signature over the canonical
/// JSON of the object without <c>signatures</c> and <c>unsigned</c>, stored as
/// <c>signatures[entity][keyId]</c> in unpadded base64.
/// </summary>
public static class JsonSigning
{
    /// <summary>Signs the object in place, adding to any signatures it already carries.</summary>
    /// <param name="obj">The object to sign; its <c>signatures</c> and <c>unsigned</c> members are not covered.</param>
    /// <param name="entity">Who signs: a server name, or a user ID for user signatures.</param>
    /// <param name="key">The signing key; its key ID names the signature.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><c>signatures</c> or <c>signatures[entity]</c> exists but is not an object.</exception>
    /// <exception cref="CanonicalJsonException">
    /// The object has no canonical JSON form (including parsed input with duplicate keys or lone surrogates in keys).
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Parameter name fixed by the API the service calls.")]
    public static void Sign(JsonObject obj, string entity, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(key);
        var entitySignatures = SignaturesFor(obj, entity);
        var signature = UnpaddedBase64.Encode(key.Sign(CanonicalJson.EncodeForSigning(obj)));
        AddSignature(obj, entitySignatures, entity, key.KeyId, signature);
    }

    /// <summary>Checks <c>signatures[entity][keyId]</c> against the public key. Never throws for bad input.</summary>
    /// <param name="obj">The signed object.</param>
    /// <param name="entity">The server name (or user ID) whose signature is required.</param>
    /// <param name="keyId">The key ID, e.g. <c>ed25519:1</c>.</param>
    /// <param name="publicKey">The 32-byte ed25519 public key of that key ID.</param>
    /// <exception cref="ArgumentNullException"><paramref name="obj"/>, <paramref name="entity"/> or <paramref name="keyId"/> is null.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Parameter name fixed by the API the service calls.")]
    public static SignatureCheck Verify(JsonObject obj, string entity, string keyId, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(keyId);
        if (!keyId.StartsWith("ed25519:", StringComparison.Ordinal))
        {
            return SignatureCheck.UnsupportedAlgorithm;
        }

        if (!SigningKey.IsValidPublicKey(publicKey))
        {
            return SignatureCheck.InvalidPublicKey;
        }

        try
        {
            return Check(obj, entity, keyId, publicKey);
        }
        catch (CanonicalJsonException)
        {
            // Parsed input whose keys cannot even be read (duplicates, lone surrogates).
            return SignatureCheck.NotCanonical;
        }
    }

    private static SignatureCheck Check(JsonObject obj, string entity, string keyId, ReadOnlySpan<byte> publicKey)
    {
        if (!CanonicalJson.TryGetMember(obj, "signatures", out var signatures))
        {
            return SignatureCheck.Missing;
        }

        if (signatures is not JsonObject bySigner)
        {
            return SignatureCheck.Malformed;
        }

        if (!CanonicalJson.TryGetMember(bySigner, entity, out var forEntity))
        {
            return SignatureCheck.Missing;
        }

        if (forEntity is not JsonObject byKey)
        {
            return SignatureCheck.Malformed;
        }

        if (!CanonicalJson.TryGetMember(byKey, keyId, out var encoded))
        {
            return SignatureCheck.Missing;
        }

        if (!JsonText.TryGetString(encoded, out var text) || !UnpaddedBase64.TryDecode(text, out var signature)
            || signature.Length != SigningKey.SignatureLength)
        {
            return SignatureCheck.Malformed;
        }

        var signed = CanonicalJson.EncodeForSigning(obj);
        return SigningKey.Verify(publicKey, signed, signature) ? SignatureCheck.Valid : SignatureCheck.Invalid;
    }

    /// <summary>Puts an already computed signature at <c>signatures[entity][keyId]</c>, keeping the others.</summary>
    /// <exception cref="ArgumentException"><c>signatures</c> or <c>signatures[entity]</c> exists but is not an object.</exception>
    /// <exception cref="CanonicalJsonException">The keys of the object or its signatures cannot be read.</exception>
    internal static void AddSignature(JsonObject obj, string entity, string keyId, string signature) =>
        AddSignature(obj, SignaturesFor(obj, entity), entity, keyId, signature);

    private static void AddSignature(JsonObject obj, JsonObject? entitySignatures, string entity, string keyId, string signature)
    {
        if (entitySignatures is null)
        {
            entitySignatures = [];
            if (!CanonicalJson.TryGetMember(obj, "signatures", out var existing) || existing is not JsonObject bySigner)
            {
                bySigner = [];
                obj["signatures"] = bySigner;
            }

            bySigner[entity] = entitySignatures;
        }

        entitySignatures[keyId] = signature;
    }

    /// <summary>The existing <c>signatures[entity]</c>, or null if there is none yet; checks the shape before anything is changed.</summary>
    private static JsonObject? SignaturesFor(JsonObject obj, string entity)
    {
        if (!CanonicalJson.TryGetMember(obj, "signatures", out var signatures))
        {
            return null;
        }

        if (signatures is not JsonObject bySigner)
        {
            throw new ArgumentException("The object's \"signatures\" member is not an object.", nameof(obj));
        }

        if (!CanonicalJson.TryGetMember(bySigner, entity, out var forEntity))
        {
            return null;
        }

        return forEntity is JsonObject byKey
            ? CanonicalJson.Readable(byKey)
            : throw new ArgumentException($"\"signatures\".\"{entity}\" is not an object.", nameof(obj));
    }
}
