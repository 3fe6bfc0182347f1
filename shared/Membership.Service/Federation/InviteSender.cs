using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// The inviter's side of a federation invite: the room service decides and builds the invite PDU; this sends it to
/// the invitee's server (<c>PUT /_matrix/federation/v2/invite</c>, v1 for room versions 1 and 2 when v2 is unknown
/// there), and accepts the answer only if it is the same event with a valid signature of that server added.
/// </summary>
public sealed partial class InviteSender(RoomService rooms, FederationClient client, KeyRing keys, MembershipOptions options, ILogger<InviteSender> logger)
{
    /// <summary>Invites <c>change.Target</c>, a user of another server, into a room of this server.</summary>
    /// <exception cref="RemoteInviteException">The invitee's server refused, failed or could not be reached; nothing was written.</exception>
    public Task<ChangeResult> InviteAsync(RoomId room, MembershipChange change, CancellationToken cancellationToken = default) =>
        rooms.InviteRemoteAsync(room, change, RequestCosignatureAsync, cancellationToken);

    /// <summary>
    /// Sends an invite PDU to the invitee's server and returns it as both servers signed it: ours, plus the
    /// destination's signatures from its answer, checked against the keys it publishes.
    /// </summary>
    /// <exception cref="RemoteInviteException">The destination refused, failed, could not be reached, or answered with something else.</exception>
    public async Task<JsonObject> RequestCosignatureAsync(OutgoingInvite invite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var answer = await SendAsync(invite, cancellationToken);
        var returned = answer switch
        {
            JsonObject v2 => v2["event"],
            JsonArray { Count: 2 } v1 when v1[1] is JsonObject body => body["event"],
            _ => null,
        } as JsonObject ?? throw BadAnswer(invite, "its answer holds no event");

        // The same event, byte for byte, apart from signatures and unsigned data.
        if (!CanonicalJson.TryEncode(Without(returned, "signatures", "unsigned"), out var theirs, out _)
            || !theirs.AsSpan().SequenceEqual(CanonicalJson.Encode(Without(invite.Event, "signatures", "unsigned"))))
        {
            throw BadAnswer(invite, $"it changed the invite event (asked to sign {invite.EventId})");
        }

        if (returned["signatures"] is not JsonObject signatures || signatures[invite.Destination.Value] is not JsonObject { Count: > 0 } theirSignatures)
        {
            throw BadAnswer(invite, "it returned the invite without its signature");
        }

        var cosigned = await CheckSignatureAsync(invite, theirSignatures, cancellationToken);
        LogCosigned(logger, invite.Destination.Value, invite.EventId);
        return cosigned;
    }

    /// <summary>v2 first; v1 only where the spec allows it (room versions 1 and 2) and v2 is unknown there.</summary>
    private async Task<JsonNode?> SendAsync(OutgoingInvite invite, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["room_version"] = invite.RoomVersion,
            ["event"] = invite.Event.DeepClone(),
            ["invite_room_state"] = invite.InviteRoomState.DeepClone(),
        };
        var answer = await PutAsync(invite, Path("v2", invite), body, cancellationToken);
        if (answer.IsUnknownEndpoint)
        {
            if (invite.RoomVersion is not ("1" or "2"))
            {
                // The spec allows the v1 fallback only for room versions 1 and 2: a v1 receiver reads the event as
                // version 1, so a later event would not even keep its ID there. Synapse answers the same.
                throw new RemoteInviteException(
                    RemoteInviteFailure.IncompatibleRoomVersion,
                    $"{invite.Destination} does not serve the v2 invite API ({answer.Describe()}), and a room version {invite.RoomVersion} invite cannot be sent over v1",
                    ErrorCode.UnsupportedRoomVersion);
            }

            var v1 = invite.Event.DeepClone().AsObject();
            if (v1["unsigned"] is not JsonObject unsigned)
            {
                unsigned = [];
                v1["unsigned"] = unsigned;
            }

            unsigned["invite_room_state"] = invite.InviteRoomState.DeepClone();
            answer = await PutAsync(invite, Path("v1", invite), v1, cancellationToken);
        }

