using System.Text;
using Membership.Core.Identifiers;

namespace Membership.Core.Tests.Identifiers;

/// <summary>
/// The identifier grammar of the spec's appendices: sigil, opaque part up to the first
/// ':', server name (hostname [":" port]); at most 255 bytes of UTF-8 in all; no NUL, no lone surrogates. Historical
/// user IDs and all room IDs and aliases may hold any other code point in the opaque part.
/// </summary>
public class IdentifierTests
{
    private const string Suffix = ":example.org";

    /// <summary>The opaque part that makes <c>{sigil}{opaque}:example.org</c> exactly <paramref name="bytes"/> bytes long.</summary>
    private static string Opaque(int bytes, string unit)
    {
        var room = bytes - 1 - Suffix.Length;
        var unitBytes = Encoding.UTF8.GetByteCount(unit);
        return string.Concat(Enumerable.Repeat(unit, room / unitBytes)) + new string('a', room % unitBytes);
    }

    public static TheoryData<string, string, string> ValidUserIds => new()
    {
        { "@alice:example.org", "alice", "example.org" },
        { "@a.b_c=d-e/f+g:example.org", "a.b_c=d-e/f+g", "example.org" },
        { "@1:example.org", "1", "example.org" },
        { "@a:localhost:8008", "a", "localhost:8008" },
        { "@a:h:1", "a", "h:1" },
        { "@a:h:99999", "a", "h:99999" },
        { "@a:1.2.3.4", "a", "1.2.3.4" },
        { "@a:1.2.3.4:8448", "a", "1.2.3.4:8448" },
        { "@a:[::1]", "a", "[::1]" },
        { "@a:[2001:db8::1]:8448", "a", "[2001:db8::1]:8448" },
        { "@a:[::ffff:192.0.2.1]", "a", "[::ffff:192.0.2.1]" },
        { "@a:my-server.example.org", "a", "my-server.example.org" },
        { "@a:xn--bcher-kva.example", "a", "xn--bcher-kva.example" },
        { "@alice:EXAMPLE.ORG", "alice", "EXAMPLE.ORG" },
        { "@Alice:example.org", "Alice", "example.org" },
        { "@a#b?c\\d:example.org", "a#b?c\\d", "example.org" },
        { "@a b:example.org", "a b", "example.org" },
        { "@ünïcödé:example.org", "ünïcödé", "example.org" },
        { "@😀:example.org", "😀", "example.org" },
        { "@@:example.org", "@", "example.org" },
        { "@" + Opaque(255, "a") + Suffix, Opaque(255, "a"), "example.org" },
        { "@" + Opaque(255, "é") + Suffix, Opaque(255, "é"), "example.org" },
        { "@" + Opaque(255, "😀") + Suffix, Opaque(255, "😀"), "example.org" },
    };

    public static TheoryData<string, string?> InvalidUserIds => new()
    {
        { "Null", null },
        { "Empty", string.Empty },
        { "SigilOnly", "@" },
        { "MissingSigil", "alice:example.org" },
        { "RoomIdSigil", "!alice:example.org" },
        { "AliasSigil", "#alice:example.org" },
        { "LeadingSpace", " @alice:example.org" },
        { "MissingColon", "@alice" },
        { "EmptyLocalpart", "@:example.org" },
        { "EmptyServer", "@alice:" },
        { "NulInLocalpart", "@a\0b:example.org" },
        { "NulInServer", "@a:example\0.org" },
        { "EmptyPort", "@a:example.org:" },
        { "PortOfSixDigits", "@a:example.org:123456" },
        { "NonDigitPort", "@a:example.org:80a" },
        { "SignedPort", "@a:example.org:+80" },
        { "TwoPorts", "@a:example.org:80:80" },
        { "UnderscoreInHost", "@a:exa_mple.org" },
        { "SpaceInHost", "@a:exa mple.org" },
        { "NewlineAfterHost", "@a:example.org\n" },
        { "NonAsciiHost", "@a:exämple.org" },
        { "UnclosedIpv6", "@a:[::1" },
        { "EmptyIpv6", "@a:[]" },
        { "OneCharacterIpv6", "@a:[1]" },
        { "NonHexIpv6", "@a:[::g]" },
        { "JunkAfterIpv6", "@a:[::1]x" },
        { "EmptyPortAfterIpv6", "@a:[::1]:" },
        { "Of256AsciiBytes", "@" + Opaque(256, "a") + Suffix },
        { "Of256BytesInTwoByteCharacters", "@" + Opaque(256, "é") + Suffix },
        { "Of256BytesInFourByteCharacters", "@" + Opaque(256, "😀") + Suffix },
        { "Under255CharactersButOver255Bytes", "@" + new string('é', 200) + Suffix },
    };

