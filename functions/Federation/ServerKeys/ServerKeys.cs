using System.Text.Json.Nodes;
using Membership.Functions.Client;
using Membership.Protocols;
using Membership.Service;

namespace Membership.Functions.Federation.ServerKeys;

/// <summary>
/// GET /_matrix/key/v2/server — this server's ed25519 verify key, self-signed, so anyone can verify its events.
/// </summary>
internal static class ServerKeys
{
    /// <summary>How long others may cache the key (the spec suggests they refetch well before it runs out).</summary>
    private static readonly TimeSpan ValidFor = TimeSpan.FromDays(1);

    public static Task Handle(HttpContext http)
    {
        var server = http.RequestServices.GetRequiredService<ServerIdentity>();
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var keys = new JsonObject
        {
            ["server_name"] = server.Name.Value,
            ["valid_until_ts"] = (clock.GetUtcNow() + ValidFor).ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { [server.SigningKey.KeyId] = new JsonObject { ["key"] = server.SigningKey.PublicKeyBase64 } },
            ["old_verify_keys"] = new JsonObject(),
        };
        JsonSigning.Sign(keys, server.Name.Value, server.SigningKey);
        return ClientJson.WriteAsync(http, keys);
    }
}
