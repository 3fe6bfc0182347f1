using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

public class JsonSigningTests
{
    [Fact]
    public void SigningTheEmptyObjectGivesTheSpecVector()
    {
        var obj = new JsonObject();

        JsonSigning.Sign(obj, "domain", Spec);

        Assert.Equal(
            """{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}""",
            Canonical(obj));
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void SigningASimpleObjectGivesTheSpecVector()
    {
        var obj = Object("""{"one": 1, "two": "Two"}""");

        JsonSigning.Sign(obj, "domain", Spec);

        Assert.Equal(
            """{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}""",
            Canonical(obj));
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void SpecVectorVerifiesAsReceived()
    {
        var received = Object("""{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}""");

        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(received, "domain", "ed25519:1", UnpaddedBase64Decode(SpecPublicKey)));
    }

    [Fact]
    public void SigningMergesWithExistingSignatures()
    {
        var obj = Object("""{"a":1,"signatures":{"other":{"ed25519:x":"abc"},"domain":{"ed25519:0":"old"}}}""");

        JsonSigning.Sign(obj, "domain", Spec);
        JsonSigning.Sign(obj, "remote.example", Invitee);

        var signatures = obj["signatures"]!.AsObject();
        Assert.Equal("abc", (string?)signatures["other"]!["ed25519:x"]);
        Assert.Equal("old", (string?)signatures["domain"]!["ed25519:0"]);
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(obj, "remote.example", "ed25519:1", Invitee.PublicKey));
    }

    [Fact]
    public void UnsignedAndSignaturesAreNotCovered()
    {
        var obj = Object("""{"a":1,"unsigned":{"age":1}}""");
        JsonSigning.Sign(obj, "domain", Spec);

        obj["unsigned"] = new JsonObject { ["age"] = 999 };
        obj["signatures"]!["someone"] = new JsonObject { ["ed25519:z"] = "zzz" };

        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
        Assert.Equal(999, (int)obj["unsigned"]!["age"]!);
    }

    [Fact]
    public void VerifyReportsAChangedFieldAsInvalid()
    {
        var obj = Object("""{"a":1}""");
        JsonSigning.Sign(obj, "domain", Spec);
        obj["a"] = 2;

        Assert.Equal(SignatureCheck.Invalid, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsAnotherKeyAsInvalid()
    {
        var obj = Object("""{"a":1}""");
        JsonSigning.Sign(obj, "domain", Spec);

        Assert.Equal(SignatureCheck.Invalid, JsonSigning.Verify(obj, "domain", "ed25519:1", Invitee.PublicKey));
    }

    [Theory]
    [InlineData("""{"a":1}""")]
    [InlineData("""{"signatures":{}}""")]
    [InlineData("""{"signatures":{"domain":{}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:2":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}""")]
    public void VerifyReportsAMissingSignature(string json) =>
        Assert.Equal(SignatureCheck.Missing, JsonSigning.Verify(Object(json), "domain", "ed25519:1", Spec.PublicKey));

    [Theory]
    [InlineData("""{"signatures":[]}""")]
    [InlineData("""{"signatures":null}""")]
    [InlineData("""{"signatures":{"domain":"x"}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":1}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":null}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":"not base64!"}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":"AAAA"}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":"\ud800"}}}""")]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5Z"}}}""")]
    public void VerifyReportsAMalformedSignature(string json) =>
        Assert.Equal(SignatureCheck.Malformed, JsonSigning.Verify(Object(json), "domain", "ed25519:1", Spec.PublicKey));

    [Fact]
    public void VerifyReportsAnUnsupportedAlgorithm() =>
        Assert.Equal(SignatureCheck.UnsupportedAlgorithm, JsonSigning.Verify(new JsonObject(), "domain", "curve25519:1", Spec.PublicKey));

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void VerifyReportsAPublicKeyOfTheWrongLength(int length) =>
        Assert.Equal(SignatureCheck.InvalidPublicKey, JsonSigning.Verify(new JsonObject(), "domain", "ed25519:1", new byte[length]));

    [Fact]
    public void VerifyReportsAnObjectWithoutCanonicalForm()
    {
        var obj = Object("""{"a":1}""");
        JsonSigning.Sign(obj, "domain", Spec);
        obj["a"] = 1.5;

        Assert.Equal(SignatureCheck.NotCanonical, JsonSigning.Verify(obj, "domain", "ed25519:1", Spec.PublicKey));
    }

    [Theory]
    [InlineData("""{"signatures":[]}""")]
    [InlineData("""{"signatures":"x"}""")]
    [InlineData("""{"signatures":{"domain":[]}}""")]
    public void SignRefusesMalformedSignaturesWithoutChangingTheObject(string json)
    {
        var obj = Object(json);

        Assert.Throws<ArgumentException>(() => JsonSigning.Sign(obj, "domain", Spec));
        Assert.Equal(Canonical(Object(json)), Canonical(obj));
    }

    [Fact]
    public void SignRefusesAnObjectWithoutCanonicalForm() =>
        Assert.Throws<CanonicalJsonException>(() => JsonSigning.Sign(new JsonObject { ["a"] = 0.5 }, "domain", Spec));

    private static byte[] UnpaddedBase64Decode(string text)
    {
        Assert.True(UnpaddedBase64.TryDecode(text, out var bytes));
        return bytes;
    }
}
