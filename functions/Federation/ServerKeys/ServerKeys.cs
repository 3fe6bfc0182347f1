using System.Text.Json.Nodes;
using Membership.Functions.Hosting;
using Membership.Protocols;
using Membership.Service;

namespace Membership.Functions.Federation.ServerKeys;

/// <summary>This server's signing keys.</summary>
/// <remarks>
/// The ed25519 verify key, self-signed, so anyone can verify this server's events and requests; keys it used before a
/// rotation are listed under <c>old_verify_keys</c> with their <c>expired_ts</c> (configuration
/// <c>Membership:Federation:OldKeys</c>), so its older events stay verifiable.
/// </remarks>
internal sealed class ServerKeys(ServerIdentity server, MembershipOptions options, TimeProvider clock)
{
    /// <summary>How long others may cache the key (the spec suggests they refetch well before it runs out).</summary>
    private static readonly TimeSpan ValidFor = TimeSpan.FromDays(1);

    [Function(nameof(ServerKeys))]
    public Task<MatrixJson<JsonObject>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/key/v2/server")] HttpRequest req)
    {
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
        return Task.FromResult(MatrixJson.Of(keys));
    }
}
