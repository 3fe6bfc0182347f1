using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Membership.Core.Identifiers;
using Membership.Functions.Hosting;
using Membership.Protocols;
using Membership.Service;
using Microsoft.Extensions.Options;

namespace Membership.Functions.Admin;

/// <summary>
/// What every admin command starts with: the query parameters (sdkappid, identifier, usersig, random, contenttype),
/// the UserSig, the App-admin check, the per-command rate limit, then the JSON body read as the command's type. Each
/// failure has its own Tencent code. Then the identities of the body: accounts and room IDs of this server
/// (docs/api.md, "Identity mapping": account <c>A</c> is <c>@A:{server}</c>, room <c>R</c> is <c>!R:{server}</c>).
/// </summary>
internal sealed class AdminRequests(IOptions<TencentOptions> options, AdminRateLimiter limiter, ServerIdentity server, TimeProvider clock)
{
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>The services of this surface; their commands' routes start <c>v4/{service}/</c>.</summary>
    public const string RoomEngineService = "room_engine_http_srv";
    public const string RoomConfigService = "room_config";
    public const string MembershipAdminService = "membership_admin";

    /// <summary>The route prefix of the Room Engine commands.</summary>
    public const string RoomEngine = "v4/" + RoomEngineService + "/";

    /// <summary>The route prefix of the callback configuration commands.</summary>
    public const string RoomConfig = "v4/" + RoomConfigService + "/";

    /// <summary>The route prefix of this service's own admin commands (issue_token).</summary>
    public const string MembershipAdmin = "v4/" + MembershipAdminService + "/";

    public ServerIdentity Server => server;

    public TimeProvider Clock => clock;

    /// <summary>Authenticates the caller and reads the body; the command then does its work.</summary>
    [RequestBody]
    public async Task<AdminCall<TBody>> ReadAsync<TBody>(HttpRequest request)
    {
        var identifier = Authenticate(request);
        var (body, _) = await JsonBodyReader.ReadAsync<TBody>(request, MaxBodyBytes, TencentFieldErrors.Instance, Wire.Tencent, emptyIsObject: false);
        return new AdminCall<TBody>(identifier, body);
    }

    /// <summary>The calling App administrator as the Matrix user their events are sent by.</summary>
    public UserId ActingUser(string identifier) =>
        !identifier.StartsWith('@') && Core.Identifiers.Account.TryParse(identifier, server.Name, out var user, out _)
            ? user
            : throw new TencentException(TencentCodes.BadCredentials, $"identifier cannot act in rooms: it is not an account ({Core.Identifiers.Account.Rule})");

    /// <summary>A room of this server by its Tencent RoomId: the opaque part of <c>!{RoomId}:{server}</c>.</summary>
    public RoomId Room(string roomId, string path = "RoomId")
    {
        if (roomId.Length == 0 || roomId.Contains(':', StringComparison.Ordinal))
        {
            throw TencentException.InvalidParameter($"{path} {(roomId.Length == 0 ? "is empty" : "must not contain ':'")}");
        }

        return RoomId.TryParse($"!{roomId}:{server.Name}", out var room, out var error) ? room : throw TencentException.InvalidParameter($"{path} {error}");
    }

    /// <summary>An account as <see cref="Core.Identifiers.Account"/> has it: <c>A</c> is <c>@A:{server}</c>; a full Matrix user ID is taken as it is.</summary>
    public UserId Account(string account, string path) =>
        Core.Identifiers.Account.TryParse(account, server.Name, out var user, out var error) ? user : throw TencentException.InvalidParameter($"{path} {error}");

