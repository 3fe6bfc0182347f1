namespace Membership.Core.Rooms;

/// <summary>
/// A Matrix errcode (<c>M_FORBIDDEN</c>, ...). String-backed: the spec and servers add codes over time. The HTTP status
/// for each lives in the client-server surface's one table, not here.
/// </summary>
public readonly struct ErrorCode : IEquatable<ErrorCode>
{
    private readonly string? _value;

    public ErrorCode(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    public static ErrorCode Forbidden { get; } = new("M_FORBIDDEN");
    public static ErrorCode BadState { get; } = new("M_BAD_STATE");
    public static ErrorCode NotFound { get; } = new("M_NOT_FOUND");
    public static ErrorCode BadJson { get; } = new("M_BAD_JSON");
    public static ErrorCode NotJson { get; } = new("M_NOT_JSON");
    public static ErrorCode MissingParam { get; } = new("M_MISSING_PARAM");
    public static ErrorCode InvalidParam { get; } = new("M_INVALID_PARAM");
    public static ErrorCode MissingToken { get; } = new("M_MISSING_TOKEN");
    public static ErrorCode UnknownToken { get; } = new("M_UNKNOWN_TOKEN");
    public static ErrorCode Unrecognized { get; } = new("M_UNRECOGNIZED");
    public static ErrorCode Unknown { get; } = new("M_UNKNOWN");
    public static ErrorCode LimitExceeded { get; } = new("M_LIMIT_EXCEEDED");
    public static ErrorCode TooLarge { get; } = new("M_TOO_LARGE");
    public static ErrorCode RoomInUse { get; } = new("M_ROOM_IN_USE");
    public static ErrorCode UnsupportedRoomVersion { get; } = new("M_UNSUPPORTED_ROOM_VERSION");
    public static ErrorCode IncompatibleRoomVersion { get; } = new("M_INCOMPATIBLE_ROOM_VERSION");
    public static ErrorCode Unauthorized { get; } = new("M_UNAUTHORIZED");

    public bool Equals(ErrorCode other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ErrorCode other && Equals(other);

    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value ?? "M_UNKNOWN";

    public static bool operator ==(ErrorCode left, ErrorCode right) => left.Equals(right);

    public static bool operator !=(ErrorCode left, ErrorCode right) => !left.Equals(right);
}
