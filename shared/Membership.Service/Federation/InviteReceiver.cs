using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// The invitee's side of a federation invite (<c>PUT /_matrix/federation/v1|v2/invite</c>), as an ordered checklist
/// (reference matrix-federation.md §1.5 and §8; gomatrixserverlib <c>HandleInvite</c>): room version supported →
/// the event's own IDs agree with the path → it is an invite of a local user by a user of the origin → the origin's
/// signature on it verifies → local policy → add our signature (nothing else changes) and store it.
/// </summary>
public sealed partial class InviteReceiver(RoomService rooms, EventSignatures signatures, ServerIdentity server, ILogger<InviteReceiver> logger)
{
    /// <summary>Checks, co-signs and stores an invite. Refusals carry the errcode and a sentence saying what failed.</summary>
    /// <exception cref="Storage.StorageUnavailableException">The invite could not be stored.</exception>
    public async Task<InviteOutcome> ReceiveAsync(InboundInvite invite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var outcome = await CheckAndStoreAsync(invite, cancellationToken);
        if (outcome.IsAccepted)
        {
            LogAccepted(logger, invite.Origin.Value, invite.RoomVersion);
        }
        else
        {
            LogRefused(logger, invite.Origin.Value, outcome.Code, outcome.Message);
        }

        return outcome;
    }

    private async Task<InviteOutcome> CheckAndStoreAsync(InboundInvite invite, CancellationToken cancellationToken)
    {
        var ev = invite.Event;
        var version = invite.RoomVersion;

        // 1. A room version this server implements (redaction, event IDs): 1 to 11.
        if (!EventSigning.IsSupportedRoomVersion(version))
        {
            return InviteOutcome.Refused(ErrorCode.IncompatibleRoomVersion, $"Room version '{version}' is not supported by {server.Name} (it supports 1 to 11)", version);
        }

        // The room's version is its create event's: a stripped one that says otherwise contradicts the request.
        // (v1 implies "1", which signs and identifies events as "2" does.)
        if (StrippedState.CreateRoomVersion(invite.InviteRoomState) is { } stated && stated != version && !(version == "1" && stated == "2"))
        {
            return Invalid($"The invite_room_state's m.room.create is of room version '{stated}', not '{version}'");
        }

        // 2. The event's own IDs are the ones that count; the path's must agree with them.
        if (!JsonText.TryGetString(ev["room_id"], out var roomText) || !RoomId.TryParse(roomText, out var room, out _))
        {
            return Invalid("The invite event has no valid room_id");
        }

        string eventId;
        try
        {
            eventId = EventSigning.ComputeEventId(ev, version);
        }
        catch (ArgumentException)
        {
            return Invalid($"The invite event has no event_id, which room version {version} events carry");
        }
        catch (CanonicalJsonException ex)
        {
            return InviteOutcome.Refused(ErrorCode.BadJson, $"The invite event has no canonical JSON form: {ex.Message}");
        }

        if (invite.PathRoomId != room.Value)
        {
            return Invalid($"The path names room '{invite.PathRoomId}' but the event is in room {room}");
        }

        if (invite.PathEventId != eventId)
        {
            return Invalid($"The path names event '{invite.PathEventId}' but the event's ID is {eventId}");
        }

        // 3. An invite of a user by a user of the server that sent the request.
        if (Json.StringOrNull(ev["type"]) is var type && type != RoomDraft.MemberType)
        {
            return Invalid($"The event's type is '{type}', not m.room.member");
        }

        if (Json.StringOrNull((ev["content"] as JsonObject)?["membership"]) is var membership && membership != "invite")
        {
            return Invalid($"The event's membership is '{membership}', not invite");
        }

        if (!JsonText.TryGetString(ev["state_key"], out var stateKey) || !UserId.TryParse(stateKey, out var target, out _))
        {
            return Invalid("The event's state_key is not a user ID");
        }

        if (!JsonText.TryGetString(ev["sender"], out var senderText) || !UserId.TryParse(senderText, out var sender, out _))
        {
            return Invalid("The event's sender is not a user ID");
        }

        if (sender.Server != invite.Origin)
        {
            return Invalid($"The sender {sender} is not a user of {invite.Origin}, which sent the request");
        }

        if (!Json.TryGetMillis(ev["origin_server_ts"], out var sentAt))
        {
            return Invalid("The event has no integer origin_server_ts");
        }

        // 4. Signed by the inviting server (over the redacted event), and its content hash matches.
        var signatureProblem = await signatures.CheckAsync(ev, version, invite.Origin, sentAt, "invite", cancellationToken);
        if (signatureProblem is not null)
        {
            return InviteOutcome.Refused(ErrorCode.Forbidden, signatureProblem);
        }

        // 5. Local policy: the invitee lives here; the room does not (invites into rooms hosted here are made here: a
        // remote member's invite is not taken).
        if (target.Server != server.Name)
        {
            return Invalid($"The invitee {target} is not a user of this server ({server.Name})");
        }

        if (room.Server == server.Name)
        {
            return InviteOutcome.Refused(ErrorCode.Forbidden, $"Room {room} is hosted by this server; invites into it are made here, not by {sender}");
        }

        // 6. Our signature over the redacted event, added without touching anything else (the event ID stays).
        var signed = ev.DeepClone().AsObject();
        EventSigning.AddSignature(signed, version, server.Name.Value, server.SigningKey);
        var stripped = StrippedState.Prune(invite.InviteRoomState, room);
        try
        {
            await rooms.StoreRemoteInviteAsync(new RemoteInvite(room, version, eventId, sender, target, signed, stripped, sentAt), cancellationToken);
        }
        catch (EventTooLargeException ex)
        {
            return InviteOutcome.Refused(ErrorCode.TooLarge, ex.Message);
        }

        return InviteOutcome.Accepted(signed);
    }

    private static InviteOutcome Invalid(string message) => InviteOutcome.Refused(ErrorCode.InvalidParam, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted a federation invite from {Origin} (room version {RoomVersion})")]
    private static partial void LogAccepted(ILogger logger, string origin, string roomVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a federation invite from {Origin}: {Errcode} {Reason}")]
    private static partial void LogRefused(ILogger logger, string origin, ErrorCode errcode, string reason);
}
