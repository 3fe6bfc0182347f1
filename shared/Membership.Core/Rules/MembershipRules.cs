using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Core.Rules;

/// <summary>
/// The one function that decides every membership change: <c>(room snapshot, proposed change) -> decision</c>.
/// It applies, in order, the duplicate check Synapse applies, the API-level checks of the client-server endpoints
/// (as Synapse's handlers/room_member.py applies them), then the <c>m.room.member</c> authorization rules of room versions 10 and 11
/// (https://spec.matrix.org/v1.16/rooms/v10/#authorization-rules, rule 4 "If type is m.room.member"). No I/O, no clock.
/// </summary>
public static class MembershipRules
{
    public static Decision Decide(RoomSnapshot room, MembershipChange change)
    {
        ArgumentNullException.ThrowIfNull(room);
        ArgumentNullException.ThrowIfNull(change);

        // Rule 0: a member event without a string content.membership is rejected (it is not a 'leave').
        if (change.Content["membership"] is not JsonValue membership || !membership.TryGetValue(out string? _))
        {
            return Decision.Deny(ErrorCode.BadJson, $"{change.Sender} may not set the membership of {change.Target} in {room.RoomId}: the content has no string 'membership'");
        }

        var current = room.MemberOf(change.Target);
        var from = current?.Membership ?? RoomMembership.Leave;
        var to = change.NewMembership;

        // Repeating exactly the current state (same sender, membership and content) changes nothing: 200, no event.
        // NOTSPEC: this comes before the API checks, so a retried kick or unban whose response was lost is a no-op
        // rather than a 403; Synapse deduplicates only after them.
        if (current is not null && current.Membership == to && current.Sender == change.Sender
            && JsonNode.DeepEquals(current.Content, change.Content))
        {
            return Decision.Unchanged;
        }

        var decision = ApiChecks(room, change, from);
        if (decision.IsDenied)
        {
            return decision;
        }

        decision = AuthRules(room, change, from, to);
        if (decision.IsDenied || to != RoomMembership.Join || from == RoomMembership.Join)
        {
            return decision;
        }

        // NOTSPEC: a room's member cap (Tencent MaxMemberCount) counts every joined member and holds on every surface.
        return room.MaxMembers is { } max && room.JoinedCount >= max
            ? Decision.Forbidden($"{change.Target} may not join {room.RoomId}: the room is full ({room.JoinedCount} of {max} members)")
            : decision;
    }

    /// <summary>Checks of the endpoints themselves, before event auth (Synapse handlers/room_member.py).</summary>
    private static Decision ApiChecks(RoomSnapshot room, MembershipChange change, RoomMembership from)
    {
        var (action, target) = (change.Action, change.Target);
        if (action == MembershipAction.Unban && from != RoomMembership.Ban)
        {
            return Decision.Deny(ErrorCode.BadState, $"Cannot unban {target}: their membership in {room.RoomId} is '{from}', not 'ban'");
        }

        // A banned target can only be banned again, unbanned, or try (and fail) to leave: a kick never unbans.
        if (from == RoomMembership.Ban && action is MembershipAction.Join or MembershipAction.Invite or MembershipAction.Kick or MembershipAction.Knock)
        {
            return Decision.Deny(
                ErrorCode.BadState,
                $"Cannot {ActionVerb(action)} {target}: they are banned from {room.RoomId}, and only an unban lifts a ban");
        }

        if (action == MembershipAction.Kick && from != RoomMembership.Join && from != RoomMembership.Invite && from != RoomMembership.Knock)
        {
            return Decision.Forbidden($"Cannot kick {target}: they are not in {room.RoomId} (membership '{from}')");
        }

        if (action == MembershipAction.Invite && change.Sender == target)
        {
            return Decision.Forbidden($"{change.Sender} cannot invite themselves to {room.RoomId}");
        }

        return Decision.Allow;
    }

