using Microsoft.OpenApi;
using static Membership.Functions.Hosting.OpenApiSchemas;

namespace Membership.Functions.Hosting;

/// <summary>The Matrix client-server endpoints (functions/Endpoints.cs, MapClientApi).</summary>
internal static partial class OpenApiCatalog
{
    private static void AddClient(Dictionary<string, ApiDoc> docs, OpenApiSchemas s)
    {
        var empty = Object("An empty object.", closed: true);
        var emptyExample = Json("{}");
        var roomAnswer = Object("The room.", Req("room_id", s.Ref(OpenApiSchemas.RoomId)));
        var roomAnswerExample = Json("""{"room_id":"!team-sync:localhost"}""");
        var reason = Str("Why; copied into the membership event. At most 1000 bytes.", "off topic", 1000);
        var reasonBody = Object("Optional; an empty body is {}.", Opt("reason", reason));
        IReadOnlyList<ApiError> change = [BadRequest, Unauthenticated, Refused, UnknownRoom, TooLarge, StorageDown];

        ApiDoc Targeted(string summary, string description, string example) => new(ApiSurface.Client, summary)
        {
            Description = description + " Repeating the same change by the same sender answers 200 and writes nothing.",
            Body = Object("The target and an optional reason.", Req("user_id", s.Ref(OpenApiSchemas.UserId)), Opt("reason", reason)),
            BodyExample = Json(example),
            Response = empty,
            ResponseExample = emptyExample,
            Errors = change,
        };

        docs["Versions"] = new(ApiSurface.Client, "Supported client-server spec versions")
        {
            Public = true,
            Response = Object(
                "The versions this server speaks.",
                Req("versions", Array(Str("A spec version."), "Spec versions.")),
                Req("unstable_features", Map(Bool("Enabled."), "Unstable features; none."))),
            ResponseExample = Json("""{"versions":["r0.6.1","v1.1","v1.11"],"unstable_features":{}}"""),
        };

        docs["WhoAmI"] = new(ApiSurface.Client, "Who the access token belongs to")
        {
            Response = Object("The token's owner.", Req("user_id", s.Ref(OpenApiSchemas.UserId)), Req("is_guest", Bool("Always false."))),
            ResponseExample = Json("""{"user_id":"@alice:localhost","is_guest":false}"""),
            Errors = [Unauthenticated, StorageDown],
        };

        docs["CreateRoom"] = new(ApiSurface.Client, "Create a room")
        {
            Description = "Creates a room (version 10, or 11 on request) with the caller joined at power level 100. Presets as Synapse: "
                + "public_chat is joinable by anyone, invite at level 50; private_chat and trusted_private_chat are invite-only, invite at 0 "
                + "(trusted_private_chat also gives the invitees level 100). At most 40 invitees, all users of this server.",
            Body = Object(
                "Every field is optional.",
                Opt("preset", Enum("Join rule and power defaults; by default from visibility.", "private_chat", "public_chat", "trusted_private_chat")),
                Opt("visibility", Enum("Default private.", "public", "private")),
                Opt("room_alias_name", Str("Local part of an alias to create (#name:server).", "lobby")),
                Opt("name", Str("The room's m.room.name.", "Lobby")),
                Opt("invite", Array(s.Ref(OpenApiSchemas.UserId), "Users to invite.", maxItems: 40)),
                Opt("is_direct", Bool("Marks the invites as a direct chat.")),
                Opt("power_level_content_override", s.Ref(PowerLevelsContent)),
                Opt("creation_content", AnyObject("Extra content of m.room.create (m.federate must be a boolean; creator and room_version belong to the server).")),
                Opt("room_version", Enum("Room version; default 10.", "10", "11"))),
            BodyExample = Json("""{"preset":"public_chat","name":"Lobby","room_alias_name":"lobby","invite":["@bob:localhost"]}"""),
            Response = roomAnswer,
            ResponseExample = roomAnswerExample,
            Errors =
            [
                BadRequest with { Errcodes = [.. BadRequest.Errcodes, "M_ROOM_IN_USE", "M_UNSUPPORTED_ROOM_VERSION"], Description = BadRequest.Description + " M_ROOM_IN_USE: the alias is taken; M_UNSUPPORTED_ROOM_VERSION: not 10 or 11." },
                Unauthenticated,
                new(403, "An invitee is a user of another server (invite them with /invite instead).", "M_FORBIDDEN"),
                TooLarge,
                StorageDown,
            ],
        };

        docs["JoinRoom"] = new(ApiSurface.Client, "Join a room by ID")
        {
            Description = "Joins the caller to a room of this server (public join rule, or an invite). Only reason is copied into the event.",
            Body = reasonBody,
            BodyRequired = false,
            BodyExample = Json("""{"reason":"hello"}"""),
            Response = roomAnswer,
            ResponseExample = roomAnswerExample,
            Errors = change,
        };

        docs["JoinByIdOrAlias"] = new(ApiSurface.Client, "Join a room by ID or alias")
        {
            Description = "As /rooms/{roomId}/join, with an alias resolved first. The whole body becomes the member content (custom keys kept). "
                + "via and server_name are accepted; only rooms of this server can be joined.",
            Body = s.Ref(MemberContent),
            BodyRequired = false,
            BodyExample = Json("""{"reason":"hello","displayname":"Bob"}"""),
            Response = roomAnswer,
            ResponseExample = roomAnswerExample,
            Query =
            [
                Query("via", "Servers to join through (accepted; only local rooms exist).", Array(Str("A server name."), "Server names.")),
                Query("server_name", "Deprecated synonym of via.", Array(Str("A server name."), "Server names.")),
            ],
            Errors = change,
        };

        docs["Knock"] = new(ApiSurface.Client, "Knock on a room")
        {
            Description = "Asks to join a room whose join rule is knock; a member with invite power can then invite.",
            Body = reasonBody,
            BodyRequired = false,
            BodyExample = Json("""{"reason":"may I join?"}"""),
            Response = roomAnswer,
            ResponseExample = roomAnswerExample,
            Query = [Query("via", "Servers to knock through (accepted; only local rooms exist).", Array(Str("A server name."), "Server names."))],
            Errors = change,
        };

        docs["Invite"] = Targeted(
            "Invite a user",
            "Invites a user. A user of another server is invited over federation: the invite is signed here, sent to their server and stored only "
                + "once it comes back co-signed.",
            """{"user_id":"@carol:localhost","reason":"join us"}""") with
        {
            Errors =
            [
                BadRequest with { Errcodes = [.. BadRequest.Errcodes, "M_UNSUPPORTED_ROOM_VERSION"], Description = BadRequest.Description + " M_UNSUPPORTED_ROOM_VERSION: the invitee's server does not support the room's version." },
                Unauthenticated, Refused, UnknownRoom, TooLarge,
                new(502, "The invitee's server could not be reached, refused the request as malformed, or answered something unusable; nothing was stored.", "M_UNKNOWN"),
                StorageDown,
                new(504, "The invitee's server did not answer in time; nothing was stored.", "M_UNKNOWN"),
            ],
        };

        docs["Kick"] = Targeted("Kick a user", "Makes the target leave (from join, invite or knock). A kick never unbans.", """{"user_id":"@bob:localhost","reason":"off topic"}""");
        docs["Ban"] = Targeted("Ban a user", "Bans the target (removing them if present); they cannot join until unbanned.", """{"user_id":"@bob:localhost","reason":"spam"}""");
        docs["Unban"] = Targeted("Unban a user", "Lifts a ban (the target's membership becomes leave).", """{"user_id":"@bob:localhost"}""");

        docs["Leave"] = new(ApiSurface.Client, "Leave a room")
        {
            Description = "Leaves the room; also rejects an invite or withdraws a knock.",
            Body = reasonBody,
            BodyRequired = false,
            BodyExample = Json("""{"reason":"bye"}"""),
            Response = empty,
            ResponseExample = emptyExample,
            Errors = change,
        };

        docs["Forget"] = new(ApiSurface.Client, "Forget a room")
        {
            Description = "Hides a room the caller has left from their history; 400 M_UNKNOWN while still in it.",
            Body = Object("Ignored; send {} or nothing."),
            BodyRequired = false,
            BodyExample = emptyExample,
            Response = empty,
            ResponseExample = emptyExample,
            Errors = [BadRequest with { Errcodes = [.. BadRequest.Errcodes, "M_UNKNOWN"], Description = BadRequest.Description + " M_UNKNOWN: the caller is still in the room." }, Unauthenticated, UnknownRoom, TooLarge, StorageDown],
        };

        var membershipFilter = Enum("A membership.", "join", "invite", "knock", "leave", "ban");
        docs["Members"] = new(ApiSurface.Client, "List a room's members")
        {
            Description = "The m.room.member events of the room. Joined callers see the current membership; others see it as of their own last membership. "
                + "membership and not_membership combine with AND.",
            Query =
            [
                Query("membership", "Only members with this membership.", membershipFilter),
                Query("not_membership", "Leave out members with this membership.", membershipFilter),
                Query("at", "This server's stream token s<N>: the membership as of event N of the room.", Str("Stream token.", "s12", pattern: "^s[0-9]+$")),
            ],
            Response = Object("The member events.", Req("chunk", Array(s.Ref(MemberEvent), "One event per member."))),
            ResponseExample = Json("""{"chunk":[{"type":"m.room.member","state_key":"@alice:localhost","sender":"@alice:localhost","content":{"membership":"join","displayname":"Alice"},"event_id":"$Wr7pK0n1dYQm3hJ0bq2cG8Xv4sT9uF6aZ1eL5oN8iRk","origin_server_ts":1767225600000,"room_id":"!team-sync:localhost","unsigned":{}}]}"""),
            Errors = [BadQuery, Unauthenticated, NotMember, StorageDown],
        };

        docs["JoinedMembers"] = new(ApiSurface.Client, "List a room's joined members")
        {
            Description = "The joined members with their display names and avatars; only for joined callers.",
            Response = Object(
                "Joined members by user ID.",
                Req("joined", Map(Object("A member's profile in the room.", Opt("display_name", Str("Display name.")), Opt("avatar_url", Str("mxc:// URI."))), "By user ID."))),
            ResponseExample = Json("""{"joined":{"@alice:localhost":{"display_name":"Alice","avatar_url":null}}}"""),
            Errors = [Unauthenticated, new(403, "The caller is not joined to the room.", "M_FORBIDDEN"), StorageDown],
        };

        docs["JoinedRooms"] = new(ApiSurface.Client, "List the caller's joined rooms")
        {
            Description = "Rooms whose membership is join (not invites, not rooms left).",
            Response = Object("The rooms.", Req("joined_rooms", Array(s.Ref(OpenApiSchemas.RoomId), "Room IDs."))),
            ResponseExample = Json("""{"joined_rooms":["!team-sync:localhost"]}"""),
            Errors = [Unauthenticated, StorageDown],
        };

        var stateContent = new OpenApiSchema
        {
            Description = "The content of the state event: m.room.member, m.room.power_levels or m.room.join_rules (the state types this server serves).",
            OneOf = [s.Ref(MemberContent), s.Ref(PowerLevelsContent), s.Ref(JoinRulesContent)],
        };
        var stateErrors = new ApiError(404, "Not a served state type (only m.room.member, m.room.power_levels, m.room.join_rules), a non-empty key for the latter two, or no such state.", "M_NOT_FOUND");
        docs["GetState"] = new(ApiSurface.Client, "Read a membership-related state event")
        {
            Description = "The content of a state event. Joined callers read current state; others only their own membership (an invitee sees their invite).",
            Response = stateContent,
            ResponseExample = Json("""{"membership":"join","displayname":"Alice"}"""),
            Errors = [new(400, "The room ID is not valid.", "M_INVALID_PARAM"), Unauthenticated, new(403, "The caller may not read this state.", "M_FORBIDDEN"), stateErrors, StorageDown],
        };

        docs["PutState"] = new(ApiSurface.Client, "Write a membership-related state event")
        {
            Description = "Member state (any transition the rules allow, e.g. a kick by writing leave), power levels or join rules. "
                + "Answers the new event's ID, or the current one when the change is a repeat.",
            Body = stateContent,
            BodyExample = Json("""{"membership":"leave","reason":"off topic"}"""),
            Response = Object("The event.", Req("event_id", Str("The event's ID.", "$Wr7pK0n1dYQm3hJ0bq2cG8Xv4sT9uF6aZ1eL5oN8iRk"))),
            ResponseExample = Json("""{"event_id":"$Wr7pK0n1dYQm3hJ0bq2cG8Xv4sT9uF6aZ1eL5oN8iRk"}"""),
            Errors = [BadRequest, Unauthenticated, Refused, stateErrors, TooLarge, StorageDown],
        };

        docs["LegacyMembership"] = new(ApiSurface.Client, "Membership change on the pre-r0 path")
        {
            Description = "join, invite, leave, kick, ban and unban as under /_matrix/client/v3/rooms/{roomId}/...; invite, kick, ban and unban need user_id.",
            Body = Object("user_id for invite, kick, ban and unban; reason for any.", Opt("user_id", s.Ref(OpenApiSchemas.UserId)), Opt("reason", reason)),
            BodyRequired = false,
            BodyExample = Json("""{"user_id":"@bob:localhost","reason":"off topic"}"""),
            Response = Object("{} or, for join, the room.", Opt("room_id", s.Ref(OpenApiSchemas.RoomId))),
            ResponseExample = emptyExample,
            Errors = change,
        };
    }
}
