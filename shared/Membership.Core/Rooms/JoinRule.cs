namespace Membership.Core.Rooms;

/// <summary>The <c>join_rule</c> of <c>m.room.join_rules</c>; open-ended, so unknown values are kept and deny joins.</summary>
public readonly struct JoinRule : IEquatable<JoinRule>
{
    private readonly string? _value;

    public JoinRule(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    public static JoinRule Public { get; } = new("public");
    public static JoinRule Invite { get; } = new("invite");
    public static JoinRule Knock { get; } = new("knock");
    public static JoinRule Restricted { get; } = new("restricted");
    public static JoinRule KnockRestricted { get; } = new("knock_restricted");
    public static JoinRule Private { get; } = new("private");

    /// <summary>Synapse treats a room without a join rules event as invite-only; so do we.</summary>
    public static JoinRule Default => Invite;

    public bool IsKnown =>
        this == Public || this == Invite || this == Knock || this == Restricted || this == KnockRestricted || this == Private;

    public bool Equals(JoinRule other) => string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is JoinRule other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    public override string ToString() => _value ?? "invite";

    public static bool operator ==(JoinRule left, JoinRule right) => left.Equals(right);

    public static bool operator !=(JoinRule left, JoinRule right) => !left.Equals(right);
}
