using Membership.Core.Rooms;

namespace Membership.Core.Rules;

public enum DecisionKind
{
    /// <summary>The change is allowed and produces a new event.</summary>
    Allowed,

    /// <summary>The change repeats the current state exactly: answer success, write nothing.</summary>
    Unchanged,

    Denied,
}

/// <summary>The outcome of the rules: allowed, unchanged (an idempotent repeat), or denied with an errcode and a reason.</summary>
public readonly record struct Decision(DecisionKind Kind, ErrorCode Code, string Message)
{
    public static Decision Allow { get; } = new(DecisionKind.Allowed, default, string.Empty);

    public static Decision Unchanged { get; } = new(DecisionKind.Unchanged, default, string.Empty);

    public bool IsDenied => Kind == DecisionKind.Denied;

    public static Decision Deny(ErrorCode code, string message) => new(DecisionKind.Denied, code, message);

    public static Decision Forbidden(string message) => Deny(ErrorCode.Forbidden, message);
}