    private static Decision AuthRules(RoomSnapshot room, MembershipChange change, RoomMembership from, RoomMembership to)
    {
        // Create-event rule: a room created with "m.federate": false refuses senders of other servers.
        if (!room.Federate && change.Sender.Server != room.Creator.Server)
        {
            return Decision.Forbidden($"{change.Sender} may not change membership in {room.RoomId}: the room does not federate with {change.Sender.Server}");
        }

        if (to == RoomMembership.Join)
        {
            return Join(room, change, from);
        }

        if (to == RoomMembership.Invite)
        {
            return Invite(room, change, from);
        }

        if (to == RoomMembership.Leave)
        {
            return Leave(room, change, from);
        }

        if (to == RoomMembership.Ban)
        {
            return Ban(room, change);
        }

        if (to == RoomMembership.Knock)
        {
            return Knock(room, change, from);
        }

        return Decision.Forbidden($"{change.Sender} may not set the membership of {change.Target} in {room.RoomId} to '{to}': it is not a membership the rules know");
    }

    private static Decision Join(RoomSnapshot room, MembershipChange change, RoomMembership from)
    {
        var (sender, target) = (change.Sender, change.Target);

        // Join 1: the creator's first join, right after the create event.
        if (room.HasOnlyCreateEvent && target == room.Creator && sender == room.Creator)
        {
            return Decision.Allow;
        }

        // Join 2: nobody joins on someone else's behalf.
        if (sender != target)
        {
            return Decision.Forbidden($"{sender} may not join {target} to {room.RoomId}: users can only join themselves");
        }

        // Join 3.
        if (from == RoomMembership.Ban)
        {
            return Decision.Forbidden($"{target} is banned from {room.RoomId}");
        }

        var rule = room.JoinRule;

        // Join 4: invite-only rooms (and knock rooms) need an invite, or an existing join (a profile change).
        if (rule == JoinRule.Invite || rule == JoinRule.Knock)
        {
            return from == RoomMembership.Invite || from == RoomMembership.Join
                ? Decision.Allow
                : Decision.Forbidden($"{target} may not join {room.RoomId}: the join rule is '{rule}' and they have no invite");
        }

        // Join 5: restricted rooms admit members of the allowed rooms, vouched for by a joined user who may invite.
        if (rule == JoinRule.Restricted || rule == JoinRule.KnockRestricted)
        {
            if (from == RoomMembership.Invite || from == RoomMembership.Join)
            {
                return Decision.Allow;
            }

            var via = change.Content["join_authorised_via_users_server"] is JsonValue v && v.TryGetValue(out string? text) ? text : null;
            if (via is not null && UserId.TryParse(via, out var authoriser, out _)
                && room.MembershipOf(authoriser) == RoomMembership.Join && room.LevelOf(authoriser) >= room.PowerLevels.Invite)
            {
                return Decision.Allow;
            }

            return Decision.Forbidden(
                $"{target} may not join {room.RoomId}: the join rule is '{rule}' and they are neither invited nor joined to any of the rooms it allows");
        }

        // Join 6.
        if (rule == JoinRule.Public)
        {
            return Decision.Allow;
        }

        // Join 7: "private" and unknown join rules admit nobody.
        return Decision.Forbidden($"{target} may not join {room.RoomId}: the join rule '{rule}' admits nobody");
    }

    private static Decision Invite(RoomSnapshot room, MembershipChange change, RoomMembership from)
    {
        var (sender, target) = (change.Sender, change.Target);

        // Invite 1: third-party invites need an m.room.third_party_invite this service never issues.
        if (change.Content.ContainsKey("third_party_invite"))
        {
            return Decision.Forbidden($"{sender} may not invite {target} to {room.RoomId} by third-party invite: this server does not support them");
        }

        // Invite 2.
        if (!change.ByServerAdmin && room.MembershipOf(sender) != RoomMembership.Join)
        {
            return Decision.Forbidden($"{sender} may not invite to {room.RoomId}: they are not joined to it");
        }

        // Invite 3.
        if (from == RoomMembership.Join)
        {
            return Decision.Forbidden($"{target} is already in {room.RoomId}");
        }

        if (from == RoomMembership.Ban)
        {
            return Decision.Forbidden($"{target} is banned from {room.RoomId}");
        }

        // Invite 4 and 5.
        var level = room.LevelOf(sender);
        return change.ByServerAdmin || level >= room.PowerLevels.Invite
            ? Decision.Allow
            : Decision.Forbidden($"{sender} may not invite users to {room.RoomId}: inviting needs power level {room.PowerLevels.Invite} and they have {level}");
    }