    /// <summary>Distinct accounts (the count is checked by the body reader against the field's bounds).</summary>
    public IReadOnlyList<UserId> Accounts(IReadOnlyList<string>? accounts, string path)
    {
        var users = new List<UserId>(accounts?.Count ?? 0);
        foreach (var account in accounts ?? [])
        {
            var user = Account(account, path);
            if (users.Contains(user))
            {
                throw TencentException.InvalidParameter($"{path} lists {account} twice");
            }

            users.Add(user);
        }

        return users;
    }

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
            case ChangeStatus.Denied when result.Denials.FirstOrDefault(d => d.Code == Core.Rooms.ErrorCode.InvalidParam) is { } invalid:
                throw TencentException.InvalidParameter(field.Length == 0 ? invalid.Message : $"{field}: {invalid.Message}");
            case ChangeStatus.Denied:
                var accounts = string.Join(", ", result.Denials.Select(d => AccountOf(d.Target.Value)));
                throw new TencentException(TencentCodes.NotAMember, $"Not members of room {RoomIdOf(room)}: {accounts}; nothing was changed");
        }
    }

    public static TencentException RoomNotFound(RoomId room) =>
        new(TencentCodes.RoomNotFound, $"Room {RoomIdOf(room)} does not exist or has been destroyed");

    /// <summary>The Tencent account of a Matrix user: the local part for users of this server, else the full ID.</summary>
    public string AccountOf(string userId) =>
        UserId.TryParse(userId, out var user, out _) && server.IsLocal(user) ? user.Localpart : userId;

    /// <summary>The Tencent RoomId of a room of this server: the opaque part of its ID.</summary>
    public static string RoomIdOf(RoomId room) => room.Localpart;

    /// <summary>An opaque paging cursor: the user the next page starts after (base64url, so it reads as a token).</summary>
    public static string Cursor(string? afterUserId) =>
        afterUserId is null ? string.Empty : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(afterUserId));

    /// <summary>A cursor this server issued (empty, absent or "0": the first page, as Tencent's samples start).</summary>
    public static string? AfterCursor(string? cursor, string path)
    {
        if (string.IsNullOrEmpty(cursor) || cursor == "0")
        {
            return null;
        }

        try
        {
            var user = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return UserId.TryParse(user, out _, out _) ? user : throw TencentException.InvalidParameter($"{path} is not a cursor this server issued");
        }
        catch (FormatException)
        {
            throw TencentException.InvalidParameter($"{path} is not a cursor this server issued");
        }
    }

    private string Authenticate(HttpRequest request)
    {
        var settings = options.Value;
        var query = request.Query;
        var sdkAppIdText = query["sdkappid"].ToString();
        if (sdkAppIdText.Length == 0)
        {
            throw new TencentException(TencentCodes.MissingSdkAppId, "sdkappid is missing from the URL");
        }

        if (!long.TryParse(sdkAppIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var sdkAppId) || sdkAppId != settings.SdkAppId)
        {
            throw new TencentException(TencentCodes.InvalidSdkAppId, $"sdkappid {sdkAppIdText} is not this App's SDKAppID");
        }

        var identifier = query["identifier"].ToString();
        if (identifier.Length == 0)
        {
            throw new TencentException(TencentCodes.BadCredentials, "identifier is missing from the URL");
        }

        var userSig = query["usersig"].ToString();
        if (userSig.Length == 0)
        {
            throw new TencentException(TencentCodes.UserSigEmpty, "usersig is empty");
        }

        if (!uint.TryParse(query["random"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new TencentException(TencentCodes.BadHttpRequest, "random must be a 32-bit unsigned integer");
        }

        if (query["contenttype"].ToString() != "json")
        {
            throw new TencentException(TencentCodes.BadHttpRequest, "contenttype must be json");
        }

        var check = UserSig.Verify(userSig, sdkAppId, settings.SecretKey, identifier, clock.GetUtcNow().ToUnixTimeSeconds());
        if (!check.IsValid)
        {
            throw new TencentException(check.TencentErrorCode, $"UserSig verification failed: {check.Outcome}");
        }

        if (!settings.EffectiveAdmins.Contains(identifier, StringComparer.Ordinal))
        {
            throw new TencentException(TencentCodes.NotAnAdmin, $"{identifier} is not an App administrator; admin commands need an App admin identifier");
        }

        // Per App and command, as Tencent limits every command (the function stands for the command: a bounded set).
        var command = request.HttpContext.Features.Get<HttpFunction>()?.Route ?? request.Path.Value ?? string.Empty;
        if (!limiter.TryAcquire(sdkAppId, command))
        {
            throw new TencentException(TencentCodes.RateLimited, $"Too many calls of {command}: the limit is {limiter.PerSecond} a second per App and command; slow down");
        }

        return identifier;
    }
}

/// <summary>An authenticated admin call: the App administrator's identifier, and the body.</summary>
internal sealed record AdminCall<TBody>(string Identifier, TBody Body);

/// <summary>Body problems on the admin surface: 60003 for the body as a whole, 100002 naming the field by its path.</summary>
internal sealed class TencentFieldErrors : FieldErrors
{
    public static TencentFieldErrors Instance { get; } = new();

    public override string Name(string path) => path;

    public override Exception BodyTooLarge(int limit) => new TencentException(TencentCodes.BadJson, $"The body is larger than {limit} bytes");

    public override Exception NotJson(string why) => new TencentException(TencentCodes.BadJson, why);

    public override Exception NotAnObject() => new TencentException(TencentCodes.BadJson, "The body must be a JSON object");

    public override Exception Missing(string path) => TencentException.InvalidParameter($"{path} is mandatory");

    public override Exception WrongType(string path, string expected) => TencentException.InvalidParameter($"{path} must be {expected}");

    public override Exception TooLong(string path, int maxBytes) => TencentException.InvalidParameter($"{path} is longer than {maxBytes} bytes");

    public override Exception OutOfRange(string path, string rule) => TencentException.InvalidParameter($"{path} {rule}");

    public override Exception Invalid(string path, string problem) => TencentException.InvalidParameter($"{path} {problem}");
}
