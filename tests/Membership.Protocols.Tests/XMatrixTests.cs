using System.Text;
using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

public class XMatrixTests
{
    private const string Xm1Header = "X-Matrix origin=\"domain\",destination=\"remote.example\",key=\"ed25519:1\",sig=\"wR1E4UZ3G3F2knf0x+RNgxQ2N/hCiZ/ZdOktAey0wSvTWc/nHH8YPJaOvRhipwX46AZPntLZhHd0DFjZ7H7iDQ\"";
    private const string Xm2Uri = "/_matrix/federation/v2/invite/!r:domain/$ev";
    private const string Xm2Content = """{"event":{"type":"m.room.member"},"invite_room_state":[],"room_version":"10"}""";
    private const string Xm3Uri = "/_matrix/federation/v2/invite/%21r%3Adomain/%246p-akDAwWw56G8rWOlh9pDzJCqY3V21fqXXonKTzpm0";
    private const string Xm3Content = """{"event":{"auth_events":["$a","$b"],"content":{"displayname":"Bob","membership":"invite"},"depth":5,"hashes":{"sha256":"aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU"},"origin":"domain","origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","signatures":{"domain":{"ed25519:1":"IJMSznXIOw5SYM1M7CFH8O+a55qaZYVmpT9h5Y1mSSqaMUMmJujAdQ4JKUDCX/Fs/J8194284yBy1ZPDYFm8Dw"}},"state_key":"@b:remote.example","type":"m.room.member","unsigned":{"age":5}},"invite_room_state":[],"room_version":"10"}""";

    [Fact]
    public void RequestWithoutBodyGivesTheXm1BytesAndHeader()
    {
        var signed = XMatrix.BuildSignedObject("GET", "/_matrix/federation/v1/version", "domain", "remote.example", null);

        Assert.Equal(
            """{"destination":"remote.example","method":"GET","origin":"domain","uri":"/_matrix/federation/v1/version"}""",
            Canonical(signed));
        Assert.Equal(Xm1Header, XMatrix.CreateHeader("GET", "/_matrix/federation/v1/version", "domain", "remote.example", null, Spec));
    }

    [Fact]
    public void RequestWithBodyGivesTheXm2BytesAndSignature()
    {
        var signed = XMatrix.BuildSignedObject("PUT", Xm2Uri, "domain", "remote.example", JsonNode.Parse(Xm2Content));

        Assert.Equal(
            """{"content":{"event":{"type":"m.room.member"},"invite_room_state":[],"room_version":"10"},"destination":"remote.example","method":"PUT","origin":"domain","uri":"/_matrix/federation/v2/invite/!r:domain/$ev"}""",
            Canonical(signed));
        Assert.Equal(
            "VyI7tym8jqp7fV1XCFcy+0BZ1zQfLcLKtHcDb2oFnLaqISG2AnFm03RIopzxM+iTqEVOGe0CEBxB/HQGVILGAg",
            SignatureOf(XMatrix.CreateHeader("PUT", Xm2Uri, "domain", "remote.example", JsonNode.Parse(Xm2Content), Spec)));
    }

    [Fact]
    public void RealisticInviteRequestGivesTheXm3Signature()
    {
        var header = XMatrix.CreateHeader("PUT", Xm3Uri, "domain", "remote.example", JsonNode.Parse(Xm3Content), Spec);

        Assert.Equal(
            "TT9/0HUaW+Jr0lew0ZTcfjWfKFZoBqckWXZv8XgK2OpBKBzdGhjj3KC64OSIadoDRECGJVdtdcRz74DkIewTAA",
            SignatureOf(header));
    }

