using Azure;

namespace Membership.Storage;

/// <summary>
/// The <c>room</c> row of a room's partition. Its ETag serialises every change to the room: a change rewrites it
/// with <c>If-Match</c>, in the same transaction as the member and event rows.
/// </summary>
public sealed record RoomHead
{
    public required string RoomId { get; init; }
    public required string RoomVersion { get; init; }
    public required string Creator { get; init; }
    public bool Federate { get; init; } = true;

    /// <summary>Content of the current <c>m.room.join_rules</c> event (JSON).</summary>
    public required string JoinRulesContent { get; init; }

    /// <summary>Content of the current <c>m.room.power_levels</c> event (JSON).</summary>
    public required string PowerLevelsContent { get; init; }

    public string? Name { get; init; }
    public string? Alias { get; init; }

    /// <summary>Sequence number of the last event in the room's log (the log is a single chain, 1-based).</summary>
    public long Seq { get; init; }

    public required string LastEventId { get; init; }
    public required string CreateEventId { get; init; }
    public required string PowerLevelsEventId { get; init; }
    public required string JoinRulesEventId { get; init; }
    public int JoinedCount { get; init; }
    public int InvitedCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? DestroyedAt { get; init; }
    public int? MaxMembers { get; init; }

    /// <summary>Settings of the admin surface (Tencent RoomInfo fields) as JSON; opaque to the membership rules.</summary>
    public string? AdminInfo { get; init; }

    public ETag ETag { get; init; }
}

/// <summary>A <c>member:{user}</c> row: the user's current membership and the event that set it.</summary>
public sealed record MemberRecord
{
    public required string UserId { get; init; }
    public required string Membership { get; init; }
    public required string Sender { get; init; }
    public required string EventId { get; init; }
    public long Seq { get; init; }
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Content of the member event (JSON).</summary>
    public required string Content { get; init; }

    public DateTimeOffset? BanExpiresAt { get; init; }

    /// <summary>Admin-surface member fields (NameCard, CustomInfo, Role) as JSON.</summary>
    public string? AdminInfo { get; init; }

    /// <summary>Set once the user has forgotten the room after leaving it.</summary>
    public bool Forgotten { get; init; }
}

/// <summary>An <c>event:{seq}</c> row: one signed PDU of the room's log. The log is also the webhook outbox.</summary>
public sealed record EventRecord
{
    public long Seq { get; init; }
    public required string EventId { get; init; }
    public required string Type { get; init; }
    public string? StateKey { get; init; }
    public required string Sender { get; init; }

    /// <summary>The full signed PDU as canonical JSON (UTF-8).</summary>
    public required byte[] Pdu { get; init; }

    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The first sequence number of the change this event belongs to (a 20-member kick is one change).</summary>
    public long ChangeSeq { get; init; }

    /// <summary>What produced the change: "client", "admin", "federation".</summary>
    public required string Surface { get; init; }

    /// <summary>The API action (join, kick, ban, create_room, ...), for callbacks.</summary>
    public required string Action { get; init; }
}

/// <summary>A row of the per-user index: the user's membership in one room, as of event <see cref="Seq"/>.</summary>
public sealed record UserRoomRecord(string UserId, string RoomId, string Membership, long Seq);

/// <summary>An issued access token, stored by the SHA-256 of the token; the token itself is never stored.</summary>
public sealed record TokenRecord(string TokenHash, string UserId, DateTimeOffset ExpiresAt);

/// <summary>Everything one change writes to a room partition, submitted as one entity-group transaction.</summary>
public sealed record RoomCommit(RoomHead Head, IReadOnlyList<MemberRecord> Members, IReadOnlyList<EventRecord> Events)
{
    /// <summary>A new room: the head is inserted rather than updated against its ETag.</summary>
    public bool IsCreate { get; init; }
}

/// <summary>A room's head with the member rows that were asked for.</summary>
public sealed record RoomRead(RoomHead Head, IReadOnlyDictionary<string, MemberRecord> Members);
