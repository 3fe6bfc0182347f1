namespace Membership.Protocols;

/// <summary>
/// The outcome of checking a received event (server-server API "Checks performed on receipt of a PDU", steps 3 and 4):
/// the origin's signature over the redacted event first, then the content hash.
/// </summary>
public enum EventCheck
{
    /// <summary>The signature verifies and <c>hashes.sha256</c> matches the event.</summary>
    Valid,

    /// <summary>The event carries no signature from that server and key ID. Drop the event.</summary>
    SignatureMissing,

    /// <summary>The signature (or the <c>signatures</c> member) is not well formed. Drop the event.</summary>
    SignatureMalformed,

    /// <summary>The signature does not verify over the redacted event. Drop the event.</summary>
    SignatureInvalid,

    /// <summary>The key ID's algorithm is not <c>ed25519</c>.</summary>
    UnsupportedAlgorithm,

    /// <summary>The public key is not 32 bytes or not a point on the curve.</summary>
    InvalidPublicKey,

    /// <summary>The event has no canonical JSON form (a float or an out-of-range integer, say).</summary>
    NotCanonical,

    /// <summary>The signature verifies but there is no <c>hashes.sha256</c> string. Treat as <see cref="HashMismatch"/>.</summary>
    HashMissing,

    /// <summary>
    /// The signature verifies but the content hash does not match: the spec says to continue with the redacted event.
    /// </summary>
    HashMismatch,
}
