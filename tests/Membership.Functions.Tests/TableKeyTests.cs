using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>
/// <see cref="TableKey"/>: every character Table Storage forbids in keys (<c>/ \ # ?</c>, U+0000-U+001F,
/// U+007F-U+009F) and the escape character <c>%</c> round-trip exactly, and no encoded key contains any of them.
/// </summary>
public sealed class TableKeyTests
{
    /// <summary>What a Table key may not hold (learn.microsoft.com, "Understanding the Table service data model").</summary>
    private static readonly char[] Forbidden = ['/', '\\', '#', '?', .. Enumerable.Range(0x00, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7F, 0x21).Select(i => (char)i)];

    public static TheoryData<char> EscapedCharacters()
    {
        var data = new TheoryData<char>();
        foreach (var c in Forbidden.Append('%'))
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EscapedCharacters))]
    public void EachForbiddenCharacterRoundTripsAndDisappearsFromTheKey(char c)
    {
        foreach (var value in new[] { c.ToString(), $"@a{c}b:localhost", $"{c}{c}", $"x{c}" })
        {
            var key = TableKey.Encode(value);

            Assert.Equal(value, TableKey.Decode(key));
            AssertAllowed(key);
            Assert.Equal(value.Length + (2 * value.Count(v => v == c)), key.Length);
        }
    }

    [Fact]
    public void AStringOfEveryForbiddenCharacterRoundTrips()
    {
        var value = "@" + new string(Forbidden) + "%:localhost";

        var key = TableKey.Encode(value);

        Assert.Equal(value, TableKey.Decode(key));
        AssertAllowed(key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@alice:localhost")]
    [InlineData("!abcDEF:example.org:8448")]
    [InlineData("ünï-日本-😀")]
    [InlineData("member:@bob:localhost")]
    [InlineData("A-Z a-z 0-9 . _ = - + ' \" ( ) * ! ~ ,")]
    public void KeysWithoutForbiddenCharactersAreLeftAsTheyAre(string value)
    {
        Assert.Equal(value, TableKey.Encode(value));
        Assert.Equal(value, TableKey.Decode(value));
    }

    [Fact]
    public void EscapesUseUpperCaseHexAndDecodingIsExact()
    {
        Assert.Equal("@we%2Fird%5C%23%3F%25:localhost", TableKey.Encode("@we/ird\\#?%:localhost"));
        Assert.Equal("%00%1F%7F%9F", TableKey.Encode("\u0000\u001F\u007F\u009F"));

        // Text that merely looks encoded survives: its '%' is escaped first.
        Assert.Equal("%252F", TableKey.Encode("%2F"));
        Assert.Equal("%2F", TableKey.Decode(TableKey.Encode("%2F")));
        Assert.NotEqual(TableKey.Encode("/"), TableKey.Encode("%2F"));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%2")]
    [InlineData("abc%zz")]
    [InlineData("%2f")]
    [InlineData("a%G1")]
    public void DecodingSomethingNoEncoderWroteFails(string key)
    {
        Assert.Throws<FormatException>(() => TableKey.Decode(key));
    }

    [Fact]
    public void EncodingIsInjectiveOverAllSingleAndPairedCharacters()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var alphabet = Forbidden.Concat(['%', 'a', '2', 'F', 'ü', '0']).ToArray();
        foreach (var a in alphabet)
        {
            foreach (var b in alphabet)
            {
                var value = $"{a}{b}";
                var key = TableKey.Encode(value);
                Assert.True(seen.TryAdd(key, value), $"'{value}' and '{seen.GetValueOrDefault(key)}' encode alike");
                Assert.Equal(value, TableKey.Decode(key));
            }
        }
    }

    private static void AssertAllowed(string key)
    {
        Assert.True(key.IndexOfAny(Forbidden) < 0, $"encoded key '{key}' still holds a forbidden character");
    }
}
