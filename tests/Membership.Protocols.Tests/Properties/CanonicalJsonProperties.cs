using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Membership.Protocols.Tests.Properties;

public class CanonicalJsonProperties
{
    [Property(MaxTest = 300)]
    public Property CanonicalJsonIsIdempotent() => Prop.ForAll(JsonGenerators.Nodes.ToArbitrary(), node =>
    {
        var first = CanonicalJson.Encode(node);
        var fromNode = CanonicalJson.Encode(JsonNode.Parse(first));
        using var document = JsonDocument.Parse(first);
        var fromElement = CanonicalJson.Encode(document.RootElement);
        var fromText = CanonicalJson.Canonicalize(first);

        return first.AsSpan().SequenceEqual(fromNode) && first.AsSpan().SequenceEqual(fromElement) && first.AsSpan().SequenceEqual(fromText);
    });

    [Property(MaxTest = 300)]
    public Property CanonicalJsonPreservesTheValue() => Prop.ForAll(JsonGenerators.Nodes.ToArbitrary(), node =>
        JsonNode.DeepEquals(node, JsonNode.Parse(CanonicalJson.Encode(node))));

    [Property(MaxTest = 300)]
    public Property CanonicalJsonWritesKeysInUtf8ByteOrder() => Prop.ForAll(JsonGenerators.Objects.ToArbitrary(), obj =>
    {
        using var document = JsonDocument.Parse(CanonicalJson.Encode(obj));
        return KeysAscend(document.RootElement);
    });

    [Property(MaxTest = 300)]
    public Property CanonicalJsonEscapesStringsExactlyAsTheSpecSays() => Prop.ForAll(JsonGenerators.Strings.ToArbitrary(), text =>
        Encoding.UTF8.GetString(CanonicalJson.Encode(JsonValue.Create(text))) == SpecEscape(text));

    [Property(MaxTest = 300)]
    public Property CanonicalJsonWritesEveryIntegerInTheSafeRangeAsDigits() => Prop.ForAll(JsonGenerators.SafeIntegers.ToArbitrary(), value =>
    {
        var expected = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetString(CanonicalJson.Encode(JsonValue.Create(value))) == expected
            && Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(expected + ".000e0"))) == expected;
    });

    [Property]
    public Property CanonicalJsonRejectsNonIntegralNumbers() => Prop.ForAll(
        Gen.Zip(JsonGenerators.SafeIntegers, Gen.Choose(1, 999)).ToArbitrary(),
        pair =>
        {
            var text = $"{pair.Item1}.{pair.Item2:000}";
            return !CanonicalJson.TryEncode(JsonNode.Parse(text), out _, out _);
        });

    private static bool KeysAscend(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Select(p => Encoding.UTF8.GetBytes(p.Name)).Zip(element.EnumerateObject().Skip(1).Select(p => Encoding.UTF8.GetBytes(p.Name)))
                .All(pair => pair.First.AsSpan().SequenceCompareTo(pair.Second) < 0)
            && element.EnumerateObject().All(p => KeysAscend(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().All(KeysAscend),
        _ => true,
    };

    /// <summary>The appendix's string grammar, character by character: an independent oracle for the writer.</summary>
    private static string SpecEscape(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\f' => "\\f",
                '\r' => "\\r",
                < ' ' => "\\u00" + ((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