    /// <summary>Ill-formed UTF-16 cannot be serialised for test discovery, so these rows are enumerated at run time.</summary>
    public static TheoryData<string, string> LoneSurrogateUserIds => new()
    {
        { "LoneHighSurrogate", "@a\uD800b:example.org" },
        { "LoneLowSurrogate", "@a\uDC00b:example.org" },
        { "HighSurrogateBeforeTheColon", "@a\uD800:example.org" },
        { "ReversedSurrogatePair", "@\uDE00\uD83D:example.org" },
        { "HighSurrogateAtTheEnd", "@a:example.org\uD800" },
    };

    public static TheoryData<string, string, string> ValidRoomIds => new()
    {
        { "!abc:example.org", "abc", "example.org" },
        { "!ABCdef123:example.org", "ABCdef123", "example.org" },
        { "!a/b#c?d\\e:example.org", "a/b#c?d\\e", "example.org" },
        { "!ÄbÇ😀:example.org", "ÄbÇ😀", "example.org" },
        { "!a b:example.org", "a b", "example.org" },
        { "!!:example.org", "!", "example.org" },
        { "!ABC:localhost:8008", "ABC", "localhost:8008" },
        { "!x:[::1]:8448", "x", "[::1]:8448" },
        { "!x:10.0.0.1", "x", "10.0.0.1" },
        { "!" + Opaque(255, "ü") + Suffix, Opaque(255, "ü"), "example.org" },
    };

    public static TheoryData<string, string?> InvalidRoomIds => new()
    {
        { "Null", null },
        { "Empty", string.Empty },
        { "MissingSigil", "abc:example.org" },
        { "UserIdSigil", "@abc:example.org" },
        { "AliasSigil", "#abc:example.org" },
        { "MissingServer", "!abc" },
        { "RoomVersion12IdWithoutServer", "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM" },
        { "EmptyOpaquePart", "!:example.org" },
        { "NulInOpaquePart", "!a\0b:example.org" },
        { "BadServer", "!abc:exa mple.org" },
        { "PortOfSixDigits", "!abc:example.org:123456" },
        { "Of256Bytes", "!" + Opaque(256, "ü") + Suffix },
    };

    public static TheoryData<string, string, string> ValidAliases => new()
    {
        { "#room:example.org", "room", "example.org" },
        { "#Room:example.org", "Room", "example.org" },
        { "#a/b#c?d\\e:example.org", "a/b#c?d\\e", "example.org" },
        { "#ünï😀:example.org", "ünï😀", "example.org" },
        { "##:example.org", "#", "example.org" },
        { "#r:localhost:8008", "r", "localhost:8008" },
        { "#r:[2001:db8::1]", "r", "[2001:db8::1]" },
        { "#" + Opaque(255, "😀") + Suffix, Opaque(255, "😀"), "example.org" },
    };

    public static TheoryData<string, string?> InvalidAliases => new()
    {
        { "Null", null },
        { "Empty", string.Empty },
        { "MissingSigil", "room:example.org" },
        { "RoomIdSigil", "!room:example.org" },
        { "MissingServer", "#room" },
        { "EmptyAlias", "#:example.org" },
        { "NulInAlias", "#r\0:example.org" },
        { "BadServer", "#room:example..org/x" },
        { "Of256Bytes", "#" + Opaque(256, "😀") + Suffix },
    };

