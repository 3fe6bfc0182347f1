namespace Membership.Core.Rooms;

/// <summary>
/// The <c>membership</c> of an <c>m.room.member</c> event. A string-backed value, because the spec lets
/// unknown values arrive (and the rules must reject them rather than fail to parse them).
/// </summary>
public readonly struct RoomMembership : IEquatable<RoomMembership>
{
    private readonly string? _value;

    public RoomMembership(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    public static RoomMembership Join { get; } = new("join");
    public static RoomMembership Invite { get; } = new("invite");
    public static RoomMembership Leave { get; } = new("leave");
    public static RoomMembership Ban { get; } = new("ban");
    public static RoomMembership Knock { get; } = new("knock");

    /// <summary>True for the five values the spec defines.</summary>
    public bool IsKnown => this == Join || this == Invite || this == Leave || this == Ban || this == Knock;

    // Membership values are case-sensitive on the wire ("JOIN" is not "join").
    public bool Equals(RoomMembership other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is RoomMembership other && Equals(other);

    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value ?? "leave";

    public static bool operator ==(RoomMembership left, RoomMembership right) => left.Equals(right);

    public static bool operator !=(RoomMembership left, RoomMembership right) => !left.Equals(right);
}
