using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Membership.Protocols;

/// <summary>
/// A server's ed25519 signing key (RFC 8032; the private key is the 32-byte seed) with its Matrix key ID.
/// </summary>
/// <remarks>
/// BouncyCastle does the curve arithmetic: it is fully managed, so the library stays trimmable and Native-AOT
/// compilable without shipping libsodium. Not <see cref="IDisposable"/>: BouncyCastle keeps the key in managed arrays
/// it does not let us wipe, so disposing would promise more than it could deliver.
/// </remarks>
public sealed class SigningKey
{
    /// <summary>Length of an ed25519 seed and of a public key, in bytes.</summary>
    public const int KeyLength = 32;

    /// <summary>Length of an ed25519 signature, in bytes.</summary>
    public const int SignatureLength = 64;

    private readonly Ed25519PrivateKeyParameters _key;
    private readonly byte[] _publicKey;

    private SigningKey(byte[] seed, string keyId)
    {
        _key = new Ed25519PrivateKeyParameters(seed, 0);
        _publicKey = _key.GeneratePublicKey().GetEncoded();
        KeyId = keyId;
        PublicKeyBase64 = UnpaddedBase64.Encode(_publicKey);
    }

    /// <summary>The key ID, e.g. <c>ed25519:a_1</c>.</summary>
    public string KeyId { get; }

    /// <summary>The 32-byte public key in unpadded base64, as published in <c>verify_keys</c>.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>A copy of the 32-byte public key.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "The API the service calls; returns a copy.")]
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>Creates a key from its 32-byte seed.</summary>
    /// <param name="seed32">The RFC 8032 private key (seed).</param>
    /// <param name="keyId">Algorithm and version, e.g. <c>ed25519:a_1</c>; the version must match <c>[a-zA-Z0-9_]+</c>.</param>
    /// <exception cref="ArgumentException">The seed is not 32 bytes or the key ID is not a valid ed25519 key ID.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keyId"/> is null.</exception>
    public static SigningKey FromSeed(ReadOnlySpan<byte> seed32, string keyId)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (seed32.Length != KeyLength)
        {
            throw new ArgumentException($"An ed25519 seed is {KeyLength} bytes, not {seed32.Length}.", nameof(seed32));
        }

        if (!IsValidKeyId(keyId))
        {
            throw new ArgumentException($"\"{keyId}\" is not an ed25519 key ID like \"ed25519:a_1\".", nameof(keyId));
        }

        return new SigningKey(seed32.ToArray(), keyId);
    }

    /// <summary>Creates a key from its seed in (unpadded or padded) base64, the form Synapse's signing key file uses.</summary>
    /// <exception cref="ArgumentException">The text is not base64 of 32 bytes, or the key ID is invalid.</exception>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static SigningKey FromBase64Seed(string seed, string keyId)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (!UnpaddedBase64.TryDecode(seed, out var bytes))
        {
            throw new ArgumentException("The seed is not base64.", nameof(seed));
        }

        return FromSeed(bytes, keyId);
    }

    /// <summary>Whether a key ID is <c>ed25519:</c> followed by a version of <c>[a-zA-Z0-9_]</c> characters.</summary>
    public static bool IsValidKeyId(string? keyId)
    {
        const string prefix = "ed25519:";
        if (keyId is null || !keyId.StartsWith(prefix, StringComparison.Ordinal) || keyId.Length == prefix.Length)
        {
            return false;
        }

        foreach (var c in keyId.AsSpan(prefix.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Signs data; returns the 64-byte signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = new byte[SignatureLength];
        _key.Sign(Ed25519.Algorithm.Ed25519, null, data.ToArray(), 0, data.Length, signature, 0);
        return signature;
    }

    /// <summary>
    /// Checks an ed25519 signature. Returns false, never throws, for a key or signature of the wrong length or a
    /// public key that is not a curve point.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != KeyLength || signature.Length != SignatureLength)
        {
            return false;
        }

        return Ed25519.Verify(signature.ToArray(), 0, publicKey.ToArray(), 0, data.ToArray(), 0, data.Length);
    }

    /// <summary>Whether 32 bytes decode to a point on the curve, i.e. can be used to verify anything at all.</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == KeyLength && Ed25519.ValidatePublicKeyPartial(publicKey.ToArray(), 0);
}
