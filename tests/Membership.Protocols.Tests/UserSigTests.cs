using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Membership.Protocols.Tests;

public class UserSigTests
{
    internal const long AppId = 1400000000;
    internal const string Key = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    private const long Time = 1700000000;
    private const long Expire = 15552000;

    // Vector 1 as a full UserSig, computed with Python's json.dumps and zlib.compress (Tencent publishes no fixed vectors).
    private const string Vector1UserSig = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";

    [Theory]
    [InlineData("xiaojun", 15552000, "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=")]
    [InlineData("administrator", 86400, "yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60=")]
    public void HmacMatchesTheReferenceVectors(string identifier, long expire, string expected)
    {
        Assert.Equal(expected, UserSig.ComputeSignature(AppId, Key, identifier, Time, expire));

        var document = Decode(UserSig.Generate(AppId, Key, identifier, expire, Time));
        Assert.Equal(expected, (string?)document["TLS.sig"]);
    }

    [Fact]
    public void ReferenceUserSigVerifiesUntilItExpires()
    {
        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(Vector1UserSig, AppId, Key, "xiaojun", Time, null).Outcome);
        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(Vector1UserSig, AppId, Key, "xiaojun", 1715552000, null).Outcome);

        var expired = UserSig.Verify(Vector1UserSig, AppId, Key, "xiaojun", 1715552001, null);
        Assert.Equal(UserSigOutcome.Expired, expired.Outcome);
        Assert.Equal(70001, expired.TencentErrorCode);
    }

    [Fact]
    public void ReferenceUserSigDecodesToItsDocument()
    {
        var document = Decode(Vector1UserSig);

        Assert.Equal("2.0", (string?)document["TLS.ver"]);
        Assert.Equal("xiaojun", (string?)document["TLS.identifier"]);
        Assert.Equal(AppId, (long)document["TLS.sdkappid"]!);
        Assert.Equal(Expire, (long)document["TLS.expire"]!);
        Assert.Equal(Time, (long)document["TLS.time"]!);
        Assert.Equal("LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=", (string?)document["TLS.sig"]);
    }

    [Fact]
    public void GeneratedUserSigUsesTencentsBase64Alphabet()
    {
        var sig = UserSig.Generate(AppId, Key, "xiaojun", Expire, Time);

        Assert.DoesNotContain('+', sig);
        Assert.DoesNotContain('/', sig);
        Assert.DoesNotContain('=', sig);
        Assert.StartsWith("eJ", sig, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedUserSigVerifies()
    {
        var sig = UserSig.Generate(AppId, Key, "user_1", 86400, Time);

        var check = UserSig.Verify(sig, AppId, Key, "user_1", Time + 86400, null);
        Assert.True(check.IsValid);
        Assert.Equal(0, check.TencentErrorCode);
    }

    [Fact]
    public void UserbufRoundTripsAndMustMatch()
    {
        byte[] userbuf = [0, 0, 7, 120, 105, 97, 111, 106, 117, 110, 255];
        var sig = UserSig.Generate(AppId, Key, "xiaojun", 300, Time, userbuf);

        Assert.Equal(Convert.ToBase64String(userbuf), (string?)Decode(sig)["TLS.userbuf"]);
        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, userbuf).Outcome);
        Assert.Equal(UserSigOutcome.UserbufMismatch, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null).Outcome);
        Assert.Equal(UserSigOutcome.UserbufMismatch, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, [1, 2]).Outcome);
        Assert.Equal(
            UserSigOutcome.UserbufMismatch,
            UserSig.Verify(UserSig.Generate(AppId, Key, "xiaojun", 300, Time), AppId, Key, "xiaojun", Time, userbuf).Outcome);
    }

    [Fact]
    public void EmptyUserbufIsPresentNotAbsent()
    {
        var sig = UserSig.Generate(AppId, Key, "xiaojun", 300, Time, []);

        Assert.Equal("", (string?)Decode(sig)["TLS.userbuf"]);
        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, []).Outcome);
        Assert.Equal(UserSigOutcome.UserbufMismatch, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void UnicodeIdentifierSignsItsUtf8Text()
    {
        var sig = UserSig.Generate(AppId, Key, "用户😀", 300, Time);

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(sig, AppId, Key, "用户😀", Time, null).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void EmptyUserSigIs70002(string? sig)
    {
        var check = UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null);

        Assert.Equal(UserSigOutcome.Empty, check.Outcome);
        Assert.Equal(70002, check.TencentErrorCode);
    }

    [Theory]
    [InlineData("!!!!")]
    [InlineData("eJyr Vgr")]
    [InlineData("eJyr\nVgrx")]
    [InlineData("a")]
    [InlineData("eJyrVgrxCdY日本")]
    [InlineData("eJ_y")]
    public void GarbledEncodingIsItsOwnOutcome(string sig)
    {
        var check = UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null);

        Assert.Equal(UserSigOutcome.GarbledEncoding, check.Outcome);
        Assert.Equal(70003, check.TencentErrorCode);
    }

    [Fact]
    public void OverlongUserSigIsRejectedBeforeDecoding() =>
        Assert.Equal(UserSigOutcome.GarbledEncoding, UserSig.Verify(new string('A', 100_000), AppId, Key, "xiaojun", Time, null).Outcome);

    [Theory]
    [InlineData("not zlib at all")]
    [InlineData("{\"TLS.ver\":\"2.0\"}")]
    public void BadZlibIsItsOwnOutcome(string raw)
    {
        var sig = TencentBase64(Encoding.UTF8.GetBytes(raw));

        Assert.Equal(UserSigOutcome.BadZlib, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void CorruptedDeflateDataIsBadZlib()
    {
        var compressed = Zlib(Encoding.UTF8.GetBytes(new string('x', 200) + "{}"));
        compressed[^3] ^= 0xFF; // inside the Adler-32 trailer

        Assert.Equal(UserSigOutcome.BadZlib, UserSig.Verify(TencentBase64(compressed), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void BytesAfterTheZlibStreamAreBadZlib()
    {
        var compressed = Convert.FromBase64String(Vector1UserSig.Replace('*', '+').Replace('-', '/').Replace('_', '='));

        Assert.Equal(UserSigOutcome.BadZlib, UserSig.Verify(TencentBase64([.. compressed, 0]), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void ZlibBombIsBadZlib()
    {
        var sig = TencentBase64(Zlib(new byte[4_000_000], CompressionLevel.SmallestSize));

        Assert.True(sig.Length < 8192);
        Assert.Equal(UserSigOutcome.BadZlib, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"TLS.ver\"")]
    [InlineData("{\"TLS.ver\":\"2.0\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":\"1400000000\",\"TLS.time\":1700000000,\"TLS.expire\":15552000,\"TLS.sig\":\"x\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1.7e9,\"TLS.expire\":15552000,\"TLS.sig\":\"x\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":99999999999999999999,\"TLS.sig\":\"x\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":7,\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":15552000,\"TLS.sig\":\"x\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":15552000}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":15552000,\"TLS.sig\":\"x\",\"TLS.userbuf\":5}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"\\ud800\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":15552000,\"TLS.sig\":\"x\"}")]
    [InlineData("{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"a\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":15552000,\"TLS.sig\":\"x\"}")]
    public void BadJsonIsItsOwnOutcome(string json)
    {
        var check = UserSig.Verify(FromDocumentText(json), AppId, Key, "xiaojun", Time, null);

        Assert.Equal(UserSigOutcome.BadJson, check.Outcome);
        Assert.Equal(70003, check.TencentErrorCode);
    }

    [Theory]
    [InlineData("\"1.0\"")]
    [InlineData("\"2\"")]
    [InlineData("2.0")]
    [InlineData("null")]
    public void WrongVersionIsItsOwnOutcome(string version)
    {
        var document = Document();
        document["TLS.ver"] = JsonNode.Parse(version);

        var check = UserSig.Verify(FromDocument(document), AppId, Key, "xiaojun", Time, null);
        Assert.Equal(UserSigOutcome.WrongVersion, check.Outcome);
        Assert.Equal(70009, check.TencentErrorCode);
    }

    [Fact]
    public void MissingVersionIsAWrongVersion()
    {
        var document = Document();
        document.Remove("TLS.ver");

        Assert.Equal(UserSigOutcome.WrongVersion, UserSig.Verify(FromDocument(document), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void OldAsymmetricUserSigIsAWrongVersion()
    {
        // The v1 scheme's document shape (ECDSA signature, other field names).
        var v1 = """{"TLS.account_type":"0","TLS.identifier":"xiaojun","TLS.appid_at_3rd":"0","TLS.sdk_appid":"1400000000","TLS.expire_after":"180","TLS.version":"201512300000","TLS.time":"1700000000","TLS.sig":"MEUCIQ"}""";

        Assert.Equal(UserSigOutcome.WrongVersion, UserSig.Verify(FromDocumentText(v1), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void SdkAppIdMismatchIs70014()
    {
        var check = UserSig.Verify(Vector1UserSig, 1400000001, Key, "xiaojun", Time, null);

        Assert.Equal(UserSigOutcome.SdkAppIdMismatch, check.Outcome);
        Assert.Equal(70014, check.TencentErrorCode);
    }

    [Theory]
    [InlineData("xiaojun2")]
    [InlineData("Xiaojun")]
    [InlineData("")]
    public void IdentifierMismatchIs70013(string identifier)
    {
        var check = UserSig.Verify(Vector1UserSig, AppId, Key, identifier, Time, null);

        Assert.Equal(UserSigOutcome.IdentifierMismatch, check.Outcome);
        Assert.Equal(70013, check.TencentErrorCode);
    }

    [Fact]
    public void ExpiryIsStrictlyAfterTimePlusExpire()
    {
        var sig = UserSig.Generate(AppId, Key, "xiaojun", 4, Time);

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(sig, AppId, Key, "xiaojun", Time + 4, null).Outcome);
        Assert.Equal(UserSigOutcome.Expired, UserSig.Verify(sig, AppId, Key, "xiaojun", Time + 5, null).Outcome);
        Assert.Equal(UserSigOutcome.Expired, UserSig.Verify(UserSig.Generate(AppId, Key, "xiaojun", 0, Time), AppId, Key, "xiaojun", Time + 1, null).Outcome);
    }

    [Fact]
    public void ExpiryArithmeticDoesNotOverflow()
    {
        var document = Document();
        document["TLS.time"] = long.MaxValue;
        document["TLS.expire"] = long.MaxValue;

        Assert.Equal(UserSigOutcome.SignatureMismatch, UserSig.Verify(FromDocument(document), AppId, Key, "xiaojun", long.MaxValue, null).Outcome);
    }

    [Fact]
    public void WrongKeyIsASignatureMismatch()
    {
        var check = UserSig.Verify(Vector1UserSig, AppId, "another key", "xiaojun", Time, null);

        Assert.Equal(UserSigOutcome.SignatureMismatch, check.Outcome);
        Assert.Equal(70003, check.TencentErrorCode);
    }

    [Theory]
    [InlineData("TLS.time", 1700000001L)]
    [InlineData("TLS.expire", 99999999L)]
    public void EditedDocumentIsASignatureMismatch(string field, long value)
    {
        var document = Document();
        document[field] = value;

        Assert.Equal(UserSigOutcome.SignatureMismatch, UserSig.Verify(FromDocument(document), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Theory]
    [InlineData("LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4")]
    [InlineData("LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B8=")]
    [InlineData("not base64")]
    [InlineData("")]
    [InlineData("LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip")]
    public void MangledSignatureFieldIsASignatureMismatch(string sig)
    {
        var document = Document();
        document["TLS.sig"] = sig;

        Assert.Equal(UserSigOutcome.SignatureMismatch, UserSig.Verify(FromDocument(document), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void DocumentKeyOrderAndSpacingDoNotMatter()
    {
        var text = """
            { "TLS.sig" : "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=", "TLS.time": 1700000000,
              "TLS.expire": 15552000, "TLS.sdkappid": 1400000000, "TLS.identifier": "xiaojun", "TLS.ver": "2.0" }
            """;

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(FromDocumentText(text), AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void UnpaddedOuterEncodingIsAccepted()
    {
        var sig = UserSig.Generate(AppId, Key, "xiaojun", Expire, Time).TrimEnd('_');

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(sig, AppId, Key, "xiaojun", Time, null).Outcome);
    }

    [Fact]
    public void TruncatedUserSigNeverVerifies()
    {
        // Dropping only the trailing padding keeps every byte, so that is not a truncation.
        for (var length = 1; length < Vector1UserSig.TrimEnd('_').Length; length++)
        {
            var check = UserSig.Verify(Vector1UserSig[..length], AppId, Key, "xiaojun", Time, null);
            Assert.False(check.IsValid, $"truncated to {length}");
            Assert.Equal(70003, check.TencentErrorCode);
        }
    }

    [Theory]
    [InlineData(UserSigOutcome.Valid, 0)]
    [InlineData(UserSigOutcome.Empty, 70002)]
    [InlineData(UserSigOutcome.GarbledEncoding, 70003)]
    [InlineData(UserSigOutcome.BadZlib, 70003)]
    [InlineData(UserSigOutcome.BadJson, 70003)]
    [InlineData(UserSigOutcome.WrongVersion, 70009)]
    [InlineData(UserSigOutcome.SdkAppIdMismatch, 70014)]
    [InlineData(UserSigOutcome.IdentifierMismatch, 70013)]
    [InlineData(UserSigOutcome.Expired, 70001)]
    [InlineData(UserSigOutcome.UserbufMismatch, 70003)]
    [InlineData(UserSigOutcome.SignatureMismatch, 70003)]
    public void EveryOutcomeHasATencentErrorCode(UserSigOutcome outcome, int code) =>
        Assert.Equal(code, new UserSigCheck(outcome).TencentErrorCode);

    [Fact]
    public void EveryDefinedOutcomeIsMapped() =>
        Assert.All(Enum.GetValues<UserSigOutcome>(), o => Assert.True(UserSigCheck.ErrorCodeFor(o) >= 0));

    [Fact]
    public void UndefinedOutcomeHasNoErrorCode() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => UserSigCheck.ErrorCodeFor((UserSigOutcome)999));

    /// <summary>The vector-1 document, ready to be edited.</summary>
    private static JsonObject Document() => Decode(Vector1UserSig);

    internal static JsonObject Decode(string userSig)
    {
        var base64 = userSig.Replace('*', '+').Replace('-', '/').Replace('_', '=');
        using var zlib = new ZLibStream(new MemoryStream(Convert.FromBase64String(base64)), CompressionMode.Decompress);
        return JsonNode.Parse(zlib)!.AsObject();
    }

    private static string FromDocument(JsonObject document) => FromDocumentText(document.ToJsonString());

    private static string FromDocumentText(string json) => TencentBase64(Zlib(Encoding.UTF8.GetBytes(json)));

    private static byte[] Zlib(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (data.Length == 0)
        {
            // ZLibStream writes nothing at all for no input; this is zlib.compress(b"").
            return [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        }

        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, level))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static string TencentBase64(byte[] bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '*').Replace('/', '-').Replace('=', '_');
}
