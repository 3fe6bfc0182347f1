namespace Membership.Functions.Admin;

/// <summary>
/// The admin surface's error codes (Tencent's Room Engine and REST API codes; docs/api.md, "Errors"). Every outcome is HTTP 200; the code in the envelope
/// is the result. This is the surface's one table of codes.
/// </summary>
internal static class TencentCodes
{
    public const int Ok = 0;
    public const int BadHttpRequest = 60002;
    public const int BadJson = 60003;
    public const int BadCredentials = 60004;
    public const int InvalidSdkAppId = 60006;
    public const int RateLimited = 60007;
    public const int UnknownResource = 60009;
    public const int NotAnAdmin = 60010;
    public const int MissingSdkAppId = 60012;
    public const int UserSigExpired = 70001;
    public const int UserSigEmpty = 70002;
    public const int UserSigInvalid = 70003;
    public const int UserSigKeyMismatch = 70009;
    public const int UserSigIdentifierMismatch = 70013;
    public const int UserSigSdkAppIdMismatch = 70014;
    public const int InternalError = 100001;
    public const int InvalidParameter = 100002;
    public const int RoomExists = 100003;
    public const int RoomNotFound = 100004;
    public const int NotAMember = 100005;
    public const int NoPermission = 100006;
    public const int CallbackNotFound = 100301;
}

/// <summary>The admin surface's one error type: a Tencent code and its ErrorInfo.</summary>
internal sealed class TencentException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public TencentException()
        : this(TencentCodes.InternalError, "internal error")
    {
    }

    public TencentException(string message)
        : this(TencentCodes.InternalError, message)
    {
    }

    public TencentException(string message, Exception innerException)
        : this(TencentCodes.InternalError, message + ": " + innerException?.Message)
    {
    }

    public static TencentException InvalidParameter(string message) => new(TencentCodes.InvalidParameter, message);
}
