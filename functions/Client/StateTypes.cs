using Membership.Core.Rules;

namespace Membership.Functions.Client;

/// <summary>The state types this server serves through the state endpoints; others get a clear 4xx.</summary>
internal static class StateTypes
{
    public const string Member = "m.room.member";

    public static void RequireServed(string eventType, string stateKey)
    {
        if (eventType == Member)
        {
            return;
        }

        if (eventType is not (StateRules.PowerLevelsType or StateRules.JoinRulesType))
        {
            throw MatrixException.NotFound($"This server serves only m.room.member, m.room.power_levels and m.room.join_rules state, not {eventType}");
        }

        if (stateKey.Length > 0)
        {
            throw MatrixException.NotFound($"{eventType} has only the empty state key");
        }
    }
}