    [Fact]
    public void ReceivedXm3RequestVerifiesAgainstTheRawTargetOnly()
    {
        Assert.True(XMatrix.TryParse(XMatrix.CreateHeader("PUT", Xm3Uri, "domain", "remote.example", JsonNode.Parse(Xm3Content), Spec), out var auth, out _));
        // The receiver parses the body itself; whitespace in the raw body does not matter.
        var body = JsonNode.Parse(Xm3Content.Replace(",", ", ", StringComparison.Ordinal));

        Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(auth, "PUT", Xm3Uri, "remote.example", body, Spec.PublicKey));
        Assert.Equal(
            XMatrixCheck.SignatureInvalid,
            XMatrix.Verify(auth, "PUT", Uri.UnescapeDataString(Xm3Uri), "remote.example", body, Spec.PublicKey));
    }

    [Fact]
    public void BuildSignedObjectCopiesTheContent()
    {
        var content = JsonNode.Parse("""{"a":1}""")!;

        XMatrix.BuildSignedObject("PUT", "/x", "a", "b", content);

        Assert.Null(content.Parent);
    }

    [Fact]
    public void VerifyAcceptsAHeaderWithoutDestination()
    {
        Assert.True(XMatrix.TryParse(Xm1Header, out var auth, out _));
        var old = auth with { Destination = null };

        Assert.Equal(XMatrixCheck.Valid, XMatrix.Verify(old, "GET", "/_matrix/federation/v1/version", "remote.example", null, Spec.PublicKey));
        Assert.Equal(XMatrixCheck.SignatureInvalid, XMatrix.Verify(old, "GET", "/_matrix/federation/v1/version", "elsewhere.example", null, Spec.PublicKey));
    }

    [Fact]
    public void VerifyRejectsAHeaderForAnotherDestination()
    {
        Assert.True(XMatrix.TryParse(Xm1Header, out var auth, out _));

        Assert.Equal(XMatrixCheck.DestinationMismatch, XMatrix.Verify(auth, "GET", "/_matrix/federation/v1/version", "me.example", null, Spec.PublicKey));
    }

    [Theory]
    [InlineData("POST", "/_matrix/federation/v1/version", null)]
    [InlineData("GET", "/_matrix/federation/v1/version?x=1", null)]
    [InlineData("GET", "/_matrix/federation/v1/version", "{}")]
    [InlineData("GET", "/_matrix/federation/v1/Version", null)]
    public void VerifyRejectsAnyChangeToTheRequest(string method, string uri, string? content)
    {
        Assert.True(XMatrix.TryParse(Xm1Header, out var auth, out _));

        Assert.Equal(
            XMatrixCheck.SignatureInvalid,
            XMatrix.Verify(auth, method, uri, "remote.example", content is null ? null : JsonNode.Parse(content), Spec.PublicKey));
    }

    [Fact]
    public void VerifyRejectsAnotherOriginsSignature()
    {
        Assert.True(XMatrix.TryParse(Xm1Header, out var auth, out _));

        Assert.Equal(XMatrixCheck.SignatureInvalid, XMatrix.Verify(auth with { Origin = "evil.example" }, "GET", "/_matrix/federation/v1/version", "remote.example", null, Spec.PublicKey));
        Assert.Equal(XMatrixCheck.SignatureInvalid, XMatrix.Verify(auth, "GET", "/_matrix/federation/v1/version", "remote.example", null, Invitee.PublicKey));
    }

    [Theory]
    [InlineData("not base64!", XMatrixCheck.SignatureMalformed)]
    [InlineData("AAAA", XMatrixCheck.SignatureMalformed)]
    public void VerifyReportsMalformedSignatures(string signature, XMatrixCheck expected)
    {
        var auth = new XMatrixAuthorization("domain", "remote.example", "ed25519:1", signature);

        Assert.Equal(expected, XMatrix.Verify(auth, "GET", "/", "remote.example", null, Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsKeyAndBodyProblems()
    {
        Assert.True(XMatrix.TryParse(Xm1Header, out var auth, out _));

        Assert.Equal(XMatrixCheck.UnsupportedAlgorithm, XMatrix.Verify(auth with { KeyId = "rsa:1" }, "GET", "/", "remote.example", null, Spec.PublicKey));
        Assert.Equal(XMatrixCheck.InvalidPublicKey, XMatrix.Verify(auth, "GET", "/", "remote.example", null, new byte[5]));
        Assert.Equal(XMatrixCheck.NotCanonical, XMatrix.Verify(auth, "GET", "/", "remote.example", JsonNode.Parse("[1.5]"), Spec.PublicKey));
        Assert.Throws<CanonicalJsonException>(() => XMatrix.CreateHeader("PUT", "/", "a", "b", JsonNode.Parse("[1.5]"), Spec));
    }

    [Theory]
    [InlineData("X-Matrix origin=\"domain\",destination=\"remote.example\",key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=domain,destination=remote.example,key=ed25519:1,sig=c2ln")]
    [InlineData("X-Matrix sig=\"c2ln\",key=\"ed25519:1\",destination=\"remote.example\",origin=\"domain\"")]
    [InlineData("x-matrix ORIGIN=\"domain\",Destination=\"remote.example\",KEY=\"ed25519:1\",Sig=\"c2ln\"")]
    [InlineData("X-Matrix   origin=\"domain\" , destination=\"remote.example\",\tkey=\"ed25519:1\" ,sig=\"c2ln\"")]
    [InlineData("X-Matrix origin = \"domain\",destination= remote.example,key =ed25519:1,sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"dom\\ain\",destination=\"remote.example\",key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"domain\",foo=\"bar\",destination=\"remote.example\",baz=qux,key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"domain\",,destination=\"remote.example\",key=\"ed25519:1\",sig=\"c2ln\",")]
    [InlineData("  X-Matrix origin=\"domain\",destination=\"remote.example\",key=\"ed25519:1\",sig=\"c2ln\"  ")]
    public void TryParseAcceptsEverySpellingTheSpecAllows(string header)
    {
        Assert.True(XMatrix.TryParse(header, out var auth, out var error));

        Assert.Equal(XMatrixParseError.None, error);
        Assert.Equal(new XMatrixAuthorization("domain", "remote.example", "ed25519:1", "c2ln"), auth);
    }

    [Fact]
    public void TryParseUnescapesQuotedValues()
    {
        Assert.True(XMatrix.TryParse("X-Matrix origin=\"a\\\"b\\\\c\",key=\"ed25519:1\",sig=\"s\",note=\"x\\\",y\"", out var auth, out _));

        Assert.Equal("a\"b\\c", auth.Origin);
    }

    [Fact]
    public void TryParseAcceptsUnquotedColonsFromOldServers()
    {
        Assert.True(XMatrix.TryParse("X-Matrix origin=example.org:8448,key=ed25519:a_1,sig=ab+/cd", out var auth, out _));

        Assert.Equal(new XMatrixAuthorization("example.org:8448", null, "ed25519:a_1", "ab+/cd"), auth);
    }

    [Fact]
    public void HeaderRoundTripsThroughParse()
    {
        var auth = new XMatrixAuthorization("we\"ird\\", "remote.example", "ed25519:1", "abc");

        Assert.True(XMatrix.TryParse(auth.ToHeaderValue(), out var parsed, out _));
        Assert.Equal(auth, parsed);
    }

    [Theory]
    [InlineData(null, XMatrixParseError.NotXMatrix)]
    [InlineData("", XMatrixParseError.NotXMatrix)]
    [InlineData("Bearer abc", XMatrixParseError.NotXMatrix)]
    [InlineData("X-Matrixorigin=\"a\",key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.NotXMatrix)]
    [InlineData("X-Matrix", XMatrixParseError.MissingOrigin)]
    [InlineData("X-Matrix key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.MissingOrigin)]
    [InlineData("X-Matrix origin=\"\",key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.MissingOrigin)]
    [InlineData("X-Matrix origin=\"a\",sig=\"s\"", XMatrixParseError.MissingKey)]
    [InlineData("X-Matrix origin=\"a\",key=\"ed25519:1\"", XMatrixParseError.MissingSignature)]
    [InlineData("X-Matrix origin=\"a\",key=\"ed25519:1\",signature=\"s\"", XMatrixParseError.MissingSignature)]
    [InlineData("X-Matrix origin=\"a\",origin=\"b\",key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.DuplicateParameter)]
    [InlineData("X-Matrix origin=\"a\",key=\"ed25519:1\",sig=\"s\",SIG=\"t\"", XMatrixParseError.DuplicateParameter)]
    [InlineData("X-Matrix origin=\"a,key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=\"a\\", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix =\"a\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=\"a\" key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=a\"b\",key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=\"a\nb\",key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix origin=\"a\";key=\"ed25519:1\",sig=\"s\"", XMatrixParseError.Malformed)]
    [InlineData("X-Matrix ,,,", XMatrixParseError.MissingOrigin)]
    public void TryParseReportsWhatIsWrong(string? header, XMatrixParseError expected)
    {
        Assert.False(XMatrix.TryParse(header, out var auth, out var error));

        Assert.Null(auth);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void HeaderHasNoSpacesAfterCommas() =>
        Assert.DoesNotContain(", ", XMatrix.CreateHeader("GET", "/", "a", "b", null, Spec), StringComparison.Ordinal);

    [Fact]
    public void CanonicalBytesOfTheXm3RequestMatchTheReference()
    {
        var signed = XMatrix.BuildSignedObject("PUT", Xm3Uri, "domain", "remote.example", JsonNode.Parse(Xm3Content));

        Assert.Equal(
            """{"content":{"event":{"auth_events":["$a","$b"],"content":{"displayname":"Bob","membership":"invite"},"depth":5,"hashes":{"sha256":"aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU"},"origin":"domain","origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","signatures":{"domain":{"ed25519:1":"IJMSznXIOw5SYM1M7CFH8O+a55qaZYVmpT9h5Y1mSSqaMUMmJujAdQ4JKUDCX/Fs/J8194284yBy1ZPDYFm8Dw"}},"state_key":"@b:remote.example","type":"m.room.member","unsigned":{"age":5}},"invite_room_state":[],"room_version":"10"},"destination":"remote.example","method":"PUT","origin":"domain","uri":"/_matrix/federation/v2/invite/%21r%3Adomain/%246p-akDAwWw56G8rWOlh9pDzJCqY3V21fqXXonKTzpm0"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeForSigning(signed)));
    }

    private static string SignatureOf(string header)
    {
        Assert.True(XMatrix.TryParse(header, out var auth, out _));
        return auth.Signature;
    }
}
