using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Membership.Protocols;

/// <summary>Reading strings out of untrusted JSON without throwing.</summary>
public static class JsonText
{
    /// <summary>A JSON string, also for parsed values holding escaped lone surrogates (which are refused, not thrown).</summary>
    public static bool TryGetString(JsonNode? node, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            return value.TryGetValue(out text) && text is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
