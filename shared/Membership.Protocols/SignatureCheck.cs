namespace Membership.Protocols;

/// <summary>The outcome of checking one signature on a signed JSON object (Matrix appendix "Checking for a Signature").</summary>
public enum SignatureCheck
{
    /// <summary>The signature is present and verifies.</summary>
    Valid,

    /// <summary>There is no <c>signatures[entity][keyId]</c>.</summary>
    Missing,

    /// <summary>
    /// The signature is not an unpadded-base64 string of 64 bytes, or <c>signatures</c> (or its entry for the entity)
    /// is not an object.
    /// </summary>
    Malformed,

    /// <summary>The signature is well formed but does not verify: the signed bytes changed or another key signed them.</summary>
    Invalid,

    /// <summary>The key ID's algorithm is not <c>ed25519</c>; the spec says to ignore such signatures.</summary>
    UnsupportedAlgorithm,

    /// <summary>The public key is not 32 bytes or not a point on the curve.</summary>
    InvalidPublicKey,

    /// <summary>The object (without <c>signatures</c> and <c>unsigned</c>) has no canonical JSON form.</summary>
    NotCanonical,
}