    private static Decision Leave(RoomSnapshot room, MembershipChange change, RoomMembership from)
    {
        var (sender, target) = (change.Sender, change.Target);

        // Leave 1: leaving, rejecting an invite or withdrawing a knock; a ban or an earlier leave cannot be left.
        if (sender == target)
        {
            return from == RoomMembership.Invite || from == RoomMembership.Join || from == RoomMembership.Knock
                ? Decision.Allow
                : Decision.Forbidden($"{sender} cannot leave {room.RoomId}: their membership is '{from}'");
        }

        if (change.ByServerAdmin)
        {
            return Decision.Allow;
        }

        // Leave 2.
        if (room.MembershipOf(sender) != RoomMembership.Join)
        {
            return Decision.Forbidden($"{sender} may not {(from == RoomMembership.Ban ? "unban" : "kick")} {target}: {sender} is not joined to {room.RoomId}");
        }

        var (senderLevel, targetLevel, levels) = (room.LevelOf(sender), room.LevelOf(target), room.PowerLevels);

        // Leave 3: lifting a ban needs the ban level.
        if (from == RoomMembership.Ban && senderLevel < levels.Ban)
        {
            return Decision.Forbidden($"{sender} may not unban {target} in {room.RoomId}: unbanning needs power level {levels.Ban} and they have {senderLevel}");
        }

        // Leave 4 and 5: the kick level, and strictly more power than the target.
        if (senderLevel >= levels.Kick && targetLevel < senderLevel)
        {
            return Decision.Allow;
        }

        var verb = from == RoomMembership.Ban ? "unban" : "kick";
        return Decision.Forbidden(senderLevel < levels.Kick
            ? $"{sender} may not {verb} {target} in {room.RoomId}: that needs power level {levels.Kick} and they have {senderLevel}"
            : $"{sender} may not {verb} {target} in {room.RoomId}: {target}'s power level {targetLevel} is not below theirs ({senderLevel})");
    }

    private static Decision Ban(RoomSnapshot room, MembershipChange change)
    {
        var (sender, target) = (change.Sender, change.Target);
        if (change.ByServerAdmin)
        {
            return Decision.Allow;
        }

        // Ban 1.
        if (room.MembershipOf(sender) != RoomMembership.Join)
        {
            return Decision.Forbidden($"{sender} may not ban {target}: {sender} is not joined to {room.RoomId}");
        }

        // Ban 2 and 3.
        var (senderLevel, targetLevel, needed) = (room.LevelOf(sender), room.LevelOf(target), room.PowerLevels.Ban);
        if (senderLevel < needed)
        {
            return Decision.Forbidden($"{sender} may not ban users in {room.RoomId}: banning needs power level {needed} and they have {senderLevel}");
        }

        return targetLevel < senderLevel
            ? Decision.Allow
            : Decision.Forbidden($"{sender} may not ban {target} in {room.RoomId}: {target}'s power level {targetLevel} is not below theirs ({senderLevel})");
    }

    private static Decision Knock(RoomSnapshot room, MembershipChange change, RoomMembership from)
    {
        var (sender, target) = (change.Sender, change.Target);

        // Knock 1.
        if (room.JoinRule != JoinRule.Knock && room.JoinRule != JoinRule.KnockRestricted)
        {
            return Decision.Forbidden($"{sender} may not knock on {room.RoomId}: its join rule is '{room.JoinRule}', which does not accept knocks");
        }

        // Knock 2.
        if (sender != target)
        {
            return Decision.Forbidden($"{sender} may not knock on {room.RoomId} on behalf of {target}");
        }

        // Knock 3 and 4.
        if (from == RoomMembership.Ban)
        {
            return Decision.Forbidden($"{target} is banned from {room.RoomId}");
        }

        if (from == RoomMembership.Invite)
        {
            return Decision.Forbidden($"{target} is already invited to {room.RoomId}; join instead of knocking");
        }

        return from == RoomMembership.Join
            ? Decision.Forbidden($"{target} cannot knock on {room.RoomId}: they are already in it")
            : Decision.Allow;
    }

    private static string ActionVerb(MembershipAction action) => action switch
    {
        MembershipAction.Join => "join",
        MembershipAction.Invite => "invite",
        MembershipAction.Kick => "kick",
        MembershipAction.Knock => "knock for",
        _ => action.ToString().ToLowerInvariant(),
    };
}
