using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Protocols;
using Membership.Service;

namespace Membership.Functions.Federation.ServerKeys;

/// <summary>
/// GET /_matrix/key/v2/server — this server's ed25519 verify key, self-signed, so anyone can verify its events and
/// requests; keys it used before a rotation are listed under <c>old_verify_keys</c> with their <c>expired_ts</c>
/// (configuration <c>Membership:Federation:OldKeys</c>), so its older events stay verifiable.
/// </summary>
internal static class ServerKeys
{
    /// <summary>How long others may cache the key (the spec suggests they refetch well before it runs out).</summary>
    private static readonly TimeSpan ValidFor = TimeSpan.FromDays(1);

    public static Task Handle(HttpContext http)
    {
        var server = http.RequestServices.GetRequiredService<ServerIdentity>();
        var options = http.RequestServices.GetRequiredService<MembershipOptions>();
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var oldKeys = new JsonObject();
        foreach (var old in options.Federation.OldKeys.Where(k => k.KeyId != server.SigningKey.KeyId))
        {
            oldKeys[old.KeyId] = new JsonObject { ["key"] = old.PublicKey, ["expired_ts"] = old.ExpiredTs };
        }

        var keys = new JsonObject
        {
            ["server_name"] = server.Name.Value,
            ["valid_until_ts"] = (clock.GetUtcNow() + ValidFor).ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { [server.SigningKey.KeyId] = new JsonObject { ["key"] = server.SigningKey.PublicKeyBase64 } },
            ["old_verify_keys"] = oldKeys,
        };
        JsonSigning.Sign(keys, server.Name.Value, server.SigningKey);
        return ClientJson.WriteAsync(http, keys);
    }
}
