using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Admin;
using Membership.Service;

namespace Membership.Functions.RoomEngine;

/// <summary>
/// What every Room Engine command starts with: the admin pipeline (<see cref="AdminRequest"/>: sdkappid, UserSig,
/// App admin, rate limit, body), then the body's fields. The admin acts as <c>@{identifier}:{server}</c>; accounts and
/// room IDs map to Matrix IDs of this server (DESIGN §5).
/// </summary>
internal sealed class RoomEngineRequest
{
    private RoomEngineRequest(RoomService rooms, UserId admin, RoomEngineFields body, TimeProvider clock)
    {
        Rooms = rooms;
        Admin = admin;
        Body = body;
        Clock = clock;
    }

    public RoomService Rooms { get; }

    /// <summary>The calling App administrator as the Matrix user their events are sent by.</summary>
    public UserId Admin { get; }

    public RoomEngineFields Body { get; }

    public TimeProvider Clock { get; }

    public static async Task<RoomEngineRequest> ReadAsync(HttpContext http)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var (identifier, body) = await AdminRequest.ReadAsync(http, clock);
        var rooms = http.RequestServices.GetRequiredService<RoomService>();
        var admin = UserId.TryParse($"@{identifier}:{rooms.Server.Name}", out var user, out _) && !identifier.Contains(':', StringComparison.Ordinal)
            ? user
            : throw new TencentException(TencentCodes.BadCredentials, $"identifier {identifier} cannot act in rooms: it is not a valid account name");
        return new RoomEngineRequest(rooms, admin, new RoomEngineFields(body, string.Empty, rooms.Server.Name), clock);
    }

    /// <summary>The Tencent account of a Matrix user: the local part for users of this server, else the full ID.</summary>
    public string AccountOf(string userId) =>
        UserId.TryParse(userId, out var user, out _) && Rooms.Server.IsLocal(user) ? user.Localpart : userId;

    /// <summary>The Tencent RoomId of a room of this server: the opaque part of its ID.</summary>
    public static string RoomIdOf(RoomId room) => room.Localpart;

    /// <summary>
    /// Maps a change that did not go through: a missing or destroyed room is 100004; a parameter the room refuses is
    /// 100002 naming <paramref name="field"/>; any other refusal means the accounts are not (or no longer) members:
    /// 100005 naming them. Nothing was written.
    /// </summary>
    public void ThrowIfFailed(ChangeResult result, RoomId room, string field = "")
    {
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Status)
        {
            case ChangeStatus.RoomNotFound:
                throw RoomNotFound(room);
            case ChangeStatus.Denied when result.Denials.FirstOrDefault(d => d.Code == ErrorCode.InvalidParam) is { } invalid:
                throw TencentException.InvalidParameter(field.Length == 0 ? invalid.Message : $"{field}: {invalid.Message}");
            case ChangeStatus.Denied:
                var accounts = string.Join(", ", result.Denials.Select(d => AccountOf(d.Target.Value)));
                throw new TencentException(TencentCodes.NotAMember, $"Not members of room {RoomIdOf(room)}: {accounts}; nothing was changed");
        }
    }

    public static TencentException RoomNotFound(RoomId room) =>
        new(TencentCodes.RoomNotFound, $"Room {RoomIdOf(room)} does not exist or has been destroyed");

    /// <summary>An opaque paging cursor: the user the next page starts after (base64url, so it reads as a token).</summary>
    public static string Cursor(string? afterUserId) =>
        afterUserId is null ? string.Empty : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(afterUserId));
}

/// <summary>
/// Typed fields of a request body (or of an object inside it). Every problem is <c>100002</c> with an ErrorInfo that
/// names the field by its path (<c>RoomInfo.RoomName</c>).
/// </summary>
internal sealed class RoomEngineFields(JsonObject obj, string path, ServerName server)
{
    public const int MaxRoomIdBytes = 48;

    /// <summary>kick_user_out, ban_room_member and unban_room_member take at most 20 accounts.</summary>
    public const int MaxAccounts = 20;

    public const int MaxReasonBytes = 1000;

    public RoomEngineFields Object(string name) => obj[name] switch
    {
        null => throw Invalid(name, "is mandatory"),
        JsonObject inner => new RoomEngineFields(inner, $"{path}{name}.", server),
        _ => throw Invalid(name, "must be an object"),
    };

