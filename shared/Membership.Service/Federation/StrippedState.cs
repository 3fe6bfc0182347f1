using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;

namespace Membership.Service.Federation;

/// <summary>
/// The state an invite carries so the invitee can recognise the room (<c>invite_room_state</c>). Whatever arrives,
/// full PDUs (spec v1.16+) or stripped events, is pruned to the stripped shape clients get: <c>type</c>,
/// <c>state_key</c>, <c>content</c>, <c>sender</c>. It is unsigned and informational only.
/// </summary>
public static class StrippedState
{
    /// <summary>More entries than any room's identifying state needs are dropped rather than stored.</summary>
    public const int MaxEntries = 20;

    /// <summary>
    /// The well-formed entries, pruned; entries of another room (a full PDU naming a different <c>room_id</c>),
    /// entries larger than an event may be, and malformed ones are left out (the spec asks only for a warning for room versions 1 to 11). The request's
    /// X-Matrix signature covers the whole body, so what arrives here has a canonical JSON form.
    /// </summary>
    public static JsonArray Prune(JsonArray? entries, RoomId room)
    {
        var pruned = new JsonArray();
        foreach (var entry in (entries ?? []).OfType<JsonObject>())
        {
            if (pruned.Count == MaxEntries)
            {
                break;
            }

            if (JsonText.TryGetString(entry["type"], out var type) && JsonText.TryGetString(entry["state_key"], out var stateKey)
                && entry["content"] is JsonObject content && JsonText.TryGetString(entry["sender"], out var sender)
                && (entry["room_id"] is null || Json.StringOrNull(entry["room_id"]) == room.Value))
            {
                var stripped = new JsonObject
                {
                    ["type"] = type,
                    ["state_key"] = stateKey,
                    ["content"] = content.DeepClone(),
                    ["sender"] = sender,
                };

                // An entry larger than any event may be came from no event (and would not fit where its name is kept).
                if (CanonicalJson.Encode(stripped).Length <= RoomDraft.MaxPduBytes)
                {
                    pruned.Add((JsonNode)stripped);
                }
            }
        }

        return pruned;
    }

    /// <summary>
    /// The room version the stripped <c>m.room.create</c> states ("1" when its content has none, as the spec reads a
    /// create event without <c>room_version</c>), an empty string when it is not a string, or null without a create entry.
    /// </summary>
    public static string? CreateRoomVersion(JsonArray? entries) =>
        (entries ?? []).OfType<JsonObject>().LastOrDefault(e => Json.StringOrNull(e["type"]) == "m.room.create" && Json.StringOrNull(e["state_key"]) == string.Empty) is { } create
            ? create["content"] is JsonObject content && content["room_version"] is { } version ? Json.StringOrNull(version) ?? string.Empty : "1"
            : null;

    /// <summary>The content of the entry of one type with an empty state key, or null.</summary>
    public static JsonObject? ContentOf(JsonArray state, string type) =>
        state.OfType<JsonObject>().LastOrDefault(e => Json.StringOrNull(e["type"]) == type && Json.StringOrNull(e["state_key"]) == string.Empty)?["content"] as JsonObject;

    /// <summary>The sender of the entry of one type with an empty state key, or null.</summary>
    public static string? SenderOf(JsonArray state, string type) =>
        state.OfType<JsonObject>().LastOrDefault(e => Json.StringOrNull(e["type"]) == type && Json.StringOrNull(e["state_key"]) == string.Empty) is { } entry
            ? Json.StringOrNull(entry["sender"])
            : null;
}