        if (answer.Status == 200)
        {
            return answer.Body;
        }

        throw answer switch
        {
            { Status: 400 } when answer.ErrorCode is "M_INCOMPATIBLE_ROOM_VERSION" or "M_UNSUPPORTED_ROOM_VERSION" => new RemoteInviteException(
                RemoteInviteFailure.IncompatibleRoomVersion,
                $"{invite.Destination} does not support room version {invite.RoomVersion}: {answer.Error}",
                new ErrorCode(answer.ErrorCode!)),

            // Errors about our own request are this server's fault, not the inviter's (spec: answer with a 5xx).
            { Status: 400 or 401 or 413 } or { Status: >= 500 } => BadAnswer(invite, $"it answered {answer.Describe()}"),
            _ => new RemoteInviteException(
                RemoteInviteFailure.Refused,
                $"{invite.Destination} refused the invite: {answer.Error ?? answer.Describe()}",
                answer.ErrorCode is { } code ? new ErrorCode(code) : null),
        };
    }

    private async Task<FederationAnswer> PutAsync(OutgoingInvite invite, string path, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendSignedAsync(invite.Destination, HttpMethod.Put, path, body, options.Federation.InviteTimeout, cancellationToken);
        }
        catch (FederationUnavailableException ex)
        {
            throw new RemoteInviteException(ex.TimedOut ? RemoteInviteFailure.TimedOut : RemoteInviteFailure.Unreachable, ex.Message, inner: ex);
        }
    }

    /// <summary>Our event plus the one signature of the destination that verifies with a key it publishes (only that one is kept).</summary>
    private async Task<JsonObject> CheckSignatureAsync(OutgoingInvite invite, JsonObject theirSignatures, CancellationToken cancellationToken)
    {
        var lookup = await keys.GetKeysAsync(invite.Destination, theirSignatures.First().Key, cancellationToken);
        if (lookup.Keys is null)
        {
            throw BadAnswer(invite, $"its signature cannot be checked: {lookup.Error}");
        }

        Json.TryGetMillis(invite.Event["origin_server_ts"], out var sentAt);
        foreach (var (keyId, value) in theirSignatures)
        {
            if (lookup.Keys.ForEvent(keyId, invite.RoomVersion, sentAt) is not { } key || !JsonText.TryGetString(value, out var signature))
            {
                continue;
            }

            var cosigned = invite.Event.DeepClone().AsObject();
            cosigned["signatures"]!.AsObject()[invite.Destination.Value] = new JsonObject { [keyId] = signature };
            var check = EventSigning.Verify(cosigned, invite.RoomVersion, invite.Destination.Value, keyId, key.PublicKey);
            return check == EventCheck.Valid ? cosigned : throw BadAnswer(invite, $"its signature (key {keyId}) does not verify ({check})");
        }

        throw BadAnswer(invite, $"it signed with keys it does not publish ({string.Join(", ", theirSignatures.Select(s => s.Key))})");
    }

    /// <summary>The path with each argument percent-encoded with no safe characters, as Synapse sends it.</summary>
    private static string Path(string version, OutgoingInvite invite) =>
        $"/_matrix/federation/{version}/invite/{Uri.EscapeDataString(invite.Event["room_id"]!.GetValue<string>())}/{Uri.EscapeDataString(invite.EventId)}";

    private static JsonObject Without(JsonObject obj, params string[] names)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (!names.Contains(key))
            {
                copy[key] = value?.DeepClone();
            }
        }

        return copy;
    }

    private static RemoteInviteException BadAnswer(OutgoingInvite invite, string what) =>
        new(RemoteInviteFailure.BadAnswer, $"{invite.Destination} did not co-sign the invite properly: {what}");

    [LoggerMessage(Level = LogLevel.Information, Message = "{Destination} co-signed invite {EventId}")]
    private static partial void LogCosigned(ILogger logger, string destination, string eventId);
}
