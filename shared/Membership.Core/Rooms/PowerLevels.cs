using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;

namespace Membership.Core.Rooms;

/// <summary>
/// The content of <c>m.room.power_levels</c>, read with the spec defaults for absent keys. Room versions 10 and 11
/// accept integers only. The original content is kept so unknown keys survive a round trip.
/// </summary>
public sealed class PowerLevels
{
    public const long MinLevel = -9007199254740991;
    public const long MaxLevel = 9007199254740991;

    /// <summary>The scalar keys with their spec defaults (the client-server spec, <c>m.room.power_levels</c>).</summary>
    public static IReadOnlyDictionary<string, long> ScalarDefaults { get; } = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["ban"] = 50,
        ["kick"] = 50,
        ["invite"] = 0,
        ["redact"] = 50,
        ["state_default"] = 50,
        ["events_default"] = 0,
        ["users_default"] = 0,
    };

    private readonly Dictionary<string, long> _scalars;

    private PowerLevels(JsonObject content, Dictionary<string, long> scalars, Dictionary<string, long> users, Dictionary<string, long> events, Dictionary<string, long> notifications)
    {
        Content = content;
        _scalars = scalars;
        Users = users;
        Events = events;
        Notifications = notifications;
    }

    public JsonObject Content { get; }

    public long Ban => Scalar("ban");
    public long Kick => Scalar("kick");
    public long Invite => Scalar("invite");
    public long Redact => Scalar("redact");
    public long StateDefault => Scalar("state_default");
    public long EventsDefault => Scalar("events_default");
    public long UsersDefault => Scalar("users_default");

    public IReadOnlyDictionary<string, long> Users { get; }
    public IReadOnlyDictionary<string, long> Events { get; }
    public IReadOnlyDictionary<string, long> Notifications { get; }

    public long Scalar(string key) => _scalars.TryGetValue(key, out var value) ? value : ScalarDefaults[key];

    /// <summary>Whether the content names this scalar explicitly (absent keys take their defaults).</summary>
    public bool HasScalar(string key) => _scalars.ContainsKey(key);

    public long LevelOf(UserId user) => Users.TryGetValue(user.Value, out var level) ? level : UsersDefault;

    /// <summary>The level needed to send a state event of this type.</summary>
    public long RequiredForState(string eventType) => Events.TryGetValue(eventType, out var level) ? level : StateDefault;

    /// <summary>
    /// The power levels a new room gets, as Synapse writes them (every key explicit). Presets lower <c>invite</c>
    /// to 0 for private rooms.
    /// </summary>
    public static JsonObject DefaultContent(UserId creator, long invite) => new()
    {
        ["users"] = new JsonObject { [creator.Value] = 100 },
        ["users_default"] = 0,
        ["events"] = new JsonObject
        {
            ["m.room.name"] = 50,
            ["m.room.power_levels"] = 100,
            ["m.room.history_visibility"] = 100,
            ["m.room.canonical_alias"] = 50,
            ["m.room.avatar"] = 50,
            ["m.room.tombstone"] = 100,
            ["m.room.server_acl"] = 100,
            ["m.room.encryption"] = 100,
        },
        ["events_default"] = 0,
        ["state_default"] = 50,
        ["ban"] = 50,
        ["kick"] = 50,
        ["redact"] = 50,
        ["invite"] = invite,
    };

    public static PowerLevels Parse(JsonObject content) =>
        TryParse(content, out var levels, out var error) ? levels : throw new FormatException(error);

    /// <summary>Validates the content as auth rule 10 (a-c) of room versions 10 and 11 does: integers only, user IDs as keys.</summary>
    public static bool TryParse(JsonObject content, [NotNullWhen(true)] out PowerLevels? levels, [NotNullWhen(false)] out string? error)
    {
        levels = null;
        var scalars = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in ScalarDefaults.Keys)
        {
            if (!content.TryGetPropertyValue(key, out var node))
            {
                continue;
            }

            if (!TryInteger(node, out var value))
            {
                error = $"power level '{key}' must be an integer between -(2^53)+1 and 2^53-1";
                return false;
            }

            scalars[key] = value;
        }

        if (!TryIntegerMap(content, "events", key => true, out var events, out error)
            || !TryIntegerMap(content, "notifications", key => true, out var notifications, out error)
            || !TryIntegerMap(content, "users", key => UserId.TryParse(key, out _, out _), out var users, out error))
        {
            return false;
        }

        levels = new PowerLevels(content, scalars, users, events, notifications);
        return true;
    }

    private static bool TryIntegerMap(
        JsonObject content,
        string name,
        Func<string, bool> validKey,
        out Dictionary<string, long> map,
        [NotNullWhen(false)] out string? error)
    {
        map = new Dictionary<string, long>(StringComparer.Ordinal);
        error = null;
        if (!content.TryGetPropertyValue(name, out var node))
        {
            return true;
        }

        if (node is not JsonObject obj)
        {
            error = $"power levels '{name}' must be an object";
            return false;
        }

        foreach (var (key, value) in obj)
        {
            if (!validKey(key))
            {
                error = $"power levels '{name}' has an invalid key '{key}'";
                return false;
            }

            if (!TryInteger(value, out var level))
            {
                error = $"power levels '{name}.{key}' must be an integer between -(2^53)+1 and 2^53-1";
                return false;
            }

            map[key] = level;
        }

        return true;
    }

    /// <summary>
    /// A JSON number that is an integer in the canonical-JSON range; strings and floats are refused (v10+). Parsed JSON
    /// must be an integer literal: <c>50.0</c> and <c>1e2</c> are floats to other servers (canonical JSON has none).
    /// Values built in code may be <see cref="int"/> or <see cref="long"/>.
    /// </summary>
    public static bool TryInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue json || json.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (json.TryGetValue(out JsonElement element))
        {
            if (element.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') >= 0 || !element.TryGetInt64(out value))
            {
                return false;
            }
        }
        else if (json.TryGetValue(out long asLong))
        {
            value = asLong;
        }
        else if (json.TryGetValue(out int asInt))
        {
            value = asInt;
        }
        else
        {
            return false;
        }

        return value is >= MinLevel and <= MaxLevel;
    }
}
