using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.AspNetCore.Http;

namespace Membership.HostDouble.Tests;

public class ForwardedTargetTests
{
    private const string PathCharacters = "!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~";

    [Fact]
    public void RawForwardingKeepsTheTargetByteForByte()
    {
        var request = Request("/rooms/!a/b", "?x=%21y");
        Assert.Equal("/rooms/%21a%2Fb?x=%21y", ForwardedTarget.For(request, "/rooms/%21a%2Fb?x=%21y", TargetForwarding.Raw));
    }

    [Fact]
    public void HostForwardingReescapesTheDecodedPathAndKeepsTheQuery()
    {
        // Kestrel decodes %21 and %3A but leaves %2F, so the decoded path holds a literal "%2F".
        var request = Request("/rooms/!a:b/state/a%2Fb", "?x=%21y");
        Assert.Equal("/rooms/!a:b/state/a%252Fb?x=%21y", ForwardedTarget.For(request, "/rooms/%21a%3Ab/state/a%2Fb?x=%21y", TargetForwarding.AsFunctionsHost));
    }

    [Fact]
    public void AnAbsoluteFormTargetIsRebuiltFromThePathEvenWhenRaw()
    {
        var request = Request("/rooms/a b", string.Empty);
        Assert.Equal("/rooms/a%20b", ForwardedTarget.For(request, "http://example.org/rooms/a%20b", TargetForwarding.Raw));
    }

    [Fact]
    public void EveryCharacterValidInAPathIsLeftAlone() =>
        Assert.Equal(PathCharacters, ForwardedTarget.Escape(PathCharacters));

    [Theory]
    [InlineData("/a b", "/a%20b")]
    [InlineData("/50%", "/50%25")]
    [InlineData("/q?#", "/q%3F%23")]
    [InlineData("/\"<>\\^`{|}", "/%22%3C%3E%5C%5E%60%7B%7C%7D")]
    [InlineData("/caf\u00e9/x", "/caf%C3%A9/x")]
    [InlineData("/\U0001F600!", "/%F0%9F%98%80!")]
    public void CharactersNotValidInAPathArePercentEncodedAsUtf8(string decoded, string expected) =>
        Assert.Equal(expected, ForwardedTarget.Escape(decoded));

    [Property(MaxTest = 500)]
    public Property EscapingRoundTripsAndLeavesOnlyPathCharactersAndEscapes() => Prop.ForAll(
        Gen.Elements("a", "/", "%", " ", "!", "?", "#", "\u00e9", "\U0001F600", "%2F", ":", "~", "\"", "\t").ListOf().Select(string.Concat).ToArbitrary(),
        decoded =>
        {
            var escaped = ForwardedTarget.Escape(decoded);
            return Uri.UnescapeDataString(escaped) == decoded && escaped.All(c => c == '%' || PathCharacters.Contains(c, StringComparison.Ordinal));
        });

    private static HttpRequest Request(string decodedPath, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = new PathString(decodedPath);
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }
}