    public static TheoryData<string> ValidServerNames => new()
    {
        "example.org",
        "EXAMPLE.ORG",
        "localhost",
        "localhost:8008",
        "a",
        "my-server",
        "xn--bcher-kva.example",
        "1.2.3.4",
        "1.2.3.4:1",
        "example.org:99999",
        "[::1]",
        "[::1]:8448",
        "[2001:db8::ff00:42:8329]",
        "[2001:DB8::1]",
        "[::ffff:192.0.2.1]:443",
        new string('a', 255),
        "[" + new string('a', 45) + "]",
    };

    public static TheoryData<string, string?> InvalidServerNames => new()
    {
        { "Null", null },
        { "Empty", string.Empty },
        { "PortOnly", ":8008" },
        { "EmptyPort", "example.org:" },
        { "PortOfSixDigits", "example.org:123456" },
        { "NonDigitPort", "example.org:abc" },
        { "NegativePort", "example.org:-1" },
        { "SpaceInHost", "exa mple.org" },
        { "UnderscoreInHost", "exa_mple.org" },
        { "SlashInHost", "example.org/x" },
        { "NonAsciiHost", "exämple.org" },
        { "UserIdAsHost", "@example.org" },
        { "UnclosedIpv6", "[::1" },
        { "EmptyIpv6", "[]" },
        { "NonHexIpv6", "[::g]" },
        { "JunkAfterIpv6", "[::1]x" },
        { "EmptyPortAfterIpv6", "[::1]:" },
        { "Ipv6OfFortySixCharacters", "[" + new string('a', 46) + "]" },
        { "DnsNameOf256Characters", new string('a', 256) },
        { "DnsNameOf256CharactersWithAPort", new string('a', 256) + ":80" },
    };

    [Theory]
    [MemberData(nameof(ValidUserIds))]
    public void ValidUserIdsSplitIntoLocalpartAndServer(string text, string localpart, string server)
    {
        Assert.True(UserId.TryParse(text, out var id, out var error), error);
        Assert.Null(error);
        Assert.Equal(text, id.Value);
        Assert.Equal(text, id.ToString());
        Assert.Equal(localpart, id.Localpart);
        Assert.Equal(server, id.Server.Value);
        Assert.Equal(id, UserId.Parse(text));
        Assert.Equal(id, UserId.Create(localpart, ServerName.Parse(server)));
    }

    [Theory]
    [MemberData(nameof(InvalidUserIds))]
    public void InvalidUserIdsAreRefusedWithAReason(string name, string? text)
    {
        Assert.False(UserId.TryParse(text, out var id, out var error), name);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(default, id);
        if (text is not null)
        {
            Assert.Equal(error, Assert.Throws<FormatException>(() => UserId.Parse(text)).Message);
        }
    }

    [Theory]
    [MemberData(nameof(LoneSurrogateUserIds), DisableDiscoveryEnumeration = true)]
    public void IdentifiersWithLoneSurrogatesAreRefused(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Assert.False(UserId.TryParse(text, out _, out _), name);
        Assert.False(RoomId.TryParse("!" + text[1..], out _, out _), name);
        Assert.False(RoomAlias.TryParse("#" + text[1..], out _, out _), name);
    }

    [Theory]
    [MemberData(nameof(ValidRoomIds))]
    public void ValidRoomIdsSplitIntoOpaquePartAndServer(string text, string localpart, string server)
    {
        Assert.True(RoomId.TryParse(text, out var id, out var error), error);
        Assert.Equal(text, id.Value);
        Assert.Equal(text, id.ToString());
        Assert.Equal(localpart, id.Localpart);
        Assert.Equal(server, id.Server.Value);
        Assert.Equal(id, RoomId.Parse(text));
        Assert.Equal(id, RoomId.Create(localpart, ServerName.Parse(server)));
    }