    public bool Has(string name) => obj[name] is not null;

    public string? OptionalString(string name, int maxBytes) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Encoding.UTF8.GetByteCount(value.GetValue<string>()) <= maxBytes
            ? value.GetValue<string>()
            : throw Invalid(name, $"is longer than {maxBytes} bytes"),
        _ => throw Invalid(name, "must be a string"),
    };

    public string RequiredString(string name, int maxBytes) => OptionalString(name, maxBytes) ?? throw Invalid(name, "is mandatory");

    public string? OptionalOneOf(string name, params string[] allowed)
    {
        var text = OptionalString(name, 64);
        return text is null || allowed.Contains(text, StringComparer.Ordinal) ? text : throw Invalid(name, $"must be one of {string.Join(", ", allowed)}");
    }

    public bool? OptionalBool(string name) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        _ => throw Invalid(name, "must be a boolean"),
    };

    public long? OptionalInteger(string name, long min, long max) => obj[name] switch
    {
        null => null,
        var node when PowerLevels.TryInteger(node, out var value) => value >= min && value <= max ? value : throw Invalid(name, $"must be between {min} and {max}"),
        _ => throw Invalid(name, "must be an integer"),
    };

    /// <summary>A room of this server by its Tencent RoomId: the opaque part of <c>!{RoomId}:{server}</c>.</summary>
    public RoomId RoomId(string name = "RoomId")
    {
        var text = RequiredString(name, MaxRoomIdBytes);
        if (text.Length == 0 || text.Contains(':', StringComparison.Ordinal))
        {
            throw Invalid(name, text.Length == 0 ? "is empty" : "must not contain ':'");
        }

        return Core.Identifiers.RoomId.TryParse($"!{text}:{server}", out var room, out var error) ? room : throw Invalid(name, error);
    }

    public UserId Account(string name) => ParseAccount(name, RequiredString(name, 255));

    public UserId? OptionalAccount(string name) => Has(name) ? Account(name) : null;

    /// <summary>A list of 1 to <paramref name="max"/> distinct, non-empty accounts (or 0 when <paramref name="optional"/>).</summary>
    public IReadOnlyList<UserId> Accounts(string name, int max, bool optional = false)
    {
        if (obj[name] is null && optional)
        {
            return [];
        }

        if (obj[name] is not JsonArray array)
        {
            throw Invalid(name, obj[name] is null ? "is mandatory" : "must be an array of accounts");
        }

        if ((array.Count == 0 && !optional) || array.Count > max)
        {
            throw Invalid(name, $"must hold 1 to {max} accounts; it holds {array.Count}");
        }

        var users = new List<UserId>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                throw Invalid(name, "must hold only strings");
            }

            var user = ParseAccount(name, value.GetValue<string>());
            if (users.Contains(user))
            {
                throw Invalid(name, $"lists {value.GetValue<string>()} twice");
            }

            users.Add(user);
        }

        return users;
    }

    /// <summary>The opaque cursor of a paged list (empty or absent: the first page; "0" too, as Tencent's samples start).</summary>
    public string? Cursor(string name)
    {
        var text = OptionalString(name, 1024);
        if (string.IsNullOrEmpty(text) || text == "0")
        {
            return null;
        }

        try
        {
            var user = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            return UserId.TryParse(user, out _, out _) ? user : throw Invalid(name, "is not a cursor this server issued");
        }
        catch (FormatException)
        {
            throw Invalid(name, "is not a cursor this server issued");
        }
    }

    /// <summary>Account <c>A</c> is <c>@A:{server}</c>; a full Matrix user ID is taken as it is.</summary>
    private UserId ParseAccount(string name, string account)
    {
        if (account.Length == 0)
        {
            throw Invalid(name, "holds an empty account");
        }

        var isMatrixId = account.StartsWith('@') && account.Contains(':', StringComparison.Ordinal);
        if (!isMatrixId && account.Contains(':', StringComparison.Ordinal))
        {
            throw Invalid(name, $"holds {account}, which has a ':' but is not a Matrix user ID");
        }

        return UserId.TryParse(isMatrixId ? account : $"@{account}:{server}", out var user, out var error) ? user : throw Invalid(name, $"holds {account}: {error}");
    }

    private TencentException Invalid(string name, string problem) => TencentException.InvalidParameter($"{path}{name} {problem}");
}
