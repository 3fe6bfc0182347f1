using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Service;

/// <summary>A new room, already validated at the edge (Matrix createRoom or the admin create_room).</summary>
public sealed record CreateRoomSpec(UserId Creator, string Surface)
{
    public const string DefaultRoomVersion = "10";

    /// <summary>The room versions this server creates and serves (the rules implement 10 and 11).</summary>
    public static IReadOnlySet<string> SupportedVersions { get; } = new HashSet<string>(StringComparer.Ordinal) { "10", "11" };

    /// <summary>A fixed ID (the admin surface's RoomId); otherwise one is generated.</summary>
    public RoomId? RoomId { get; init; }

    public string RoomVersion { get; init; } = DefaultRoomVersion;

    public JoinRule JoinRule { get; init; } = JoinRule.Invite;

    /// <summary>The <c>invite</c> power level (Synapse: 50 for public_chat, 0 for the private presets).</summary>
    public long InviteLevel { get; init; }

    /// <summary>Applied over the default power levels, key by key (Matrix <c>power_level_content_override</c>).</summary>
    public JsonObject? PowerLevelOverride { get; init; }

    /// <summary>Extra power levels for users (trusted_private_chat invitees, admin-surface roles).</summary>
    public IReadOnlyDictionary<UserId, long> ExtraUserLevels { get; init; } = new Dictionary<UserId, long>();

    /// <summary>Keys added to the create event's content (<c>m.federate</c>, <c>type</c>, ...).</summary>
    public JsonObject? CreationContent { get; init; }

    public string? Name { get; init; }

    public RoomAlias? Alias { get; init; }

    public IReadOnlyList<UserId> Invites { get; init; } = [];

    public bool IsDirect { get; init; }

    public string HistoryVisibility { get; init; } = "shared";

    public int? MaxMembers { get; init; }

    public string? AdminInfo { get; init; }
}
