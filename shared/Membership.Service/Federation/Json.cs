using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Protocols;

namespace Membership.Service.Federation;

/// <summary>Reading fields of untrusted federation JSON without throwing.</summary>
internal static class Json
{
    public static string? StringOrNull(JsonNode? node) => JsonText.TryGetString(node, out var text) ? text : null;

    /// <summary>A JSON integer of milliseconds since the epoch, within what <see cref="DateTimeOffset"/> can hold.</summary>
    public static bool TryGetMillis(JsonNode? node, out DateTimeOffset time)
    {
        time = default;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue(out long millis)
            || millis < 0 || millis > 253402300799999)
        {
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        return true;
    }
}
