using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Protocols;

namespace Membership.Service.Federation;

/// <summary>
/// The first check of every event another server hands us (an invite, a join, a leave): signed by the server that
/// claims it, over the redacted event, with a key that was valid at the event's <c>origin_server_ts</c>, and its
/// content hash matches (server-server API "Checks performed on receipt of a PDU", steps 3 and 4).
/// </summary>
public sealed class EventSignatures(KeyRing keys)
{
    /// <summary>Null when a signature of <paramref name="server"/> verifies and the hash matches; else why not, as a sentence.</summary>
    /// <param name="ev">The event as received.</param>
    /// <param name="roomVersion">The room's version (redaction rules and key validity).</param>
    /// <param name="server">The server whose signature is required.</param>
    /// <param name="sentAt">The event's <c>origin_server_ts</c>.</param>
    /// <param name="noun">What the event is, for the message ("invite", "join event").</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public async Task<string?> CheckAsync(JsonObject ev, string roomVersion, ServerName server, DateTimeOffset sentAt, string noun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ev);
        if (ev["signatures"] is not JsonObject signatures || signatures[server.Value] is not JsonObject byKey || byKey.Count == 0)
        {
            return $"The {noun} carries no signature of {server}";
        }

        var lookup = await keys.GetKeysAsync(server, byKey.First().Key, cancellationToken);
        if (lookup.Keys is null)
        {
            return $"The {noun}'s signature cannot be checked: {lookup.Error}";
        }

        foreach (var (keyId, _) in byKey)
        {
            if (lookup.Keys.ForEvent(keyId, roomVersion, sentAt) is not { } key)
            {
                continue;
            }

            return EventSigning.Verify(ev, roomVersion, server.Value, keyId, key.PublicKey) switch
            {
                EventCheck.Valid => null,
                EventCheck.HashMismatch or EventCheck.HashMissing => $"The {noun}'s content does not match its hashes.sha256: it was changed after {server} signed it",
                var check => $"The signature of {server} on the {noun} (key {keyId}) does not verify ({check})",
            };
        }

        return $"The {noun} is signed by {server} only with keys that are unknown or were not valid at the event's origin_server_ts ({string.Join(", ", byKey.Select(k => k.Key))})";
    }
}
