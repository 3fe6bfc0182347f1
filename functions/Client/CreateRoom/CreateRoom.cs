using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Hosting;
using Membership.Service;

namespace Membership.Functions.Client.CreateRoom;

/// <summary>
/// POST /_matrix/client/v3/createRoom — preset, visibility, room_alias_name, name, invite, is_direct,
/// power_level_content_override, creation_content, room_version (10 default, 11). Answers <c>{room_id}</c>.
/// </summary>
internal static class CreateRoom
{
    public static async Task Handle(HttpContext http)
    {
        var creator = await ClientAuth.RequireUserAsync(http);
        var body = await JsonBody.ReadObjectAsync(http);
        var rooms = MembershipActions.Rooms(http);
        var visibility = body.OptionalString("visibility") ?? "private";
        if (visibility is not ("public" or "private"))
        {
            throw MatrixException.BadJson("'visibility' must be public or private");
        }

        // Synapse's presets: public_chat is joinable by anyone with invite at 50; the private ones are invite-only with invite at 0.
        var preset = body.OptionalString("preset") ?? (visibility == "public" ? "public_chat" : "private_chat");
        var (joinRule, inviteLevel) = preset switch
        {
            "public_chat" => (JoinRule.Public, 50L),
            "private_chat" or "trusted_private_chat" => (JoinRule.Invite, 0L),
            _ => throw MatrixException.BadJson("'preset' must be private_chat, public_chat or trusted_private_chat"),
        };

        var version = body.OptionalString("room_version") ?? CreateRoomSpec.DefaultRoomVersion;
        if (!CreateRoomSpec.SupportedVersions.Contains(version))
        {
            throw new MatrixException(ErrorCode.UnsupportedRoomVersion, $"Room version '{version}' is not supported; this server creates rooms of versions 10 and 11");
        }

        var invites = Invites(http, body);
        var alias = body.OptionalString("room_alias_name") is { } aliasName
            ? RoomAlias.TryParse($"#{aliasName}:{rooms.Server.Name}", out var parsed, out var aliasError) && !aliasName.Contains(':', StringComparison.Ordinal)
                ? parsed
                : throw MatrixException.InvalidParam($"'room_alias_name' is not a valid alias local part: {aliasError}")
            : (RoomAlias?)null;

        var spec = new CreateRoomSpec(creator, "client")
        {
            RoomVersion = version,
            JoinRule = joinRule,
            InviteLevel = inviteLevel,
            PowerLevelOverride = body.OptionalObject("power_level_content_override"),
            ExtraUserLevels = preset == "trusted_private_chat" ? invites.ToDictionary(u => u, _ => 100L) : new Dictionary<UserId, long>(),
            CreationContent = CreationContent(body),
            Name = body.OptionalString("name"),
            Alias = alias,
            Invites = invites,
            IsDirect = body.OptionalBool("is_direct", false),
        };

        var room = await rooms.CreateRoomAsync(spec, http.RequestAborted);
        await ClientJson.WriteAsync(http, new JsonObject { ["room_id"] = room.Value });
    }

    private static List<UserId> Invites(HttpContext http, JsonObject body)
    {
        if (body["invite"] is null)
        {
            return [];
        }

        if (body["invite"] is not JsonArray array || array.Any(i => i?.GetValueKind() != JsonValueKind.String))
        {
            throw MatrixException.BadJson("'invite' must be an array of user IDs");
        }

        var invites = new List<UserId>();
        foreach (var text in array.Select(i => i!.GetValue<string>()).Distinct(StringComparer.Ordinal))
        {
            var user = UserId.TryParse(text, out var parsed, out var error) ? parsed : throw MatrixException.InvalidParam(error);
            MembershipActions.RequireLocal(http, user, "invite");
            invites.Add(user);
        }

        // One room creation is one transaction of at most 100 rows: 8 for the room, 2 per invite.
        return invites.Count <= 40 ? invites : throw MatrixException.BadJson("At most 40 users can be invited when creating a room");
    }

    private static JsonObject? CreationContent(JsonObject body)
    {
        var content = body.OptionalObject("creation_content");
        if (content?["m.federate"] is { } federate && federate.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw MatrixException.BadJson("'creation_content.m.federate' must be a boolean");
        }

        // The server owns these keys of the create event.
        content?.Remove("creator");
        content?.Remove("room_version");
        return content;
    }
}
