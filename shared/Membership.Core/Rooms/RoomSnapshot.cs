using Membership.Core.Identifiers;

namespace Membership.Core.Rooms;

/// <summary>
/// What the rules need to know about a room to decide one change: its settings and the current member state of the
/// users the change involves (sender, targets, an authorising user). A user absent from <see cref="Members"/> has no
/// member event; the rules then treat them as <c>leave</c>, as the spec says.
/// </summary>
public sealed record RoomSnapshot(
    RoomId RoomId,
    string RoomVersion,
    UserId Creator,
    bool Federate,
    JoinRule JoinRule,
    IReadOnlyList<RoomId> AllowRooms,
    PowerLevels PowerLevels,
    IReadOnlyDictionary<UserId, MemberState> Members,
    int JoinedCount,
    int? MaxMembers = null)
{
    /// <summary>A room whose only event so far is its create event (the creator's first join is allowed then).</summary>
    public bool HasOnlyCreateEvent { get; init; }

    public MemberState? MemberOf(UserId user) => Members.TryGetValue(user, out var state) ? state : null;

    public RoomMembership MembershipOf(UserId user) => MemberOf(user)?.Membership ?? RoomMembership.Leave;

    public long LevelOf(UserId user) => PowerLevels.LevelOf(user);
}
