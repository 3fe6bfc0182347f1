using System.Text.Json.Nodes;
using Membership.Core.Rules;
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
        if (CanonicalJson.Encode(pdu).Length > MaxPduBytes)
        {
            // The stripped state is a courtesy; the invite itself must fit (or AddEvent refuses it).
            pdu.Remove("unsigned");
        }

        var change = new MembershipChange(MembershipAction.Invite, invite.Sender, invite.Target, invite.Event["content"] as JsonObject ?? []);
        var record = AddEvent(pdu, invite.EventId, MemberType, invite.Target.Value, invite.Sender.Value, "invite", now);
        MoveMember(change, record, invite.SentAt);
        return record;
    }

    /// <summary>
    /// Appends a member event another server signed (a join or leave of one of its users) exactly as it arrived, and
    /// moves the member's row with it. The caller has checked its signatures, IDs and the rules.
    /// </summary>
    /// <exception cref="EventTooLargeException">The event exceeds the PDU size limit.</exception>
    public EventRecord AppendSignedMember(MembershipChange change, JsonObject pdu, string eventId, string action, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        var record = AddEvent(pdu, eventId, MemberType, change.Target.Value, change.Sender.Value, action, now);
        MoveMember(change, record, now);
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
