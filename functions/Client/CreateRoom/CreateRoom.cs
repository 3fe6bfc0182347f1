using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client.CreateRoom;

/// <summary>Create a room.</summary>
/// <remarks>
/// Presets as Synapse: <c>public_chat</c> is joinable by anyone with invite at 50; <c>private_chat</c> and
/// <c>trusted_private_chat</c> are invite-only with invite at 0 (the trusted one gives invitees power 100). Room
/// versions 10 (default) and 11. Invitees must be users of this server.
/// </remarks>
internal sealed class CreateRoom(ClientRequests client, ClientMembership membership)
{
    /// <summary>One room creation is one transaction of at most 100 rows: 8 for the room, 2 per invite.</summary>
    public const int MaxInvites = 40;

    [Function(nameof(CreateRoom))]
    public async Task<MatrixJson<RoomIdReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = ClientRequests.Prefix + "createRoom")] HttpRequest req)
    {
        var (creator, body, _) = await client.ReadAsync<CreateRoomBody>(req);
        var rooms = membership.Rooms;
        var visibility = body.Visibility ?? "private";
        if (visibility is not ("public" or "private"))
        {
            throw MatrixException.BadJson("'visibility' must be public or private");
        }

        var preset = body.Preset ?? (visibility == "public" ? "public_chat" : "private_chat");
        var (joinRule, inviteLevel) = preset switch
        {
            "public_chat" => (JoinRule.Public, 50L),
            "private_chat" or "trusted_private_chat" => (JoinRule.Invite, 0L),
            _ => throw MatrixException.BadJson("'preset' must be private_chat, public_chat or trusted_private_chat"),
        };

        var version = body.RoomVersion ?? CreateRoomSpec.DefaultRoomVersion;
        if (!CreateRoomSpec.SupportedVersions.Contains(version))
        {
            throw new MatrixException(ErrorCode.UnsupportedRoomVersion, $"Room version '{version}' is not supported; this server creates rooms of versions 10 and 11");
        }

        var invites = Invites(body);
        var alias = body.RoomAliasName is { } aliasName
            ? RoomAlias.TryParse($"#{aliasName}:{rooms.Server.Name}", out var parsed, out var aliasError) && !aliasName.Contains(':', StringComparison.Ordinal)
                ? parsed
                : throw MatrixException.InvalidParam($"'room_alias_name' is not a valid alias local part: {aliasError}")
            : (RoomAlias?)null;

        var spec = new CreateRoomSpec(creator, "client")
        {
            RoomVersion = version,
            JoinRule = joinRule,
            InviteLevel = inviteLevel,
            PowerLevelOverride = body.PowerLevelContentOverride,
            ExtraUserLevels = preset == "trusted_private_chat" ? invites.ToDictionary(u => u, _ => 100L) : new Dictionary<UserId, long>(),
            CreationContent = CreationContent(body.CreationContent),
            Name = body.Name,
            Alias = alias,
            Invites = invites,
            IsDirect = body.IsDirect ?? false,
        };

        var room = await rooms.CreateRoomAsync(spec, req.HttpContext.RequestAborted);
        return MatrixJson.Of(new RoomIdReply(room.Value));
    }

    private List<UserId> Invites(CreateRoomBody body)
    {
        var invites = new List<UserId>();
        foreach (var text in (body.Invite ?? []).Distinct(StringComparer.Ordinal))
        {
            var user = UserId.TryParse(text, out var parsed, out var error) ? parsed : throw MatrixException.InvalidParam(error);
            membership.RequireLocal(user, "invite");
            invites.Add(user);
        }

        return invites;
    }

    private static JsonObject? CreationContent(JsonObject? content)
    {
        if (content?["m.federate"] is { } federate && federate.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
        {
            throw MatrixException.BadJson("'creation_content.m.federate' must be a boolean");
        }

        // The server owns these keys of the create event.
        content?.Remove("creator");
        content?.Remove("room_version");
        return content;
    }
}

/// <summary>The body of createRoom (the spec's fields this server acts on; others are ignored).</summary>
internal sealed record CreateRoomBody
{
    [Description("public or private (the default); picks the default preset.")]
    public string? Visibility { get; init; }

    [Description("private_chat, public_chat or trusted_private_chat.")]
    public string? Preset { get; init; }

    [Description("The local part of an alias to claim (#{room_alias_name}:{server}).")]
    public string? RoomAliasName { get; init; }

    [Description("The room's name (an m.room.name event).")]
    public string? Name { get; init; }

    [Description("Users of this server to invite.")]
    [ItemCount(0, CreateRoom.MaxInvites)]
    public IReadOnlyList<string>? Invite { get; init; }

    [Description("Marks the invites as direct-message invites.")]
    public bool? IsDirect { get; init; }

    [Description("10 (the default) or 11.")]
    public string? RoomVersion { get; init; }

    [Description("Keys for the m.room.create event's content (m.federate, type, ...).")]
    public JsonObject? CreationContent { get; init; }

    [Description("Keys that override the default m.room.power_levels content.")]
    public JsonObject? PowerLevelContentOverride { get; init; }
}
