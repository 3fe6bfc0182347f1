using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Service.Federation;
using Membership.Storage;

namespace Membership.Service;

/// <summary>Federation additions to a draft: events signed elsewhere, and signatures added by another server.</summary>
internal sealed partial class RoomDraft
{
    /// <summary>
    /// Appends a remote room's invite for a local user exactly as both servers signed it, with the pruned stripped
    /// state in its <c>unsigned</c> (not covered by signatures) so the invitee's clients can be shown the room.
    /// </summary>
    /// <exception cref="EventTooLargeException">The stored event would exceed the PDU size limit.</exception>
    public EventRecord AppendRemoteInvite(RemoteInvite invite, DateTimeOffset now)
    {
        var pdu = invite.Event.DeepClone().AsObject();
        pdu["unsigned"] = new JsonObject { ["invite_room_state"] = invite.StrippedState.DeepClone() };
        var bytes = CanonicalJson.Encode(pdu);
        if (bytes.Length > MaxPduBytes)
        {
            // The stripped state is a courtesy; the invite itself must fit.
            pdu.Remove("unsigned");
            bytes = CanonicalJson.Encode(pdu);
            if (bytes.Length > MaxPduBytes)
            {
                throw new EventTooLargeException($"The invite event is {bytes.Length} bytes; events are limited to {MaxPduBytes} bytes");
            }
        }

        var previous = MemberOf(invite.Target.Value);
        var record = Record(Head.Seq + 1, invite.EventId, MemberType, invite.Target.Value, invite.Sender.Value, bytes, now, "invite");
        SetMember(new MemberRecord
        {
            UserId = invite.Target.Value,
            Membership = "invite",
            Sender = invite.Sender.Value,
            EventId = invite.EventId,
            Seq = record.Seq,
            Timestamp = invite.SentAt,
            Content = ContentText(invite.Event["content"] as JsonObject ?? []),
        });
        Head = Head with
        {
            JoinedCount = Head.JoinedCount - (previous?.Membership == "join" ? 1 : 0),
            InvitedCount = Head.InvitedCount + (previous?.Membership == "invite" ? 0 : 1),
        };
        _snapshot = null;
        return record;
    }

    /// <summary>
    /// Replaces an appended event's PDU with the same event carrying more signatures (the invitee server's). The event
    /// must be unchanged otherwise: its ID, which covers the redacted event and its content hash, must match.
    /// </summary>
    /// <exception cref="InvalidOperationException">The event is not in this draft or is a different event.</exception>
    /// <exception cref="EventTooLargeException">The signatures push the event over the PDU size limit.</exception>
    public void ReplaceWithCosigned(EventRecord appended, JsonObject cosigned)
    {
        var index = _events.FindIndex(e => e.Seq == appended.Seq);
        if (index < 0 || EventSigning.ComputeEventId(cosigned, Head.RoomVersion) != appended.EventId)
        {
            throw new InvalidOperationException($"Event {appended.EventId} is not the one this draft appended");
        }

        var bytes = CanonicalJson.Encode(cosigned);
        if (bytes.Length > MaxPduBytes)
        {
            throw new EventTooLargeException($"The co-signed invite would be {bytes.Length} bytes; events are limited to {MaxPduBytes} bytes");
        }

        _events[index] = _events[index] with { Pdu = bytes };
    }
}
