namespace Membership.Protocols;

/// <summary>What verifying a Tencent UserSig found, in the order the checks run (as Tencent's TLSSigAPIv2 libraries run them).</summary>
public enum UserSigOutcome
{
    /// <summary>The UserSig is genuine, current and for this app and user.</summary>
    Valid,

    /// <summary>The UserSig is null or empty (Tencent 70002).</summary>
    Empty,

    /// <summary>The outer Tencent base64 does not decode (70003, the "truncated" case).</summary>
    GarbledEncoding,

    /// <summary>The decoded bytes are not a zlib (RFC 1950) stream, or inflate to more than a UserSig can hold (70003).</summary>
    BadZlib,

    /// <summary>The inflated bytes are not a JSON object with the TLS.* fields of the right types (70003).</summary>
    BadJson,

    /// <summary>
    /// <c>TLS.ver</c> is missing or not <c>"2.0"</c>, e.g. a signature from the old asymmetric v1 scheme (70009, the
    /// code Tencent gives for mixing the two schemes).
    /// </summary>
    WrongVersion,

    /// <summary><c>TLS.sdkappid</c> is not this app's SDKAppID (70014).</summary>
    SdkAppIdMismatch,

    /// <summary><c>TLS.identifier</c> is not the user the request names (70013).</summary>
    IdentifierMismatch,

    /// <summary>The current time is after <c>TLS.time + TLS.expire</c> (70001).</summary>
    Expired,

    /// <summary>The userbuf is present when none was expected, absent when one was, or different (70003).</summary>
    UserbufMismatch,

    /// <summary>
    /// The HMAC does not match: the wrong key, or edited fields (70003 by default; an admin surface may answer 70009,
    /// "the key does not match the SDKAppID").
    /// </summary>
    SignatureMismatch,
}

/// <summary>The result of <see cref="UserSig.Verify"/>.</summary>
/// <param name="Outcome">What the verification found.</param>
public readonly record struct UserSigCheck(UserSigOutcome Outcome)
{
    /// <summary>Whether the UserSig is valid.</summary>
    public bool IsValid => Outcome == UserSigOutcome.Valid;

    /// <summary>Tencent's error code for the outcome (its REST API error codes), 0 when valid.</summary>
    public int TencentErrorCode => ErrorCodeFor(Outcome);

    /// <summary>Tencent's error code for an outcome, 0 for <see cref="UserSigOutcome.Valid"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined outcome.</exception>
    public static int ErrorCodeFor(UserSigOutcome outcome) => outcome switch
    {
        UserSigOutcome.Valid => 0,
        UserSigOutcome.Empty => 70002,
        UserSigOutcome.Expired => 70001,
        UserSigOutcome.IdentifierMismatch => 70013,
        UserSigOutcome.SdkAppIdMismatch => 70014,
        UserSigOutcome.WrongVersion => 70009,
        UserSigOutcome.GarbledEncoding or UserSigOutcome.BadZlib or UserSigOutcome.BadJson
            or UserSigOutcome.UserbufMismatch or UserSigOutcome.SignatureMismatch => 70003,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not a UserSig outcome."),
    };
}
