using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

/// <summary>
/// Objects straight from JsonNode.Parse are built lazily and throw ArgumentException (duplicate keys) or
/// InvalidOperationException (keys with lone surrogates) when first read. The library turns both into its own outcomes.
/// </summary>
public class MalformedParsedJsonTests
{
    public static TheoryData<string> Unreadable => new()
    {
        """{"a":1,"a":2,"type":"X","content":{}}""",
        """{"a\ud800":1,"type":"X","content":{}}""",
        """{"type":"X","content":{"body":1,"body":2}}""",
        """{"type":"m.room.member","content":{"membership":"join","membership":"leave"}}""",
        """{"type":"X","content":{},"signatures":{"domain":{"ed25519:1":"x","ed25519:1":"y"}}}""",
        """{"type":"X","content":{},"hashes":{"sha256":"a","sha256":"b"}}""",
        """{"type":"X","content":{},"extra":{"\udc00":1}}""",
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void VerifyingUnreadableJsonGivesATypedOutcome(string json)
    {
        Assert.NotEqual(SignatureCheck.Valid, JsonSigning.Verify(Object(json), "domain", "ed25519:1", Spec.PublicKey));
        Assert.NotEqual(EventCheck.Valid, EventSigning.Verify(Object(json), "10", "domain", "ed25519:1", Spec.PublicKey));
        Assert.Equal(
            XMatrixCheck.NotCanonical,
            XMatrix.Verify(new XMatrixAuthorization("domain", null, "ed25519:1", new string('A', 86)), "PUT", "/", "me", JsonNode.Parse(json), Spec.PublicKey));
    }

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void SigningUnreadableJsonThrowsOnlyCanonicalJsonException(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => JsonSigning.Sign(Object(json), "domain", Spec));
        Assert.Throws<CanonicalJsonException>(() => EventSigning.Sign(Object(json), "10", "domain", Spec));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonNode.Parse(json)));
        Assert.Throws<CanonicalJsonException>(() => XMatrix.CreateHeader("PUT", "/", "a", "b", JsonNode.Parse(json), Spec));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2,"type":"X","content":{}}""")]
    [InlineData("""{"type":"X","content":{"body":1,"body":2}}""")]
    [InlineData("""{"event_id":"$a","event_id":"$b"}""")]
    public void IdentifyingUnreadableEventsThrowsOnlyCanonicalJsonException(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => EventSigning.ComputeEventId(Object(json), "10"));
        Assert.Throws<CanonicalJsonException>(() => EventSigning.ComputeContentHash(Object(json)));
    }

    [Fact]
    public void ReadingTheEventIdOfAnUnreadableV1EventThrowsOnlyCanonicalJsonException() =>
        Assert.Throws<CanonicalJsonException>(() => EventSigning.ComputeEventId(Object("""{"event_id":"$a","event_id":"$b"}"""), "1"));

    [Fact]
    public void RedactingUnreadableContentThrowsOnlyCanonicalJsonException() =>
        Assert.Throws<CanonicalJsonException>(() => EventSigning.Redact(Object("""{"type":"m.room.member","content":{"membership":"join","membership":"leave"}}"""), "10"));
}
