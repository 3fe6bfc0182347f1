using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>How a local user's rejection of a remote invite ended. Either way the invite is gone here.</summary>
public enum Rejection
{
    /// <summary>The inviting server took the leave (make_leave, send_leave); the same event is committed here.</summary>
    Remote,

    /// <summary>The inviting server could not be reached, or failed: a leave only this server knows of (out of band).</summary>
    OutOfBandUnreachable,

    /// <summary>The inviting server refused the leave (403): out of band too, the invite being void there.</summary>
    OutOfBandRefused,
}

/// <summary>
/// A local user rejects an invite to a room hosted elsewhere (the oldest complaint about Matrix invites: synapse#1564).
/// The inviting server is asked for a leave template (<c>GET /v1/make_leave</c>), the leave is signed here and sent
/// (<c>PUT /v2/send_leave</c>, v1 where v2 is unknown); when it takes it, the same event is committed to the invite's
/// room here. When it cannot be reached, fails, or refuses, this server commits a leave of its own instead, chained to
/// the invite and sent nowhere (as Synapse's out-of-band leave), so the invite never stays pending. The log says which.
/// </summary>
public sealed partial class InviteRejecter(RoomService rooms, FederationClient client, MembershipOptions options, ServerIdentity server, TimeProvider clock, ILogger<InviteRejecter> logger)
{
    /// <summary>Rejects <paramref name="user"/>'s invite to <paramref name="room"/>.</summary>
    /// <exception cref="MembershipException">404 when the room is not known here, 403 when the user holds no invite to it.</exception>
    public async Task<Rejection> RejectAsync(RoomId room, UserId user, string? reason, CancellationToken cancellationToken = default)
    {
        var found = await rooms.MemberEventAsync(room, user, cancellationToken)
            ?? throw new MembershipException(ErrorCode.NotFound, $"Room {room} is not known to this server");
        var (head, member, invite) = found;
        if (member.Membership != RoomMembership.Invite.ToString())
        {
            throw new MembershipException(ErrorCode.Forbidden, $"{user} cannot leave {room}: their membership is '{member.Membership}', and this server takes part in rooms hosted elsewhere only to reject invites");
        }

        var destination = UserId.Parse(member.Sender).Server;
        JsonObject leave;
        Rejection outcome;
        try
        {
            leave = await LeaveThroughAsync(destination, room, user, head.RoomVersion, reason, cancellationToken);
            outcome = Rejection.Remote;
            LogRejectedRemotely(logger, user.Value, room.Value, destination.Value);
        }
        catch (RemoteLeaveException ex)
        {
            leave = OutOfBandLeave(JsonNode.Parse(invite.Pdu)!.AsObject(), invite.EventId, head.RoomVersion, user, reason);
            outcome = ex.Refused ? Rejection.OutOfBandRefused : Rejection.OutOfBandUnreachable;
            LogRejectedOutOfBand(logger, user.Value, room.Value, destination.Value, ex.Message);
        }

        var eventId = EventSigning.ComputeEventId(leave, head.RoomVersion);
        var change = new MembershipChange(MembershipAction.Leave, user, user, (leave["content"] as JsonObject ?? []).DeepClone().AsObject());
        var committed = await rooms.CommitSignedMemberAsync(new SignedMember(room, eventId, leave, change, [], [], outcome == Rejection.Remote ? "reject_invite" : "reject_invite_out_of_band"), cancellationToken);
        return committed.Status == ChangeStatus.Denied
            ? throw new MembershipException(committed.Denial!.Code, committed.Denial.Message)
            : outcome;
    }

