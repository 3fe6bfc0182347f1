using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;
using Membership.Service;
using Membership.Service.Federation;
using Membership.Service.Outbound;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>The public federation endpoints (keys, version) and how origin keys are fetched and cached.</summary>
[Collection(FederationServers.Name)]
public sealed class FederationKeyTests(FederationFixture fixture)
{
    [Fact]
    public async Task ServerKeysListTheCurrentKeySelfSignedAndTheRetiredOneWithItsExpiry()
    {
        var (status, body) = await fixture.Hs1.SendAsync(HttpMethod.Get, "/_matrix/key/v2/server");

        Assert.Equal(200, status);
        var keys = body!.AsObject();
        Assert.True(ServerKeySet.TryParse(keys, ServerName.Parse("hs1"), DateTimeOffset.UtcNow, out var set, out var error), error);
        Assert.Equal(fixture.Hs1.Key.PublicKeyBase64, set.Current("ed25519:hs1", DateTimeOffset.UtcNow)?.PublicKeyBase64);
        var old = keys["old_verify_keys"]![FederationFixture.Hs1OldKey.KeyId]!;
        Assert.Equal(FederationFixture.Hs1OldKey.PublicKeyBase64, (string?)old["key"]);
        Assert.Equal(FederationFixture.Hs1OldKeyExpiredTs, (long)old["expired_ts"]!);
    }

    [Fact]
    public async Task VersionNamesTheImplementationWithoutAuthentication()
    {
        var (status, body) = await fixture.Hs2.SendAsync(HttpMethod.Get, "/_matrix/federation/v1/version");

        Assert.Equal(200, status);
        Assert.Equal("membership", (string?)body!["server"]!["name"]);
        Assert.False(string.IsNullOrEmpty((string?)body["server"]!["version"]));
    }

    [Fact]
    public async Task OriginKeysAreFetchedOnceAndCachedInTableStorage()
    {
        var cached = fixture.Remotes["cached.test"];
        foreach (var invitee in new[] { "@bob:hs2", "@carol:hs2" })
        {
            var ev = Invite(cached.Name, cached.Key, $"!{Guid.NewGuid():N}:cached.test", invitee);
            Assert.Equal(200, (await SendSignedAsync(fixture.Hs2, "PUT", V2Path(ev), V2Body(ev), cached.Name, cached.Key)).Status);
        }

        Assert.Equal(1, cached.KeyFetches);
        var row = Assert.Single(await fixture.Hs2.Get<MembershipStore>().ReadServerKeysAsync(cached.Name));
        Assert.Equal((cached.Key.KeyId, cached.Key.PublicKeyBase64), (row.KeyId, row.PublicKey));
        Assert.True(row.ValidUntil > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task KeysCachedInTableStorageServeWhileTheKeyServerIsDown()
    {
        var cached = fixture.Remotes["cached.test"];
        var hs2 = fixture.Hs2;
        Assert.NotNull((await hs2.Get<KeyRing>().GetKeysAsync(ServerName.Parse(cached.Name), null, CancellationToken.None)).Keys);

        // A second ring over the same table, as another instance would be, whose way to cached.test leads nowhere.
        var options = new MembershipOptions { ServerName = "hs2" };
        options.Federation.Servers[cached.Name] = $"http://127.0.0.1:{Azurite.FreePort()}";
        options.Federation.RequestTimeout = TimeSpan.FromSeconds(1);
        var outbound = new OutboundGuard(options.Outbound.CreatePolicy(), options, NullLogger<OutboundGuard>.Instance);
        using var client = new FederationClient(options, hs2.Get<ServerIdentity>(), outbound, TimeProvider.System, NullLogger<FederationClient>.Instance);
        var ring = new KeyRing(client, hs2.Get<MembershipStore>(), hs2.Get<ServerIdentity>(), options, TimeProvider.System, NullLogger<KeyRing>.Instance);

        var lookup = await ring.GetKeysAsync(ServerName.Parse(cached.Name), cached.Key.KeyId, CancellationToken.None);

        Assert.Equal(cached.Key.PublicKeyBase64, lookup.Keys?.Current(cached.Key.KeyId, DateTimeOffset.UtcNow)?.PublicKeyBase64);
    }

    [Fact]
    public void KeyAnswerForAnotherServerNameIsRefused()
    {
        var key = FakeServer.KeyFrom("x", "ed25519:1");
        var answer = new JsonObject
        {
            ["server_name"] = "other.test",
            ["valid_until_ts"] = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { ["ed25519:1"] = new JsonObject { ["key"] = key.PublicKeyBase64 } },
        };
        JsonSigning.Sign(answer, "other.test", key);

        Assert.False(ServerKeySet.TryParse(answer, ServerName.Parse("asked.test"), DateTimeOffset.UtcNow, out _, out var error));
        Assert.Contains("answered for 'other.test'", error, StringComparison.Ordinal);
    }
}
