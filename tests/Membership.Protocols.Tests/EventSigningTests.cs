using System.Text;
using System.Text.Json.Nodes;
using static Membership.Protocols.Tests.TestKeys;

namespace Membership.Protocols.Tests;

public class EventSigningTests
{
    private const string Event1 = """{"room_id":"!x:domain","sender":"@a:domain","origin":"domain","origin_server_ts":1000000,"signatures":{},"hashes":{},"type":"X","content":{},"prev_events":[],"auth_events":[],"depth":3,"unsigned":{"age_ts":1000000}}""";
    private const string Event2 = """{"content":{"body":"Here is the message content"},"event_id":"$0:domain","origin":"domain","origin_server_ts":1000000,"type":"m.room.message","room_id":"!r:domain","sender":"@u:domain","signatures":{},"unsigned":{"age_ts":1000000}}""";
    private const string Invite = """{"auth_events":["$a","$b"],"content":{"membership":"invite","displayname":"Bob"},"depth":5,"origin":"domain","origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","state_key":"@b:remote.example","type":"m.room.member","unsigned":{"age":5}}""";
    private const string InviteHash = "aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU";

    [Fact]
    public void SpecEventOneHashesSignsAndIdentifiesAsPublished()
    {
        var ev = Object(Event1);

        Assert.Equal(
            """{"auth_events":[],"content":{},"depth":3,"origin":"domain","origin_server_ts":1000000,"prev_events":[],"room_id":"!x:domain","sender":"@a:domain","type":"X"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeWithout(ev, "unsigned", "signatures", "hashes")));
        Assert.Equal("5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos", EventSigning.ComputeContentHash(ev));

        EventSigning.Sign(ev, "1", "domain", Spec);

        Assert.Equal("5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos", (string?)ev["hashes"]!["sha256"]);
        Assert.Equal(
            """{"auth_events":[],"content":{},"depth":3,"hashes":{"sha256":"5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"},"origin":"domain","origin_server_ts":1000000,"prev_events":[],"room_id":"!x:domain","sender":"@a:domain","type":"X"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeForSigning(EventSigning.Redact(ev, "1"))));
        Assert.Equal(
            "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal("$8yif6p8EqgoSten2BLje9ntKm720NyFLWQv9tn8memc", EventSigning.ComputeEventId(ev, "3"));
        Assert.Equal("$8yif6p8EqgoSten2BLje9ntKm720NyFLWQv9tn8memc", EventSigning.ComputeEventId(ev, "4"));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "1", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    [InlineData("4")]
    [InlineData("5")]
    [InlineData("6")]
    [InlineData("7")]
    [InlineData("8")]
    [InlineData("9")]
    [InlineData("10")]
    public void SpecEventOneSignatureIsTheSameForEveryPreV11RoomVersion(string roomVersion)
    {
        var ev = Object(Event1);

        EventSigning.Sign(ev, roomVersion, "domain", Spec);

        Assert.Equal(
            "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
    }

    [Fact]
    public void SpecEventTwoKeepsItsBodyAndUnsignedButSignsOnlyTheRedactedForm()
    {
        var ev = Object(Event2);

        EventSigning.Sign(ev, "1", "domain", Spec);

        Assert.Equal("onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g", (string?)ev["hashes"]!["sha256"]);
        Assert.Equal(
            """{"content":{},"event_id":"$0:domain","hashes":{"sha256":"onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"},"origin":"domain","origin_server_ts":1000000,"room_id":"!r:domain","sender":"@u:domain","type":"m.room.message"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeForSigning(EventSigning.Redact(ev, "1"))));
        Assert.Equal(
            "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal("Here is the message content", (string?)ev["content"]!["body"]);
        Assert.Equal(1000000, (int)ev["unsigned"]!["age_ts"]!);
        Assert.Equal("$0:domain", EventSigning.ComputeEventId(ev, "1"));
        Assert.Equal("$0:domain", EventSigning.ComputeEventId(ev, "2"));
    }

    [Theory]
    [InlineData(
        """{"event_id":"$0:domain","origin_server_ts":1000000,"signatures":{},"type":"X","content":{},"unsigned":{"age_ts":1000000}}""",
        "mq4QfPPpC+QsBd6eqfVsmJIEz8uvMSVK0+AU67PLESk",
        "18rGIkd4JJXxw9m+1j3BtN+TmqmLip4VHvFbyXLngpBLXOqbxlQViQABRzep2cODQ2aa5FnFgz+Llt2P03WiAw")]
    [InlineData(
        """{"content":{"body":"Here is the message content"},"event_id":"$0:domain","origin_server_ts":1000000,"type":"m.room.message","room_id":"!r:domain","sender":"@u:domain","signatures":{},"unsigned":{"age_ts":1000000}}""",
        "rDCeYBepPlI891h/RkI2/Lkf9bt7u0TxFku4tMs7WKk",
        "Ay4aj2b5oJ1k8INYZ9n3KnszCflM0emwcmQQ7vxpbdcSv9bkJxIZdWX1IJllcZLq89+D3sSabE+vqPtZs9akDw")]
    public void SynapseEventVectorsSignAsPublished(string json, string hash, string signature)
    {
        var ev = Object(json);

        EventSigning.Sign(ev, "1", "domain", Spec);

        Assert.Equal(hash, (string?)ev["hashes"]!["sha256"]);
        Assert.Equal(signature, (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "1", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void InviteVectorSignsAndIdentifiesAsDerivedForRoomVersion10()
    {
        var ev = Object(Invite);

        EventSigning.Sign(ev, "10", "domain", Spec);

        Assert.Equal(InviteHash, (string?)ev["hashes"]!["sha256"]);
        Assert.Equal(
            """{"auth_events":["$a","$b"],"content":{"membership":"invite"},"depth":5,"hashes":{"sha256":"aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU"},"origin":"domain","origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","state_key":"@b:remote.example","type":"m.room.member"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeForSigning(EventSigning.Redact(ev, "10"))));
        Assert.Equal(
            "IJMSznXIOw5SYM1M7CFH8O+a55qaZYVmpT9h5Y1mSSqaMUMmJujAdQ4JKUDCX/Fs/J8194284yBy1ZPDYFm8Dw",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal("$6p-akDAwWw56G8rWOlh9pDzJCqY3V21fqXXonKTzpm0", EventSigning.ComputeEventId(ev, "10"));
        Assert.Equal("$6p+akDAwWw56G8rWOlh9pDzJCqY3V21fqXXonKTzpm0", EventSigning.ComputeEventId(ev, "3"));
    }

    [Fact]
    public void InviteeCoSignatureMatchesTheDerivedVectorAndKeepsTheEventId()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);
        var hashesBefore = Canonical(ev["hashes"]);
        var eventIdBefore = EventSigning.ComputeEventId(ev, "10");

        EventSigning.AddSignature(ev, "10", "remote.example", Invitee);

        Assert.Equal(
            "kLlxqiWdVDbi7YESJnuI0XmSooke9JGx9fLUc8yqcEC3hVeWdQbD+VAp5aEOIweKd40Rtxmrc9gTUmvGK8aHCQ",
            (string?)ev["signatures"]!["remote.example"]!["ed25519:1"]);
        Assert.Equal(
            "IJMSznXIOw5SYM1M7CFH8O+a55qaZYVmpT9h5Y1mSSqaMUMmJujAdQ4JKUDCX/Fs/J8194284yBy1ZPDYFm8Dw",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal(hashesBefore, Canonical(ev["hashes"]));
        Assert.Equal(eventIdBefore, EventSigning.ComputeEventId(ev, "10"));
        Assert.Equal("Bob", (string?)ev["content"]!["displayname"]);
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "10", "remote.example", "ed25519:1", Invitee.PublicKey));
    }

    [Fact]
    public void InviteVectorUnderV11RulesLeavesOriginUnsigned()
    {
        var ev = Object(Invite);

        EventSigning.Sign(ev, "11", "domain", Spec);

        Assert.Equal(InviteHash, (string?)ev["hashes"]!["sha256"]);
        Assert.Equal(
            """{"auth_events":["$a","$b"],"content":{"membership":"invite"},"depth":5,"hashes":{"sha256":"aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU"},"origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","state_key":"@b:remote.example","type":"m.room.member"}""",
            Encoding.UTF8.GetString(CanonicalJson.EncodeForSigning(EventSigning.Redact(ev, "11"))));
        Assert.Equal(
            "9oBCbOLJ+w4tBvSkIas6bWm5HDA19pvxHwFMI/uDANG0Ic2nhA4HF+2blOD2+xqAh6DpHsWM90LPzDSt+tokCw",
            (string?)ev["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal("$NO1Q34xX9YlMqZT2aC1IJteup4Nie1SKVYp03Ah0PlM", EventSigning.ComputeEventId(ev, "11"));
    }

    [Fact]
    public void ReceivedInviteWithPublishedSignatureVerifies()
    {
        // As it arrives over federation: hashes and the inviter's signature set, no local computation.
        var ev = Object("""{"auth_events":["$a","$b"],"content":{"displayname":"Bob","membership":"invite"},"depth":5,"hashes":{"sha256":"aVkZzEeALos7XebCooZs+ZKWjHuVj6k5XRAY9b41VtU"},"origin":"domain","origin_server_ts":1000000,"prev_events":["$c"],"room_id":"!r:domain","sender":"@a:domain","signatures":{"domain":{"ed25519:1":"IJMSznXIOw5SYM1M7CFH8O+a55qaZYVmpT9h5Y1mSSqaMUMmJujAdQ4JKUDCX/Fs/J8194284yBy1ZPDYFm8Dw"}},"state_key":"@b:remote.example","type":"m.room.member","unsigned":{"age":5}}""");
        Assert.True(UnpaddedBase64.TryDecode(SpecPublicKey, out var publicKey));

        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "10", "domain", "ed25519:1", publicKey));
        Assert.Equal(EventCheck.SignatureInvalid, EventSigning.Verify(ev, "11", "domain", "ed25519:1", publicKey));
    }

    [Fact]
    public void VerifyReportsAChangedNonEssentialFieldAsAHashMismatch()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);
        ev["content"]!["displayname"] = "Mallory";