    [Theory]
    [MemberData(nameof(InvalidRoomIds))]
    public void InvalidRoomIdsAreRefusedWithAReason(string name, string? text)
    {
        Assert.False(RoomId.TryParse(text, out _, out var error), name);
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => RoomId.Parse(text));
        }
    }

    [Theory]
    [MemberData(nameof(ValidAliases))]
    public void ValidAliasesSplitIntoAliasAndServer(string text, string localpart, string server)
    {
        Assert.True(RoomAlias.TryParse(text, out var alias, out var error), error);
        Assert.Equal(text, alias.Value);
        Assert.Equal(text, alias.ToString());
        Assert.Equal(localpart, alias.Localpart);
        Assert.Equal(server, alias.Server.Value);
        Assert.Equal(alias, RoomAlias.Parse(text));
        Assert.Equal(alias, RoomAlias.Create(localpart, ServerName.Parse(server)));
    }

    [Theory]
    [MemberData(nameof(InvalidAliases))]
    public void InvalidAliasesAreRefusedWithAReason(string name, string? text)
    {
        Assert.False(RoomAlias.TryParse(text, out _, out var error), name);
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => RoomAlias.Parse(text));
        }
    }

    [Theory]
    [MemberData(nameof(ValidServerNames))]
    public void ValidServerNamesParse(string text)
    {
        Assert.True(ServerName.TryParse(text, out var name, out var error), error);
        Assert.Equal(text, name.Value);
        Assert.Equal(text, name.ToString());
        Assert.Equal(name, ServerName.Parse(text));
    }

    [Theory]
    [MemberData(nameof(InvalidServerNames))]
    public void InvalidServerNamesAreRefusedWithAReason(string name, string? text)
    {
        Assert.False(ServerName.TryParse(text, out _, out var error), name);
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => ServerName.Parse(text));
        }
    }

    [Fact]
    public void IdentifiersCompareCaseSensitively()
    {
        Assert.NotEqual(UserId.Parse("@user:matrix.org"), UserId.Parse("@user:MATRIX.ORG"));
        Assert.NotEqual(UserId.Parse("@user:matrix.org"), UserId.Parse("@User:matrix.org"));
        Assert.Equal(UserId.Parse("@user:matrix.org"), UserId.Parse("@user:matrix.org"));
        Assert.NotEqual(RoomId.Parse("!abc:matrix.org"), RoomId.Parse("!ABC:matrix.org"));
        Assert.NotEqual(RoomAlias.Parse("#abc:matrix.org"), RoomAlias.Parse("#ABC:matrix.org"));
    }

    [Fact]
    public void TheLimitIsCountedInUtf8BytesNotCharacters()
    {
        var twoByte = "@" + Opaque(255, "é") + Suffix;
        var oneMore = "@" + Opaque(255, "é") + "é" + Suffix;

        Assert.Equal(255, Encoding.UTF8.GetByteCount(twoByte));
        Assert.True(twoByte.Length < 255);
        Assert.True(UserId.TryParse(twoByte, out _, out _));
        Assert.True(oneMore.Length < 255);
        Assert.False(UserId.TryParse(oneMore, out _, out _));
    }

    [Fact]
    public void CreateRefusesALocalpartThatBreaksTheGrammar()
    {
        var server = ServerName.Parse("example.org");

        Assert.Throws<FormatException>(() => UserId.Create(string.Empty, server));
        Assert.Throws<FormatException>(() => RoomId.Create("a\0b", server));
        Assert.Throws<FormatException>(() => RoomAlias.Create(new string('a', 250), server));
    }

    [Fact]
    public void DefaultIdentifiersPrintAsEmpty()
    {
        Assert.Equal(string.Empty, default(UserId).ToString());
        Assert.Equal(string.Empty, default(RoomId).ToString());
        Assert.Equal(string.Empty, default(RoomAlias).ToString());
    }
}
