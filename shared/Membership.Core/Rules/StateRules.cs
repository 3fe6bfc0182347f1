using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Core.Rules;

/// <summary>
/// Authorization of the other state events this service accepts: <c>m.room.power_levels</c> (auth rule 10 of room
/// versions 10 and 11) and <c>m.room.join_rules</c> (the general state-event rules: joined sender, required level).
/// </summary>
public static class StateRules
{
    public const string PowerLevelsType = "m.room.power_levels";
    public const string JoinRulesType = "m.room.join_rules";

    /// <summary>Rules 8-9 of every state event: the sender is joined and has the level the event type needs.</summary>
    public static Decision CanSendState(RoomSnapshot room, UserId sender, string eventType)
    {
        ArgumentNullException.ThrowIfNull(room);
        if (room.MembershipOf(sender) != RoomMembership.Join)
        {
            return Decision.Forbidden($"{sender} may not send {eventType} to {room.RoomId}: they are not joined to it");
        }

        var (needed, level) = (room.PowerLevels.RequiredForState(eventType), room.LevelOf(sender));
        return level >= needed
            ? Decision.Allow
            : Decision.Forbidden($"{sender} may not send {eventType} to {room.RoomId}: that needs power level {needed} and they have {level}");
    }

    /// <summary>Rule 10 (a-j): what a sender may change in the power levels, given their own level.</summary>
    public static Decision ChangePowerLevels(RoomSnapshot room, UserId sender, JsonObject newContent)
    {
        ArgumentNullException.ThrowIfNull(room);
        var decision = CanSendState(room, sender, PowerLevelsType);
        if (decision.IsDenied)
        {
            return decision;
        }

        // 10 a-c: integers only, user IDs as keys.
        if (!PowerLevels.TryParse(newContent, out var next, out var error))
        {
            return Decision.Deny(ErrorCode.BadJson, error);
        }

        var (current, own) = (room.PowerLevels, room.LevelOf(sender));

        // 10 e: the scalar levels, each compared as stored (an absent key counts with its default).
        foreach (var key in PowerLevels.ScalarDefaults.Keys)
        {
            if (current.HasScalar(key) == next.HasScalar(key) && current.Scalar(key) == next.Scalar(key))
            {
                continue;
            }

            if ((current.HasScalar(key) && current.Scalar(key) > own) || (next.HasScalar(key) && next.Scalar(key) > own))
            {
                return Decision.Forbidden($"{sender} may not change '{key}' in {room.RoomId}: the old or new value is above their level {own}");
            }
        }

        // 10 f-g: events and notifications.
        foreach (var (name, before, after) in new[] { ("events", current.Events, next.Events), ("notifications", current.Notifications, next.Notifications) })
        {
            var denial = CheckMap(room, sender, name, before, after, own, protectEqual: false);
            if (denial.IsDenied)
            {
                return denial;
            }
        }

        // 10 h-i: users; another user's entry at or above your level cannot be changed or removed.
        return CheckMap(room, sender, "users", current.Users, next.Users, own, protectEqual: true);
    }

    public static Decision ChangeJoinRules(RoomSnapshot room, UserId sender, JsonObject newContent)
    {
        ArgumentNullException.ThrowIfNull(room);
        ArgumentNullException.ThrowIfNull(newContent);
        if (newContent["join_rule"] is not JsonValue value || !value.TryGetValue(out string? rule) || rule is null)
        {
            return Decision.Deny(ErrorCode.BadJson, "m.room.join_rules content needs a string 'join_rule'");
        }

        return CanSendState(room, sender, JoinRulesType);
    }

    private static Decision CheckMap(
        RoomSnapshot room,
        UserId sender,
        string name,
        IReadOnlyDictionary<string, long> before,
        IReadOnlyDictionary<string, long> after,
        long own,
        bool protectEqual)
    {
        foreach (var key in before.Keys.Union(after.Keys, StringComparer.Ordinal))
        {
            var had = before.TryGetValue(key, out var old);
            var has = after.TryGetValue(key, out var now);
            if (had && has && old == now)
            {
                continue;
            }

            // Changed or removed: the old value must be within reach (for users: strictly below, except your own entry).
            var isOwnEntry = protectEqual && key == sender.Value;
            if (had && (protectEqual && !isOwnEntry ? old >= own : old > own))
            {
                return Decision.Forbidden($"{sender} may not change {name}['{key}'] in {room.RoomId}: its level {old} is not below theirs ({own})");
            }

            // Added or changed: nobody grants more than they have.
            if (has && now > own)
            {
                return Decision.Forbidden($"{sender} may not set {name}['{key}'] to {now} in {room.RoomId}: that is above their own level {own}");
            }
        }

        return Decision.Allow;
    }
}
