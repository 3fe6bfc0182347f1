using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Protocols;
using Membership.Service.Webhooks;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Federation;

/// <summary>
/// This server as the resident server of its rooms, for users of other servers: the make_join/send_join and
/// make_leave/send_leave handshakes, and the member events their servers push in <c>PUT /send/{txnId}</c>. An event
/// another server hands us is checked as an inbound invite is, in order (refusals are <see cref="MembershipException"/>s
/// whose errcode says the status): it is in a room hosted here → its ID is its own and the path's → it is an
/// <c>m.room.member</c> event of the expected membership whose sender is its state key, a user of the server that
/// signed the request → that server's signature verifies with a key valid at its <c>origin_server_ts</c>, and its
/// content hash matches → the room's rules and the event's place in the room (<see cref="RoomService.CommitSignedMemberAsync"/>).
/// A refusal stores nothing.
/// </summary>
public sealed partial class ResidentMembership(
    RoomService rooms,
    EventSignatures signatures,
    WebhookDispatcher outbox,
    ServerIdentity server,
    TimeProvider clock,
    ILogger<ResidentMembership> logger)
{
    /// <summary>EDUs per transaction (spec: "Must not include more than 100 EDUs").</summary>
    public const int MaxEdusPerTransaction = 100;

    /// <summary>How long a transaction's answer is kept, so the same <c>txnId</c> from the same origin is answered alike.</summary>
    private static readonly TimeSpan TransactionMemory = TimeSpan.FromMinutes(30);

    private const int MaxRememberedTransactions = 10_000;

    private readonly ConcurrentDictionary<(string Origin, string TxnId), (Lazy<Task<JsonObject>> Answer, DateTimeOffset At)> _transactions = new();

    /// <summary>make_join and make_leave: the template of the member event the rules would allow now.</summary>
    /// <param name="origin">The server that signed the request.</param>
    /// <param name="room">The room of the path.</param>
    /// <param name="userText">The user of the path, who must be a user of <paramref name="origin"/>.</param>
    /// <param name="membership">join or leave.</param>
    /// <param name="versions">The room versions the origin supports (<c>ver</c>; make_join only, "1" when absent).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <exception cref="IncompatibleRoomVersionException">The origin does not support the room's version.</exception>
    /// <exception cref="MembershipException">Refused: 404 no such room, 403 the rules refuse, 400 a bad user ID.</exception>
    public async Task<(string RoomVersion, JsonObject Event)> MakeAsync(ServerName origin, RoomId room, string userText, RoomMembership membership, IReadOnlyCollection<string>? versions, CancellationToken cancellationToken)
    {
        if (!UserId.TryParse(userText, out var user, out var error))
        {
            throw new MembershipException(ErrorCode.InvalidParam, $"'{userText}' is not a user ID: {error}");
        }

        if (user.Server != origin)
        {
            throw new MembershipException(ErrorCode.Forbidden, $"{origin} may only ask for the events of its own users, not of {user}");
        }

        var head = await rooms.HostedRoomAsync(room, cancellationToken) ?? throw NotHosted(room);
        if (versions is not null && !versions.Contains(head.RoomVersion, StringComparer.Ordinal))
        {
            throw new IncompatibleRoomVersionException(head.RoomVersion, $"{room} is of room version {head.RoomVersion}, which {origin} does not list among the versions it supports ({string.Join(", ", versions)})");
        }

        var action = membership == RoomMembership.Join ? MembershipAction.Join : MembershipAction.Leave;
        var template = await rooms.MemberTemplateAsync(room, new MembershipChange(action, user, user, MembershipChange.ContentFor(action, null)), cancellationToken);
        if (template.Denial is { } denial)
        {
            throw Refusal(denial);
        }

        return template.Event is { } ev ? (template.RoomVersion!, ev) : throw NotHosted(room);
    }

    /// <summary>send_join: checks and commits a join, then answers the room's state before it and the auth chain.</summary>
    /// <exception cref="MembershipException">Refused; nothing was stored.</exception>
    public async Task<SendJoinAnswer> SendJoinAsync(ServerName origin, string pathRoom, string pathEvent, JsonObject pdu, CancellationToken cancellationToken)
    {
        var member = await CheckAsync(origin, pdu, RoomMembership.Join, pathRoom, pathEvent, cancellationToken);
        var outcome = await CommitAsync(member, cancellationToken);
        await outbox.AddFederationDestinationAsync(member.Room, origin, cancellationToken);
        var log = await rooms.ReadLogAsync(member.Room, cancellationToken) ?? throw NotHosted(member.Room);
        var state = log.StateBefore(outcome.Seq);
        var join = log.Events.FirstOrDefault(e => e.Seq == outcome.Seq);
        var chain = log.AuthChain(join is null ? state : [.. state, join]);
        LogJoined(logger, member.Change.Target.Value, member.Room.Value, state.Count, chain.Count);
        return new SendJoinAnswer(
            server.Name.Value,
            [.. state.Select(RoomLog.Pdu)],
            [.. chain.Select(RoomLog.Pdu)],
            outcome.Event is { } signed && member.Change.Content.ContainsKey("join_authorised_via_users_server") ? signed : null,
            [.. log.ServersInRoom(outcome.Seq)]);
    }

    /// <summary>send_leave: checks and commits a leave (a remote user leaving, or rejecting our invite).</summary>
    /// <exception cref="MembershipException">Refused; nothing was stored.</exception>
    public async Task SendLeaveAsync(ServerName origin, string pathRoom, string pathEvent, JsonObject pdu, CancellationToken cancellationToken)
    {
        var member = await CheckAsync(origin, pdu, RoomMembership.Leave, pathRoom, pathEvent, cancellationToken);
        await CommitAsync(member, cancellationToken);
    }

    /// <summary>
    /// <c>PUT /send/{txnId}</c>, answered with the result of each PDU by event ID: each PDU is a member event of one of the origin's own users in a room hosted here, or
    /// it is refused with a reason; EDUs are not used. The same transaction ID from the same origin is answered from
    /// memory (and each event is committed once in any case).
    /// </summary>
    /// <exception cref="MembershipException">The transaction itself is malformed (400).</exception>
    public async Task<JsonObject> ReceiveTransactionAsync(ServerName origin, string txnId, string claimedOrigin, JsonArray pdus, JsonArray? edus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdus);
        if (claimedOrigin != origin.Value)
        {
            throw new MembershipException(ErrorCode.InvalidParam, $"The transaction's origin is '{claimedOrigin}' but {origin} signed the request");
        }

        if (pdus.Count > FederationOutbox.MaxPdusPerTransaction || edus is { Count: > MaxEdusPerTransaction })
        {
            throw new MembershipException(ErrorCode.BadJson, $"A transaction carries a 'pdus' array of at most {FederationOutbox.MaxPdusPerTransaction} PDUs and at most {MaxEdusPerTransaction} EDUs");
        }

        Forget(clock.GetUtcNow());
        var key = (origin.Value, txnId);
        var entry = _transactions.GetOrAdd(key, _ => (new Lazy<Task<JsonObject>>(() => ProcessAsync(origin, txnId, pdus, CancellationToken.None)), clock.GetUtcNow()));
        try
        {
            return await entry.Answer.Value.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A transaction that could not be processed (storage down) is processed again when the origin retries it.
            _transactions.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }
    }

    private async Task<JsonObject> ProcessAsync(ServerName origin, string txnId, JsonArray pdus, CancellationToken cancellationToken)
    {
        var results = new JsonObject();
        var refused = 0;
        foreach (var pdu in pdus.OfType<JsonObject>())
        {
            var (eventId, error) = await ProcessPduAsync(origin, pdu, cancellationToken);
            refused += error is null ? 0 : 1;
            if (eventId is not null)
            {
                results[eventId] = error is null ? new JsonObject() : new JsonObject { ["error"] = error };
            }
        }

        LogTransaction(logger, txnId, origin.Value, pdus.Count, refused);
        return results;
    }

    /// <summary>One PDU of a transaction: its ID (null when it cannot be told) and the error, null when accepted.</summary>
    private async Task<(string? EventId, string? Error)> ProcessPduAsync(ServerName origin, JsonObject pdu, CancellationToken cancellationToken)
    {
        try
        {
            var member = await CheckAsync(origin, pdu, null, null, null, cancellationToken);
            await CommitAsync(member, cancellationToken);
            if (member.Change.NewMembership == RoomMembership.Join)
            {
                await outbox.AddFederationDestinationAsync(member.Room, origin, cancellationToken);
            }

            return (member.EventId, null);
        }
        catch (MembershipException ex)
        {
            // An accepted PDU's ID comes from the check; a refused one's is worked out only to name it in the answer.
            var eventId = await EventIdOfAsync(pdu, cancellationToken);
            LogPduRefused(logger, eventId ?? "(no ID)", origin.Value, ex.Code, ex.Message);
            return (eventId, ex.Message);
        }
        catch (EventTooLargeException ex)
        {
            return (await EventIdOfAsync(pdu, cancellationToken), ex.Message);
        }
    }

    /// <summary>A PDU's ID by the version of its room as this server knows it, or null.</summary>
    private async Task<string?> EventIdOfAsync(JsonObject pdu, CancellationToken cancellationToken)
    {
        if (!RoomId.TryParse(Json.StringOrNull(pdu["room_id"]), out var room, out _) || await rooms.KnownRoomAsync(room, cancellationToken) is not { } head)
        {
            return null;
        }

        try
        {
            return EventSigning.IsSupportedRoomVersion(head.RoomVersion) ? EventSigning.ComputeEventId(pdu, head.RoomVersion) : null;
        }
        catch (Exception ex) when (ex is ArgumentException or CanonicalJsonException)
        {
            return null;
        }
    }

    /// <summary>Commits a checked event; a refusal by the rules or the room becomes the federation error.</summary>
    private async Task<SignedMemberOutcome> CommitAsync(SignedMember member, CancellationToken cancellationToken)
    {
        var outcome = await rooms.CommitSignedMemberAsync(member, cancellationToken);
        return outcome.Status switch
        {
            ChangeStatus.RoomNotFound => throw NotHosted(member.Room),
            ChangeStatus.Denied => throw Refusal(outcome.Denial!),
            _ => outcome,
        };
    }

    /// <summary>The checklist of an event another server hands us, up to and including its signature.</summary>
    /// <param name="origin">The server that signed the request.</param>
    /// <param name="pdu">The event as received.</param>
    /// <param name="expected">The membership the endpoint takes; null for <c>/send</c>, which takes any of the sender's own.</param>
    /// <param name="pathRoom">The room ID of the path, or null.</param>
    /// <param name="pathEvent">The event ID of the path, or null.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    private async Task<SignedMember> CheckAsync(ServerName origin, JsonObject pdu, RoomMembership? expected, string? pathRoom, string? pathEvent, CancellationToken cancellationToken)
    {
        // 1. A room hosted here, the one the path names.
        if (!RoomId.TryParse(Json.StringOrNull(pdu["room_id"]), out var room, out _))
        {
            throw Invalid("The event has no valid room_id");
        }

        if (pathRoom is not null && pathRoom != room.Value)
        {
            throw Invalid($"The path names room '{pathRoom}' but the event is in room {room}");
        }

        var head = await rooms.HostedRoomAsync(room, cancellationToken) ?? throw NotHosted(room);
        var version = head.RoomVersion;

        // 2. The event's ID is computed from it, and the path's must agree.
        string eventId;
        try
        {
            eventId = EventSigning.ComputeEventId(pdu, version);
        }
        catch (CanonicalJsonException ex)
        {
            throw new MembershipException(ErrorCode.BadJson, $"The event has no canonical JSON form: {ex.Message}");
        }

        if (pathEvent is not null && pathEvent != eventId)
        {
            throw Invalid($"The path names event '{pathEvent}' but the event's ID is {eventId}");
        }

        // 3. A member event of the expected membership, of a user of the origin by that user.
        if (Json.StringOrNull(pdu["type"]) is var type && type != RoomDraft.MemberType)
        {
            throw Invalid($"The event's type is '{type}', not m.room.member");
        }

        if (pdu["content"] is not JsonObject content || Json.StringOrNull(content["membership"]) is not { } membership)
        {
            throw Invalid("The event's content has no string membership");
        }

        if (expected is { } wanted && membership != wanted.ToString())
        {
            throw Invalid($"The event's membership is '{membership}', not {wanted}");
        }

        if (!UserId.TryParse(Json.StringOrNull(pdu["sender"]), out var sender, out _))
        {
            throw Invalid("The event's sender is not a user ID");
        }

        if (Json.StringOrNull(pdu["state_key"]) != sender.Value)
        {
            throw Invalid($"The event's state_key is not its sender {sender}: a server may only send its users' own membership");
        }

        if (sender.Server != origin)
        {
            throw Invalid($"The sender {sender} is not a user of {origin}, which sent the request");
        }

        if (!Json.TryGetMillis(pdu["origin_server_ts"], out var sentAt))
        {
            throw Invalid("The event has no integer origin_server_ts");
        }

        if (IdList(pdu["auth_events"]) is not { } auth || IdList(pdu["prev_events"]) is not { Count: > 0 } prev)
        {
            throw Invalid("The event's auth_events and prev_events must be lists of event IDs (prev_events not empty)");
        }

        // 4. Signed by the origin over the redacted event, and the content hash matches.
        if (await signatures.CheckAsync(pdu, version, origin, sentAt, $"{membership} event", cancellationToken) is { } problem)
        {
            throw new MembershipException(ErrorCode.Forbidden, problem);
        }

        // What arrives in unsigned is nobody's to vouch for; what is stored is the signed event only.
        var stored = pdu.DeepClone().AsObject();
        stored.Remove("unsigned");
        var action = membership == RoomMembership.Join.ToString() ? MembershipAction.Join
            : membership == RoomMembership.Leave.ToString() ? MembershipAction.Leave
            : MembershipAction.SetState;
        var change = new MembershipChange(action, sender, sender, content.DeepClone().AsObject());
        return new SignedMember(room, eventId, stored, change, auth, prev, membership);
    }

    /// <summary>A JSON array of at most 20 event IDs (strings), else null.</summary>
    private static List<string>? IdList(JsonNode? node) =>
        node is JsonArray { Count: <= 20 } list && list.Select(Json.StringOrNull).OfType<string>().ToList() is var ids
            && ids.Count == list.Count && ids.All(id => id.StartsWith('$'))
            ? ids
            : null;

    private void Forget(DateTimeOffset now)
    {
        if (_transactions.Count < MaxRememberedTransactions)
        {
            return;
        }

        foreach (var (key, value) in _transactions)
        {
            if (now - value.At > TransactionMemory || _transactions.Count >= MaxRememberedTransactions)
            {
                _transactions.TryRemove(key, out _);
            }
        }
    }

    /// <summary>A refusal by the rules or the room: 403 (a ban is a refusal like any other here), or the rules' 400.</summary>
    private static MembershipException Refusal(Denial denial) =>
        new(denial.Code == ErrorCode.BadState ? ErrorCode.Forbidden : denial.Code, denial.Message);

    private static MembershipException Invalid(string message) => new(ErrorCode.InvalidParam, message);

    private MembershipException NotHosted(RoomId room) =>
        new(ErrorCode.NotFound, room.Server == server.Name ? $"Room {room} is not known to this server" : $"Room {room} is hosted by {room.Server}, not by this server");

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserId} joined {RoomId} over federation; answered {StateCount} state events and an auth chain of {ChainCount}")]
    private static partial void LogJoined(ILogger logger, string userId, string roomId, int stateCount, int chainCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction {TxnId} from {Origin}: {Count} PDUs, {Refused} refused")]
    private static partial void LogTransaction(ILogger logger, string txnId, string origin, int count, int refused);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused PDU {EventId} from {Origin}: {Errcode} {Reason}")]
    private static partial void LogPduRefused(ILogger logger, string eventId, string origin, ErrorCode errcode, string reason);
}

/// <summary>The answer to send_join (v2 shape; v1 wraps it): the resident server, the state before the join, its auth chain, the co-signed event of a restricted join.</summary>
public sealed record SendJoinAnswer(string Origin, IReadOnlyList<JsonObject> State, IReadOnlyList<JsonObject> AuthChain, JsonObject? Event, IReadOnlyList<string> ServersInRoom);

/// <summary>The joining server does not support the room's version: 400 <c>M_INCOMPATIBLE_ROOM_VERSION</c> naming it.</summary>
public sealed class IncompatibleRoomVersionException : Exception
{
    public IncompatibleRoomVersionException(string roomVersion, string message)
        : base(message) => RoomVersion = roomVersion;

    public IncompatibleRoomVersionException()
    {
    }

    public IncompatibleRoomVersionException(string message)
        : base(message)
    {
    }

    public IncompatibleRoomVersionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public string RoomVersion { get; } = string.Empty;
}
