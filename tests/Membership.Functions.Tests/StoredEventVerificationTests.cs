using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Service;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Every stored event is a real PDU that anyone can verify with the key served at
/// <c>/_matrix/key/v2/server</c>: the signature and content hash verify, the event ID is the reference hash, and
/// <c>prev_events</c> chains each event to the one before it.
/// </summary>
public sealed class StoredEventVerificationTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task TheServerKeyResponseIsSelfSignedWithTheServedKey()
    {
        var (serverName, keyId, publicKey, keys) = await ServerKeyAsync();

        Assert.Equal(ServiceFixture.ServerName, serverName);
        Assert.Equal(fixture.Get<ServerIdentity>().SigningKey.KeyId, keyId);
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(keys, serverName, keyId, publicKey));
        Assert.True((long)keys["valid_until_ts"]! > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // The signature covers the content: a changed key set no longer verifies.
        keys["valid_until_ts"] = 1;
        Assert.Equal(SignatureCheck.Invalid, JsonSigning.Verify(keys, serverName, keyId, publicKey));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("11")]
    public async Task EveryEventOfARoomCreatedAndChangedOverHttpVerifies(string roomVersion)
    {
        var (alice, bob, carol, dave) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"), await fixture.NewUserAsync("dave"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["room_version"] = roomVersion,
            ["name"] = "Signed ✓",
            ["room_alias_name"] = Unique("signed"),
            ["invite"] = new JsonArray(dave.UserId),
        });
        await fixture.JoinAsync(bob, room);
        AssertOk(await fixture.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}", carol, new JsonObject { ["displayname"] = "Carol", ["custom"] = new JsonObject { ["n"] = 1 } }));
        await fixture.ActAsync("kick", alice, room, carol);
        await fixture.ActAsync("ban", alice, room, carol);
        await fixture.ActAsync("unban", alice, room, carol);
        AssertOk(await fixture.PostAsync(Room(room, "/leave"), dave, new JsonObject { ["reason"] = "no thanks" }));
        var levels = (await fixture.GetAsync(Room(room, "/state/m.room.power_levels"), alice)).Body!.AsObject();
        levels["users"]![bob.UserId] = 50;
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.power_levels"), alice, levels));
        AssertOk(await fixture.PutAsync(Room(room, "/state/m.room.join_rules"), alice, new JsonObject { ["join_rule"] = "invite" }));
        AssertOk(await fixture.PutAsync(Room(room, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), alice, new JsonObject { ["membership"] = "leave" }));

        var (serverName, keyId, publicKey, _) = await ServerKeyAsync();
        var events = await fixture.EventsAsync(room);

        Assert.True(events.Count >= 14, $"expected every change in the log, found {events.Count} events");
        string? previous = null;
        foreach (var ev in events)
        {
            var pdu = JsonNode.Parse(ev.Pdu)!.AsObject();
            Assert.Equal(ev.Pdu, CanonicalJson.Encode(pdu));
            Assert.Equal(EventCheck.Valid, EventSigning.Verify(pdu, roomVersion, serverName, keyId, publicKey));
            Assert.Equal(ev.EventId, EventSigning.ComputeEventId(pdu, roomVersion));
            Assert.Equal(room, (string?)pdu["room_id"]);
            Assert.Equal(ev.Type, (string?)pdu["type"]);
            Assert.Equal(ev.Sender, (string?)pdu["sender"]);
            Assert.Equal(ev.Seq, (long)pdu["depth"]!);
            string[] chained = previous is null ? [] : [previous];
            Assert.Equal(chained, pdu["prev_events"]!.AsArray().Select(e => (string)e!));
            Assert.All(pdu["auth_events"]!.AsArray(), id => Assert.Contains((string)id!, events.Where(e => e.Seq < ev.Seq).Select(e => e.EventId)));
            previous = ev.EventId;
        }

        Assert.Equal(previous, (await fixture.HeadAsync(room)).LastEventId);
    }

    [Fact]
    public async Task AnAlteredEventNoLongerVerifies()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        var (serverName, keyId, publicKey, _) = await ServerKeyAsync();
        var member = (await fixture.EventsAsync(room)).First(e => e.Type == "m.room.member");

        // Content that redaction drops is covered by the hash; what redaction keeps (membership, timestamps) by the signature.
        var reasoned = JsonNode.Parse(member.Pdu)!.AsObject();
        reasoned["content"]!["reason"] = "added later";
        var banned = JsonNode.Parse(member.Pdu)!.AsObject();
        banned["content"]!["membership"] = "ban";
        var redated = JsonNode.Parse(member.Pdu)!.AsObject();
        redated["origin_server_ts"] = 1;

        Assert.Equal(EventCheck.HashMismatch, EventSigning.Verify(reasoned, "10", serverName, keyId, publicKey));
        Assert.Equal(EventCheck.SignatureInvalid, EventSigning.Verify(banned, "10", serverName, keyId, publicKey));
        Assert.Equal(EventCheck.SignatureInvalid, EventSigning.Verify(redated, "10", serverName, keyId, publicKey));
        Assert.NotEqual(member.EventId, EventSigning.ComputeEventId(redated, "10"));
    }

    /// <summary>The served key: server name, key ID, the decoded 32-byte public key, and the whole response.</summary>
    private async Task<(string ServerName, string KeyId, byte[] PublicKey, JsonObject Keys)> ServerKeyAsync()
    {
        var response = await fixture.GetAsync("/_matrix/key/v2/server", null);
        AssertOk(response);
        var keys = response.Body!.AsObject();
        var (keyId, key) = Assert.Single(keys["verify_keys"]!.AsObject());
        Assert.True(UnpaddedBase64.TryDecode((string?)key!["key"], out var publicKey));
        Assert.Equal(32, publicKey.Length);
        return ((string)keys["server_name"]!, keyId, publicKey, keys);
    }
}
