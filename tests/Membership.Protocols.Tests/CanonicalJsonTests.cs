using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

public class CanonicalJsonTests
{
    // Every example of the spec appendix's canonical JSON section, input -> canonical output.
    public static TheoryData<string, string> SpecExamples => new()
    {
        { "{}", "{}" },
        { """{"one": 1, "two": "Two"}""", """{"one":1,"two":"Two"}""" },
        { """{"b": "2", "a": "1"}""", """{"a":"1","b":"2"}""" },
        {
            """
            {
                "auth": {
                    "success": true,
                    "mxid": "@john.doe:example.com",
                    "profile": {
                        "display_name": "John Doe",
                        "three_pids": [
                            { "medium": "email", "address": "john.doe@example.org" },
                            { "medium": "msisdn", "address": "123456789" }
                        ]
                    }
                }
            }
            """,
            """{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}"""
        },
        { """{"a": "日本語"}""", """{"a":"日本語"}""" },
        { """{"本": 2, "日": 1}""", """{"日":1,"本":2}""" },
        { """{"a": "\u65E5"}""", """{"a":"日"}""" },
        { """{"a": null}""", """{"a":null}""" },
        { """{"a": -0, "b": 1e10}""", """{"a":0,"b":10000000000}""" },
    };

    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void CanonicalJsonMatchesEverySpecExampleFromNodes(string input, string expected) =>
        Assert.Equal(expected, Canonical(JsonNode.Parse(input)));

    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void CanonicalJsonMatchesEverySpecExampleFromElements(string input, string expected)
    {
        using var document = JsonDocument.Parse(input);
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Encode(document.RootElement)));
    }

    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void CanonicalJsonMatchesEverySpecExampleFromText(string input, string expected) =>
        Assert.Equal(expected, Canonical(input));

    [Fact]
    public void CanonicalJsonSortsKeysByCodePoint()
    {
        // U+1F600 is a surrogate pair (D83D DE00); by code point it comes after U+FF01, by UTF-16 unit before.
        var node = new JsonObject { ["😀"] = 1, ["\uFF01"] = 2, ["\uE000"] = 3, ["z"] = 4 };

        Assert.Equal("{\"z\":4,\"\uE000\":3,\"\uFF01\":2,\"😀\":1}", Canonical(node));
        Assert.True(string.CompareOrdinal("😀", "\uFF01") < 0, "ordinal order is the trap the writer avoids");
    }

    [Fact]
    public void CanonicalJsonSortsKeysIgnoringCulture()
    {
        var node = new JsonObject { ["_x"] = 1, ["a"] = 2, ["a1"] = 3, ["A1"] = 4, ["B"] = 5 };

        Assert.Equal("""{"A1":4,"B":5,"_x":1,"a":2,"a1":3}""", Canonical(node));
    }

    [Fact]
    public void CanonicalJsonSortsPrefixKeysFirst() =>
        Assert.Equal("""{"a":1,"aa":2,"ab":3}""", Canonical("""{"ab":3,"aa":2,"a":1}"""));

    [Fact]
    public void CanonicalJsonRemovesInsignificantWhitespace() =>
        Assert.Equal("""{"a":[1,2,{"b":" c "}]}""", Canonical(" {\n\t\"a\" : [ 1 ,2, { \"b\" : \" c \" } ] }\r\n"));

    [Fact]
    public void CanonicalJsonSortsNestedObjectsAndKeepsArrayOrder() =>
        Assert.Equal(
            """{"a":{"x":[3,1,2],"y":{"c":true,"d":false}},"b":[{"e":1,"f":2},[]]}""",
            Canonical("""{"b":[{"f":2,"e":1},[]],"a":{"y":{"d":false,"c":true},"x":[3,1,2]}}"""));

    [Theory]
    [InlineData('\b', "\\b")]
    [InlineData('\t', "\\t")]
    [InlineData('\n', "\\n")]
    [InlineData('\f', "\\f")]
    [InlineData('\r', "\\r")]
    [InlineData('"', "\\\"")]
    [InlineData('\\', "\\\\")]
    [InlineData('\u0000', "\\u0000")]
    [InlineData('\u0001', "\\u0001")]
    [InlineData('\u0007', "\\u0007")]
    [InlineData('\u000B', "\\u000b")]
    [InlineData('\u000E', "\\u000e")]
    [InlineData('\u000F', "\\u000f")]
    [InlineData('\u0010', "\\u0010")]
    [InlineData('\u001A', "\\u001a")]
    [InlineData('\u001F', "\\u001f")]
    public void CanonicalJsonEscapesOnlyQuoteBackslashAndControlCharacters(char c, string escaped)
    {
        var expected = "\"" + escaped + "\"";

        Assert.Equal(expected, Canonical(JsonValue.Create(c.ToString())));
        Assert.Equal(expected, Canonical(JsonSerializerEscape(c)));
    }

    [Fact]
    public void CanonicalJsonEscapesEveryControlCharacterWithLowerCaseHex()
    {
        for (var c = '\0'; c < ' '; c++)
        {
            var output = Canonical(JsonValue.Create(c.ToString()));
            var expected = c switch
            {
                '\b' => "\"\\b\"",
                '\t' => "\"\\t\"",
                '\n' => "\"\\n\"",
                '\f' => "\"\\f\"",
                '\r' => "\"\\r\"",
                _ => $"\"\\u00{(int)c:x2}\"",
            };
            Assert.Equal(expected, output);
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("\u007F")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\uFEFF")]
    [InlineData("😀")]
    [InlineData("<>&'+")]
    [InlineData("é日本")]
    [InlineData("\U0010FFFF")]
    public void CanonicalJsonWritesEverythingElseAsRawUtf8(string text)
    {
        var expected = Encoding.UTF8.GetBytes("\"" + text + "\"");

        Assert.Equal(expected, CanonicalJson.Encode(JsonValue.Create(text)));
        Assert.Equal(expected, CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(JsonSerializerEscape(text))));
    }

    [Fact]
    public void CanonicalJsonRejectsLoneSurrogatesInStringsFromNodes()
    {
        // Built in code: attribute arguments are stored as UTF-8, which cannot carry a lone surrogate.
        string[] texts = ["\uD800", "\uDC00", "a\uD83Db", "\uDE00\uD83D", "😀\uD83D"];
        foreach (var text in texts)
        {
            Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(text)));
            Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(new JsonObject { [text] = 1 }));
            Assert.False(CanonicalJson.TryEncode(new JsonArray(text), out _, out var error));
            Assert.Contains("surrogate", error, StringComparison.Ordinal);
        }

        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create('\uD800')));
        Assert.Equal("\"\uFF01\"", Canonical(JsonValue.Create('\uFF01')));
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"\\udc00x\"")]
    [InlineData("{\"\\ud800\":1}")]
    [InlineData("[\"\\ude00\\ud83d\"]")]
    [InlineData("{\"a\":{\"b\\udc00\":1}}")]
    public void CanonicalJsonRejectsEscapedLoneSurrogatesInParsedJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(document.RootElement));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonNode.Parse(json)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void CanonicalJsonKeepsEscapedSurrogatePairsAsOneCharacter() =>
        Assert.Equal("\"😀\"", Canonical("\"\\ud83d\\ude00\""));

    [Theory]
    [InlineData("9007199254740991")]
    [InlineData("-9007199254740991")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("123456789")]
    public void CanonicalJsonWritesIntegersInTheSafeRange(string number)
    {
        Assert.Equal(number, Canonical(number));
        Assert.Equal(number, Canonical(JsonValue.Create(long.Parse(number, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("10000000000000000")]
    [InlineData("1e16")]
    [InlineData("9.007199254740992e15")]
    [InlineData("18446744073709551616")]
    [InlineData("1e400")]
    [InlineData("-1e99999999999999999999")]
    public void CanonicalJsonRejectsIntegersOutsideTheSafeRange(string number)
    {
        Assert.Throws<CanonicalJsonException>(() => Canonical(number));
        Assert.Throws<CanonicalJsonException>(() => Canonical(JsonNode.Parse($$"""{"a":[{{number}}]}""")));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("0.1")]
    [InlineData("-2.25")]
    [InlineData("1e-1")]
    [InlineData("1.25e1")]
    [InlineData("1e-99999999999")]
    [InlineData("9007199254740990.5")]
    public void CanonicalJsonRejectsFloats(string number) =>
        Assert.Throws<CanonicalJsonException>(() => Canonical(number));

    [Theory]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "0")]
    [InlineData("0e5", "0")]
    [InlineData("1e10", "10000000000")]
    [InlineData("1E2", "100")]
    [InlineData("1e+2", "100")]
    [InlineData("1.0", "1")]
    [InlineData("1.5e1", "15")]
    [InlineData("100e-2", "1")]
    [InlineData("-2.50e2", "-250")]
    [InlineData("9.007199254740991e15", "9007199254740991")]
    public void CanonicalJsonWritesIntegralNumbersInPlainForm(string number, string expected) =>
        Assert.Equal(expected, Canonical(number));

    [Fact]
    public void CanonicalJsonJudgesClrNumbersByValue()
    {
        Assert.Equal("3", Canonical(JsonValue.Create(3.0)));
        Assert.Equal("42", Canonical(JsonValue.Create(42u)));
        Assert.Equal("2", Canonical(JsonValue.Create(2.0m)));
        Assert.Equal("7", Canonical(JsonValue.Create((short)7)));
        Assert.Equal("true", Canonical(JsonValue.Create(true)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(1.5)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(2.5m)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(double.NaN)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(double.PositiveInfinity)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(long.MaxValue)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(ulong.MaxValue)));
    }

    [Fact]
    public void CanonicalJsonWritesNullAndScalarsAtTopLevel()
    {
        Assert.Equal("null", Canonical((JsonNode?)null));
        Assert.Equal("\"a\"", Canonical(JsonValue.Create("a")));
        Assert.Equal("false", Canonical("false"));
        Assert.Equal("[]", Canonical(new JsonArray()));
    }

    [Fact]
    public void CanonicalJsonRejectsDuplicateKeysInParsedJson()
    {
        using var document = JsonDocument.Parse("""{"a":1,"b":2,"a":3}""");
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(document.RootElement));
    }

    [Fact]
    public void CanonicalJsonRejectsDuplicateKeysInParsedNodes() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonNode.Parse("""{"x":{"a":1,"a":2}}""")));

    [Fact]
    public void CanonicalJsonRejectsAnUndefinedElement() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(default(JsonElement)));

    [Fact]
    public void CanonicalJsonRejectsNestingDeeperThanTheLimit()
    {
        JsonNode deep = new JsonArray();
        for (var i = 1; i < CanonicalJson.MaxDepth; i++)
        {
            deep = new JsonArray(deep);
        }

        Assert.Equal(CanonicalJson.MaxDepth * 2, CanonicalJson.Encode(deep).Length);
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(new JsonObject { ["a"] = deep }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("[1,2")]
    [InlineData("{'a':1}")]
    [InlineData("{\"a\":01}")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":1} {}")]
    [InlineData("// comment\n{}")]
    [InlineData("NaN")]
    [InlineData("{\"a\":\"\u0001\"}")]
    [InlineData("{\"a\":\"\\x\"}")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":1.5}")]
    public void CanonicalizeRejectsMalformedOrNonCanonicalJsonWithItsOwnException(string json) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void CanonicalizeRejectsInvalidUtf8() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Canonicalize([(byte)'"', 0xC3, 0x28, (byte)'"']));

    [Fact]
    public void CanonicalJsonExceptionIsAFormatException() =>
        Assert.IsAssignableFrom<FormatException>(new CanonicalJsonException("x"));

    [Fact]
    public void TryEncodeReportsWhyInsteadOfThrowing()
    {
        Assert.False(CanonicalJson.TryEncode(new JsonObject { ["a"] = 1.5 }, out var bytes, out var error));
        Assert.Empty(bytes);
        Assert.Contains("integer", error, StringComparison.Ordinal);

        Assert.True(CanonicalJson.TryEncode(new JsonObject { ["b"] = 1, ["a"] = "x" }, out bytes, out error));
        Assert.Null(error);
        Assert.Equal("""{"a":"x","b":1}"""u8.ToArray(), bytes);
    }

    [Fact]
    public void CanonicalJsonGivesTheSameBytesForNodesBuiltInCodeAndParsed()
    {
        var built = new JsonObject
        {
            ["depth"] = 5,
            ["origin_server_ts"] = 1_000_000L,
            ["content"] = new JsonObject { ["membership"] = "invite", ["n"] = JsonValue.Create(2.0) },
            ["prev_events"] = new JsonArray("$c", null, false),
        };

        Assert.Equal(Canonical(JsonNode.Parse(built.ToJsonString())), Canonical(built));
    }

    [Fact]
    public void CodePointComparerAgreesWithUtf8ByteOrder()
    {
        string[] keys = ["a", "\u007F", "\u0080", "\uD7FF", "\uE000", "\uFFFF", "\U00010000", "😀", "\U0010FFFF", ""];
        var byCodePoint = keys.Order(Comparer<string>.Create(CanonicalJson.CompareByCodePoint)).ToArray();
        var byUtf8 = keys.OrderBy(k => Convert.ToHexString(Encoding.UTF8.GetBytes(k)), StringComparer.Ordinal).ToArray();

        Assert.Equal(byUtf8, byCodePoint);
    }

    /// <summary>JSON text for a string, escaped the way System.Text.Json would write it (so parsing it gives the string back).</summary>
    private static string JsonSerializerEscape(char c) => JsonSerializerEscape(c.ToString());

    private static string JsonSerializerEscape(string text) => JsonValue.Create(text).ToJsonString();
}