    /// <summary>make_leave, then the signed leave through send_leave; the leave as sent.</summary>
    /// <exception cref="RemoteLeaveException">The server could not be reached, refused, or answered something unusable.</exception>
    private async Task<JsonObject> LeaveThroughAsync(ServerName destination, RoomId room, UserId user, string roomVersion, string? reason, CancellationToken cancellationToken)
    {
        var answer = await CallAsync(destination, HttpMethod.Get, $"/_matrix/federation/v1/make_leave/{Uri.EscapeDataString(room.Value)}/{Uri.EscapeDataString(user.Value)}", null, cancellationToken);
        var template = (answer.Body as JsonObject)?["event"] as JsonObject;
        if (template is null || Json.StringOrNull(template["room_id"]) != room.Value || Json.StringOrNull(template["sender"]) != user.Value
            || Json.StringOrNull(template["state_key"]) != user.Value || Json.StringOrNull(template["type"]) != "m.room.member"
            || Json.StringOrNull((template["content"] as JsonObject)?["membership"]) != "leave")
        {
            // The spec: a template that is not the user's leave of that room is malformed and discarded.
            throw new RemoteLeaveException($"{destination} answered make_leave with no leave template of {user} in {room}", refused: false);
        }

        if ((answer.Body as JsonObject)?["room_version"] is { } stated && Json.StringOrNull(stated) != roomVersion)
        {
            throw new RemoteLeaveException($"{destination} says {room} is of room version '{Json.StringOrNull(stated)}', not {roomVersion} as its invite said", refused: false);
        }

        var leave = template.DeepClone().AsObject();
        foreach (var name in (string[])["hashes", "signatures", "unsigned", "event_id"])
        {
            leave.Remove(name);
        }

        leave["origin"] = server.Name.Value;
        leave["origin_server_ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (reason is not null)
        {
            leave["content"]!["reason"] = reason;
        }

        string eventId;
        try
        {
            eventId = Sign(leave, roomVersion);
        }
        catch (Exception ex) when (ex is CanonicalJsonException or ArgumentException)
        {
            throw new RemoteLeaveException($"{destination} answered make_leave with a template that cannot be signed ({ex.Message})", refused: false, ex);
        }

        var path = (string version) => $"/_matrix/federation/{version}/send_leave/{Uri.EscapeDataString(room.Value)}/{Uri.EscapeDataString(eventId)}";
        var sent = await CallAsync(destination, HttpMethod.Put, path("v2"), leave, cancellationToken, allowUnknown: true);
        if (sent.IsUnknownEndpoint)
        {
            await CallAsync(destination, HttpMethod.Put, path("v1"), leave, cancellationToken);
        }

        return leave;
    }

    /// <summary>A request to the inviting server; anything but 200 is a <see cref="RemoteLeaveException"/> (403 a refusal).</summary>
    private async Task<FederationAnswer> CallAsync(ServerName destination, HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken, bool allowUnknown = false)
    {
        FederationAnswer answer;
        try
        {
            answer = await client.SendSignedAsync(destination, method, path, body, options.Federation.InviteTimeout, cancellationToken);
        }
        catch (FederationUnavailableException ex)
        {
            throw new RemoteLeaveException(ex.Message, refused: false, ex);
        }

        return answer.Status == 200 || (allowUnknown && answer.IsUnknownEndpoint)
            ? answer
            : throw new RemoteLeaveException($"{destination} answered {method.Method} {path.Split('/')[4]} with {answer.Describe()}", refused: answer.Status == 403);
    }

    /// <summary>
    /// The leave this server commits when the inviting server will not take one: the invitee's own leave, chained to
    /// the invite (its only auth and previous event), signed here, sent nowhere.
    /// </summary>
    private JsonObject OutOfBandLeave(JsonObject invite, string inviteId, string roomVersion, UserId user, string? reason)
    {
        JsonNode Reference() => roomVersion is "1" or "2" ? new JsonArray(inviteId, new JsonObject()) : JsonValue.Create(inviteId);
        var leave = new JsonObject
        {
            ["auth_events"] = new JsonArray(Reference()),
            ["content"] = MembershipChange.ContentFor(MembershipAction.Leave, reason),
            ["depth"] = (invite["depth"] is JsonValue depth && depth.TryGetValue(out long d) ? d : 0) + 1,
            ["origin"] = server.Name.Value,
            ["origin_server_ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray(Reference()),
            ["room_id"] = Json.StringOrNull(invite["room_id"]),
            ["sender"] = user.Value,
            ["state_key"] = user.Value,
            ["type"] = RoomDraft.MemberType,
        };
        Sign(leave, roomVersion);
        return leave;
    }

    /// <summary>Hashes and signs an event of ours for a room hosted elsewhere; returns its ID (room versions 1 and 2 carry one we make).</summary>
    private string Sign(JsonObject ev, string roomVersion)
    {
        if (roomVersion is "1" or "2")
        {
            ev["event_id"] = $"${UnpaddedBase64.EncodeUrlSafe(RandomNumberGenerator.GetBytes(18))}:{server.Name}";
        }

        EventSigning.Sign(ev, roomVersion, server.Name.Value, server.SigningKey);
        return EventSigning.ComputeEventId(ev, roomVersion);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserId} rejected the invite to {RoomId}: {Destination} took the leave")]
    private static partial void LogRejectedRemotely(ILogger logger, string userId, string roomId, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{UserId} rejected the invite to {RoomId} out of band: {Destination} did not take the leave ({Reason})")]
    private static partial void LogRejectedOutOfBand(ILogger logger, string userId, string roomId, string destination, string reason);
}

/// <summary>The inviting server did not take a leave: it could not be reached, failed, or (<see cref="Refused"/>) refused it.</summary>
public sealed class RemoteLeaveException : Exception
{
    public RemoteLeaveException(string message, bool refused, Exception? inner = null)
        : base(message, inner) => Refused = refused;

    public RemoteLeaveException()
    {
    }

    public RemoteLeaveException(string message)
        : base(message)
    {
    }

    public RemoteLeaveException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public bool Refused { get; }
}
