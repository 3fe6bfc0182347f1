using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Membership.Protocols.Tests.Properties;

/// <summary>FsCheck generators for arbitrary JSON trees that have a canonical form.</summary>
internal static class JsonGenerators
{
    /// <summary>
    /// Any Unicode scalar value, weighted towards the characters the writer treats specially: controls, quote,
    /// backslash, U+007F, U+2028, U+FEFF, the U+E000..U+FFFF block and supplementary characters.
    /// </summary>
    public static Gen<int> CodePoints { get; } = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E)),
        (2, Gen.Choose(0x00, 0x1F)),
        (2, Gen.Elements(0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029, 0xFEFF, 0xFF01, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF)),
        (2, Gen.Choose(0x80, 0xD7FF)),
        (1, Gen.Choose(0xE000, 0xFFFF)),
        (2, Gen.Choose(0x10000, 0x10FFFF)));

    public static Gen<string> Strings { get; } =
        CodePoints.ListOf().Select(codePoints => string.Concat(codePoints.Select(char.ConvertFromUtf32)));

    /// <summary>Short keys collide often enough to exercise ordering of common prefixes.</summary>
    public static Gen<string> Keys { get; } = Gen.Frequency(
        (3, Strings),
        (2, Gen.Elements("a", "b", "A", "_", "aa", "ab", "a1", "\uFF01", "😀", "\uE000", "日", "本", "")));

    /// <summary>Integers anywhere in [-(2^53)+1, 2^53-1], with the boundaries and small values over-represented.</summary>
    public static Gen<long> SafeIntegers { get; } = Gen.Frequency(
        (3, Gen.Choose(-1000, 1000).Select(i => (long)i)),
        (1, Gen.Elements(CanonicalJson.MinSafeInteger, CanonicalJson.MaxSafeInteger, 0L, -1L, int.MaxValue + 1L)),
        (3, from high in Gen.Choose(0, (1 << 22) - 1)
            from low in Gen.Choose(0, int.MaxValue)
            from negative in Gen.Elements(true, false)
            let magnitude = ((long)high << 31) + low
            select negative ? -magnitude : magnitude));

    public static Gen<JsonNode?> Nodes { get; } = Gen.Sized(NodeOfSize);

    public static Gen<JsonObject> Objects { get; } = Gen.Sized(ObjectOfSize);

    /// <summary>Objects to sign: no top-level <c>signatures</c>, sometimes an <c>unsigned</c> member.</summary>
    public static Gen<JsonObject> SignableObjects { get; } =
        from obj in Objects
        from unsigned in Gen.OneOf(Gen.Constant<JsonNode?>(null), Nodes.Resize(3))
        from hasUnsigned in Gen.Elements(true, false)
        select Signable(obj, hasUnsigned, unsigned);

    private static Gen<JsonNode?> Leaves { get; } = Gen.Frequency(
        (1, Gen.Constant<JsonNode?>(null)),
        (1, Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b))),
        (3, SafeIntegers.Select(i => (JsonNode?)JsonValue.Create(i))),
        (3, Strings.Select(s => (JsonNode?)JsonValue.Create(s))));

    private static Gen<JsonNode?> NodeOfSize(int size) => size <= 1
        ? Leaves
        : Gen.Frequency(
            (3, Leaves),
            (1, ObjectOfSize(size).Select(o => (JsonNode?)o)),
            (1, ArrayOfSize(size).Select(a => (JsonNode?)a)));

    private static Gen<JsonObject> ObjectOfSize(int size) =>
        from count in Gen.Choose(0, Math.Min(size, 6))
        from members in Gen.Zip(Keys, NodeOfSize(size / 2)).ListOf(count)
        select ToObject(members);

    private static Gen<JsonArray> ArrayOfSize(int size) =>
        from count in Gen.Choose(0, Math.Min(size, 6))
        from items in NodeOfSize(size / 2).ListOf(count)
        select new JsonArray([.. items]);

    private static JsonObject ToObject(IEnumerable<(string Key, JsonNode? Value)> members)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in members)
        {
            obj[key] = value;
        }

        return obj;
    }

    private static JsonObject Signable(JsonObject obj, bool hasUnsigned, JsonNode? unsigned)
    {
        obj.Remove("signatures");
        obj.Remove("unsigned");
        if (hasUnsigned)
        {
            obj["unsigned"] = unsigned;
        }

        return obj;
    }
}
