using System.Text.Json.Nodes;
using Membership.Core.Identifiers;

namespace Membership.Core.Rooms;

/// <summary>A user's current <c>m.room.member</c> state in a room.</summary>
/// <param name="BanExpiresAt">For a timed ban (Tencent <c>ban_room_member</c> with <c>Duration</c>): when it ends by itself.</param>
public sealed record MemberState(
    UserId User,
    RoomMembership Membership,
    UserId Sender,
    JsonObject Content,
    string EventId,
    long Sequence,
    DateTimeOffset OriginServerTs,
    DateTimeOffset? BanExpiresAt = null)
{
    public string? Reason => Content["reason"] is JsonValue v && v.TryGetValue(out string? reason) ? reason : null;

    public string? DisplayName => Content["displayname"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;

    public string? AvatarUrl => Content["avatar_url"] is JsonValue v && v.TryGetValue(out string? url) ? url : null;
}
