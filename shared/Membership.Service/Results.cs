using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Service;

public enum ChangeStatus
{
    /// <summary>Committed: new events in the room's log.</summary>
    Changed,

    /// <summary>The request repeated the current state: success, nothing written.</summary>
    Unchanged,

    /// <summary>The rules refused at least one part; nothing was written.</summary>
    Denied,

    RoomNotFound,
}

/// <summary>Why one part of a change was refused.</summary>
public sealed record Denial(UserId Target, ErrorCode Code, string Message);

public sealed record ChangeResult(ChangeStatus Status, IReadOnlyList<string> EventIds, IReadOnlyList<Denial> Denials)
{
    public static ChangeResult NotFound { get; } = new(ChangeStatus.RoomNotFound, [], []);

    public Denial FirstDenial => Denials[0];
}

/// <summary>A refusal of a whole request by the service (bad input it can only judge with the room at hand).</summary>
public sealed class MembershipException(ErrorCode code, string message) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public MembershipException()
        : this(ErrorCode.Unknown, "membership request failed")
    {
    }

    public MembershipException(string message)
        : this(ErrorCode.Unknown, message)
    {
    }

    public MembershipException(string message, Exception innerException)
        : this(ErrorCode.Unknown, message + ": " + innerException?.Message)
    {
    }
}
