using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;

namespace Membership.Service.Federation;

/// <summary>A federation invite as it arrived: the authenticated origin, the room version, the event and the path's IDs.</summary>
/// <param name="Origin">The server that signed the request (X-Matrix), already authenticated.</param>
/// <param name="RoomVersion">The v2 body's <c>room_version</c>; "1" for the v1 endpoint.</param>
/// <param name="Event">The invite PDU as received.</param>
/// <param name="InviteRoomState">The v2 <c>invite_room_state</c>, or v1 <c>unsigned.invite_room_state</c>.</param>
/// <param name="PathRoomId">The room ID in the request path (checked against the event's own, never used).</param>
/// <param name="PathEventId">The event ID in the request path (likewise).</param>
public sealed record InboundInvite(ServerName Origin, string RoomVersion, JsonObject Event, JsonArray? InviteRoomState, string PathRoomId, string PathEventId);

/// <summary>The answer to an inbound invite: the event with this server's signature added, or a refusal.</summary>
public sealed record InviteOutcome(JsonObject? Event, ErrorCode Code, string Message, string? RoomVersion)
{
    public bool IsAccepted => Event is not null;

    public static InviteOutcome Accepted(JsonObject cosigned) => new(cosigned, default, string.Empty, null);

    public static InviteOutcome Refused(ErrorCode code, string message, string? roomVersion = null) => new(null, code, message, roomVersion);
}

/// <summary>A remote room's invite for a local user, checked and co-signed, ready to store.</summary>
/// <param name="Room">The event's room (on another server).</param>
/// <param name="RoomVersion">The room's version.</param>
/// <param name="EventId">The event's own ID.</param>
/// <param name="Sender">The inviter, a user of the origin server.</param>
/// <param name="Target">The invitee, a local user.</param>
/// <param name="Event">The invite signed by both servers.</param>
/// <param name="StrippedState">The pruned <c>invite_room_state</c>.</param>
/// <param name="SentAt">The event's <c>origin_server_ts</c>.</param>
public sealed record RemoteInvite(RoomId Room, string RoomVersion, string EventId, UserId Sender, UserId Target, JsonObject Event, JsonArray StrippedState, DateTimeOffset SentAt);

/// <summary>What an outgoing invite sends: the PDU as this server signed it and the state that helps the invitee.</summary>
public sealed record OutgoingInvite(ServerName Destination, string RoomVersion, string EventId, JsonObject Event, JsonArray InviteRoomState);

/// <summary>Why an outgoing invite failed. Nothing was committed.</summary>
public enum RemoteInviteFailure
{
    /// <summary>The invitee's server refused (403 <c>M_FORBIDDEN</c> with its reason).</summary>
    Refused,

    /// <summary>The invitee's server does not support the room's version (400, its errcode passed on).</summary>
    IncompatibleRoomVersion,

    /// <summary>The answer is unusable: an error about our request, a changed event, a bad signature (502).</summary>
    BadAnswer,

    /// <summary>The server could not be reached (502).</summary>
    Unreachable,

    /// <summary>The server did not answer in time (504).</summary>
    TimedOut,
}

/// <summary>An outgoing invite failed; <see cref="RemoteCode"/> is the remote's errcode where it gave one.</summary>
public sealed class RemoteInviteException : Exception
{
    public RemoteInviteException(RemoteInviteFailure failure, string message, ErrorCode? remoteCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        RemoteCode = remoteCode;
    }

    public RemoteInviteException()
    {
    }

    public RemoteInviteException(string message)
        : base(message)
    {
    }

    public RemoteInviteException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RemoteInviteFailure Failure { get; }

    public ErrorCode? RemoteCode { get; }
}