        Assert.Equal(EventCheck.HashMismatch, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsAChangedEssentialFieldAsAnInvalidSignature()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);
        ev["content"]!["membership"] = "join";

        Assert.Equal(EventCheck.SignatureInvalid, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyIgnoresChangesToUnsigned()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);
        ev["unsigned"] = new JsonObject { ["invite_room_state"] = new JsonArray() };

        Assert.Equal(EventCheck.Valid, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsAnEventSignedWithoutHashes()
    {
        var ev = Object(Invite);
        EventSigning.AddSignature(ev, "10", "domain", Spec);

        Assert.Equal(EventCheck.HashMissing, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsSignatureProblemsBeforeHashProblems()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);

        Assert.Equal(EventCheck.SignatureMissing, EventSigning.Verify(ev, "10", "other.example", "ed25519:1", Spec.PublicKey));
        Assert.Equal(EventCheck.SignatureInvalid, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Invitee.PublicKey));
        Assert.Equal(EventCheck.UnsupportedAlgorithm, EventSigning.Verify(ev, "10", "domain", "rsa:1", Spec.PublicKey));
        Assert.Equal(EventCheck.InvalidPublicKey, EventSigning.Verify(ev, "10", "domain", "ed25519:1", new byte[31]));

        ev["signatures"]!["domain"]!["ed25519:1"] = "%%%";
        Assert.Equal(EventCheck.SignatureMalformed, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
    }

    [Fact]
    public void VerifyReportsAnEventWithoutCanonicalForm()
    {
        var ev = Object(Invite);
        EventSigning.Sign(ev, "10", "domain", Spec);
        ev["depth"] = 5.5;

        Assert.Equal(EventCheck.NotCanonical, EventSigning.Verify(ev, "10", "domain", "ed25519:1", Spec.PublicKey));
        Assert.Throws<CanonicalJsonException>(() => EventSigning.ComputeEventId(ev, "10"));
        Assert.Throws<CanonicalJsonException>(() => EventSigning.ComputeContentHash(ev));
    }

    [Fact]
    public void SignReplacesAStaleHashAndKeepsOtherHashes()
    {
        var ev = Object(Invite);
        ev["hashes"] = new JsonObject { ["sha256"] = "stale", ["other"] = "x" };

        EventSigning.Sign(ev, "10", "domain", Spec);

        Assert.Equal(InviteHash, (string?)ev["hashes"]!["sha256"]);
        Assert.Equal("x", (string?)ev["hashes"]!["other"]);
    }

    [Theory]
    [InlineData("""{"hashes":"x","type":"X","content":{}}""")]
    [InlineData("""{"hashes":[],"type":"X","content":{}}""")]
    [InlineData("""{"signatures":[],"type":"X","content":{}}""")]
    public void SignRefusesMalformedHashesOrSignatures(string json) =>
        Assert.Throws<ArgumentException>(() => EventSigning.Sign(Object(json), "10", "domain", Spec));

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void EventIdForRoomVersionsOneAndTwoMustBeCarriedByTheEvent(string roomVersion)
    {
        Assert.Throws<ArgumentException>(() => EventSigning.ComputeEventId(Object(Invite), roomVersion));
        Assert.Throws<ArgumentException>(() => EventSigning.ComputeEventId(Object("""{"event_id":5}"""), roomVersion));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("12")]
    [InlineData("01")]
    [InlineData(" 1")]
    [InlineData("")]
    [InlineData("org.matrix.msc2176")]
    public void UnknownRoomVersionsAreArgumentExceptions(string roomVersion)
    {
        var ev = Object(Invite);

        Assert.False(EventSigning.IsSupportedRoomVersion(roomVersion));
        Assert.Throws<ArgumentException>(() => EventSigning.Redact(ev, roomVersion));
        Assert.Throws<ArgumentException>(() => EventSigning.Sign(ev, roomVersion, "domain", Spec));
        Assert.Throws<ArgumentException>(() => EventSigning.AddSignature(ev, roomVersion, "domain", Spec));
        Assert.Throws<ArgumentException>(() => EventSigning.ComputeEventId(ev, roomVersion));
        Assert.Throws<ArgumentException>(() => EventSigning.Verify(ev, roomVersion, "domain", "ed25519:1", Spec.PublicKey));
        Assert.Equal(Canonical(Object(Invite)), Canonical(ev));
    }

    [Fact]
    public void RoomVersionsOneToElevenAreSupported()
    {
        for (var v = 1; v <= 11; v++)
        {
            Assert.True(EventSigning.IsSupportedRoomVersion(v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.False(EventSigning.IsSupportedRoomVersion(null));
    }
}
