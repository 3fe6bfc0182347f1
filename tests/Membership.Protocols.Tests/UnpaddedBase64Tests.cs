using System.Text;

namespace Membership.Protocols.Tests;

public class UnpaddedBase64Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "Zg")]
    [InlineData("fo", "Zm8")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg")]
    [InlineData("fooba", "Zm9vYmE")]
    [InlineData("foobar", "Zm9vYmFy")]
    public void EncodeMatchesTheSpecExamples(string plain, string encoded)
    {
        Assert.Equal(encoded, UnpaddedBase64.Encode(Encoding.ASCII.GetBytes(plain)));
        Assert.True(UnpaddedBase64.TryDecode(encoded, out var decoded));
        Assert.Equal(plain, Encoding.ASCII.GetString(decoded));
    }

    [Fact]
    public void EncodeUrlSafeUsesDashAndUnderscore()
    {
        byte[] bytes = [0xFB, 0xFF, 0xBF];

        Assert.Equal("+/+/", UnpaddedBase64.Encode(bytes));
        Assert.Equal("-_-_", UnpaddedBase64.EncodeUrlSafe(bytes));
        Assert.Equal("-w", UnpaddedBase64.EncodeUrlSafe([0xFB]));
    }

    [Theory]
    [InlineData("Zm8")]
    [InlineData("Zm8=")]
    [InlineData("Zg")]
    [InlineData("Zg==")]
    public void TryDecodeAcceptsPaddedAndUnpadded(string text)
    {
        Assert.True(UnpaddedBase64.TryDecode(text, out var bytes));
        Assert.StartsWith("f", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+/+/")]
    [InlineData("-_-_")]
    public void TryDecodeAcceptsBothAlphabets(string text)
    {
        Assert.True(UnpaddedBase64.TryDecode(text, out var bytes));
        Assert.Equal([0xFB, 0xFF, 0xBF], bytes);
    }

    [Fact]
    public void TryDecodeIgnoresUnusedTrailingBitsLikeTheSpecSeedNeeds()
    {
        Assert.True(UnpaddedBase64.TryDecode(TestKeys.SpecSeed, out var seed));
        Assert.Equal("6090c103d5e7af6b15a970fd563ed75549e6159719ae5c3c31dee4316fb75c0d", Convert.ToHexStringLower(seed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Z")]
    [InlineData("Zm9vY")]
    [InlineData("Zm 8")]
    [InlineData(" Zm8")]
    [InlineData("Zm8\n")]
    [InlineData("Zm8!")]
    [InlineData("Zm8===")]
    [InlineData("Zg=")]
    [InlineData("Z=g=")]
    [InlineData("日本")]
    public void TryDecodeRejectsAnythingElse(string? text)
    {
        Assert.False(UnpaddedBase64.TryDecode(text, out var bytes));
        Assert.Empty(bytes);
    }
}
