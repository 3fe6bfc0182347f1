using Microsoft.OpenApi;
using static Membership.Functions.Hosting.OpenApiSchemas;

namespace Membership.Functions.Hosting;

/// <summary>
/// The Tencent-style admin commands: membership_admin and the catch-all (functions/Endpoints.cs, MapAdminApi), Room Engine
/// (functions/RoomEngine/RoomEngineEndpoints.cs) and callback configuration (functions/RoomConfig/RoomConfigEndpoints.cs).
/// </summary>
internal static partial class OpenApiCatalog
{
    private static readonly ApiCode InvalidParameter = new(100002, "RoomInfo.RoomName is longer than 100 bytes");
    private static readonly ApiCode RoomTaken = new(100003, "RoomId team-sync is taken (rooms that were destroyed keep their ID)");
    private static readonly ApiCode RoomMissing = new(100004, "Room team-sync does not exist or has been destroyed");
    private static readonly ApiCode NotMembers = new(100005, "Not members of room team-sync: dave; nothing was changed");
    private static readonly ApiCode NoCallback = new(100301, "No callback configuration exists; create one with room_config/set_callback");

    private static void AddAdmin(Dictionary<string, ApiDoc> docs, OpenApiSchemas s)
    {
        docs["IssueToken"] = new(ApiSurface.Admin, "Issue a Matrix access token")
        {
            Description = "Operator extension: gives a Matrix client an access token for a user of this server (stored only as a SHA-256 hash).",
            Body = Object("The user.", Req("UserId", Str("A local part (alice) or a full ID of this server (@alice:localhost).", "alice"))),
            BodyExample = Json("""{"UserId":"alice"}"""),
            Response = s.Envelope(
                "The envelope plus the token.",
                Req("AccessToken", Str("Send as Authorization: Bearer <token> to the client-server API.")),
                Req("UserId", s.Ref(OpenApiSchemas.UserId)),
                Req("ExpiresInSeconds", Int("Lifetime (Membership:Tokens:Lifetime).", example: 604800))),
            ResponseExample = Json("""{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42","AccessToken":"mt_...","UserId":"@alice:localhost","ExpiresInSeconds":604800}"""),
            Codes = [new(100002, "UserId must be a non-empty string")],
        };

        docs["UnknownCommand"] = new(ApiSurface.Admin, "Any other admin command")
        {
            Description = "Any /v4/{service}/{command} not listed here, the seat commands (room_engine_http_mic) included: 60009 for POST, 60002 for another method. "
                + "Answered before any authentication.",
            Body = AnyObject("Ignored."),
            BodyRequired = false,
            BodyExample = Json("{}"),
            Response = s.Ref(TencentEnvelope),
            ResponseExample = Json("""{"ActionStatus":"FAIL","ErrorCode":60009,"ErrorInfo":"Unknown command /v4/room_engine_http_mic/take_seat","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42"}"""),
            Codes = [new(60002, "GET is not allowed; admin commands are POST")],
        };
    }

    private static void AddRoomEngine(Dictionary<string, ApiDoc> docs, OpenApiSchemas s)
    {
        var roomId = s.Ref(RoomEngineRoomId);
        var account = s.Ref(OpenApiSchemas.Account);
        var accounts = Array(account, "1 to 20 accounts.", 1, 20);
        var reason = Str("Why; at most 1000 bytes. Matrix clients see it in the membership events.", "off topic", 1000);
        var roomOnly = Object("The room.", Req("RoomId", roomId));
        var roomOnlyExample = Json("""{"RoomId":"team-sync"}""");
        var ok = s.Ref(TencentEnvelope);
        var okExample = Json("""{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42"}""");
        var switches = RoomEngine.RoomInfoFields.Switches
            .Select(name => Opt(name, Bool("Stored and returned; changes nothing else.")))
            .ToArray();
        var roomName = Str("The room's name, at most 100 bytes; Matrix clients see it as m.room.name.", "Team sync", 100);
        var maxMembers = Int("Cap on joined members from either surface, the owner included (1-100000).", 1, 100_000, 300);
        var customInfo = Str("Free text, at most 500 bytes; stored and returned.", maxLength: 500);
        var takeSeatMode = Enum("Stored and returned (seat commands are not built).", "FreeToTake", "ApplyToTake");

        docs["RoomEngineCreateRoom"] = new(ApiSurface.Admin, "create_room: create a room")
        {
            Description = "Creates the Matrix room !{RoomId}:{server}, join rule public, with the owner joined at power level 100 (Owner 100, Admin 50, Member 0). "
                + "Invitees get Matrix invites from the owner. A RoomId once used stays taken.",
            Body = Object(
                "The room and optional invitees.",
                Req("RoomInfo", Object(
                    "The room.",
                    [
                        Req("RoomId", roomId),
                        Req("RoomType", Enum("Stored and returned.", "Conference", "Live")),
                        Opt("RoomName", roomName),
                        Opt("Owner_Account", Str("The owner; default the calling admin.", "alice")),
                        Opt("MaxMemberCount", maxMembers),
                        Opt("ScheduleStartTime", Int("Unix seconds; default now.")),
                        Opt("ScheduleEndTime", Int("Unix seconds, at least 5 minutes after the start; default an hour after it.")),
                        .. switches,
                        Opt("CustomInfo", customInfo),
                        Opt("IsSeatEnabled", Bool("Stored and returned.")),
                        Opt("MaxSeatCount", Int("Stored and returned (0-1000).", 0, 1000)),
                        Opt("TakeSeatMode", takeSeatMode),
                    ])),
                Opt("ScheduleInviteeList_Account", Array(account, "Up to 20 users of this server to invite (not the owner).", maxItems: 20))),
            BodyExample = Json("""{"RoomInfo":{"RoomId":"team-sync","RoomName":"Team sync","RoomType":"Conference","Owner_Account":"alice","MaxMemberCount":300},"ScheduleInviteeList_Account":["bob"]}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomTaken],
        };

        docs["DestroyRoom"] = new(ApiSurface.Admin, "destroy_room: destroy a room")
        {
            Description = "Records an org.membership.room.destroyed event and marks the room destroyed: Matrix then answers 404 and every command 100004. The RoomId stays taken.",
            Body = roomOnly,
            BodyExample = roomOnlyExample,
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing],
        };

        var roomInfo = Object(
            "The room as stored; rooms made through Matrix answer the defaults (their creator as owner, MaxMemberCount 0: no cap).",
            [
                Req("RoomId", roomId),
                Req("RoomName", Str("Name (the RoomId if none).", "Team sync")),
                Req("RoomType", Enum("Room type.", "Conference", "Live")),
                Req("Owner_Account", account),
                Req("MaxMemberCount", Int("Member cap; 0 for none.")),
                Req("MemberCount", Int("Joined members, from either surface.")),
                Req("CreateTime", Int("Unix seconds.")),
                Req("RoomStatus", Enum("NotStarted before ScheduleStartTime, else Running.", "NotStarted", "Running")),
                Req("ScheduleStartTime", Int("Unix seconds.")),
                Req("ScheduleEndTime", Int("Unix seconds; 0 if none.")),
                .. switches.Select(p => p with { Required = true }),
                Req("CustomInfo", Str("As stored.")),
                Req("IsSeatEnabled", Bool("As stored.")),
                Req("MaxSeatCount", Int("As stored.")),
                Req("TakeSeatMode", Enum("As stored.", "FreeToTake", "ApplyToTake", "None")),
            ]);
        docs["GetRoomInfo"] = new(ApiSurface.Admin, "get_room_info: read a room")
        {
            Description = "The fields create_room takes plus MemberCount, CreateTime and RoomStatus. One storage read.",
            Body = roomOnly,
            BodyExample = roomOnlyExample,
            Response = s.Envelope("The envelope plus the room.", Req("Response", Object("The answer.", Req("RoomInfo", roomInfo)))),
            ResponseExample = Json("""
                {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42",
                 "Response":{"RoomInfo":{"RoomId":"team-sync","RoomName":"Team sync","RoomType":"Conference","Owner_Account":"alice","MaxMemberCount":300,
                   "MemberCount":4,"CreateTime":1767225600,"RoomStatus":"Running","ScheduleStartTime":1767225600,"ScheduleEndTime":1767229200,
                   "IsVideoDisabled":false,"IsAudioDisabled":false,"IsMessageDisabled":false,"IsScreenSharingDisabled":false,"IsCloudRecordingDisabled":false,
                   "CustomInfo":"","IsSeatEnabled":false,"MaxSeatCount":0,"TakeSeatMode":"None"}}}
                """),
            Codes = [InvalidParameter, RoomMissing],
        };

        docs["UpdateRoomInfo"] = new(ApiSurface.Admin, "update_room_info: change a room")
        {
            Description = "Absent fields keep their values. A new name is an m.room.name event Matrix clients see; a MaxMemberCount below the joined count is 100002.",
            Body = Object(
                "The room and the fields to change.",
                Req("RoomInfo", Object("The changes.", [Req("RoomId", roomId), Opt("RoomName", roomName), Opt("MaxMemberCount", maxMembers), .. switches, Opt("CustomInfo", customInfo), Opt("TakeSeatMode", takeSeatMode)]))),
            BodyExample = Json("""{"RoomInfo":{"RoomId":"team-sync","RoomName":"Team sync (weekly)","IsMessageDisabled":true}}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing],
        };

        var next = Str("Paging cursor from the previous answer; empty for the first page.", string.Empty);
        docs["GetRoomMemberList"] = new(ApiSurface.Admin, "get_room_member_list: list joined members")
        {
            Description = "Joined members, whichever surface they joined through, a page at a time; send Response.Next back as Next until it is empty. "
                + "Pages follow the member rows' keys, so members joining or leaving meanwhile never make a page skip or repeat anyone.",
            Body = Object("The room and the page.", Req("RoomId", roomId), Opt("Count", Int("Page size, 1-100; default 50.", 1, 100, 50)), Opt("Next", next)),
            BodyExample = Json("""{"RoomId":"team-sync","Count":50,"Next":""}"""),
            Response = s.Envelope(
                "The envelope plus a page.",
                Req("Response", Object(
                    "A page of members.",
                    Req("Next", Str("Cursor of the next page; empty on the last.")),
                    Req("MemberList", Array(
                        Object(
                            "A member.",
                            Req("Member_Account", account),
                            Req("NameCard", Str("NameCard, else the Matrix display name, else empty.")),
                            Req("Role", Enum("Owner, Admin (power level 50 or more) or Member.", "Owner", "Admin", "Member")),
                            Req("Marks", Array(Int("Mark."), "Always empty (mark_room_member is not built).")),
                            Req("CustomInfo", Str("As set by update_room_member_info."))),
                        "The members."))))),
            ResponseExample = Json("""
                {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42",
                 "Response":{"Next":"","MemberList":[{"Member_Account":"alice","NameCard":"Alice","Role":"Owner","Marks":[],"CustomInfo":""}]}}
                """),
            Codes = [InvalidParameter, RoomMissing],
        };

        docs["UpdateRoomMemberInfo"] = new(ApiSurface.Admin, "update_room_member_info: change a member's role or card")
        {
            Description = "The member must be joined. Role is a power level (Admin 50, Member 0) set by an m.room.power_levels event; NameCard and CustomInfo are kept on the member's row.",
            Body = Object(
                "The room and the member's changes.",
                Req("RoomId", roomId),
                Req("MemberInfo", Object(
                    "The changes.",
                    Req("Member_Account", account),
                    Opt("Role", Enum("New role.", "Admin", "Member")),
                    Opt("NameCard", Str("At most 32 bytes.", "Bob", 32)),
                    Opt("CustomInfo", Str("At most 60 bytes.", maxLength: 60))))),
            BodyExample = Json("""{"RoomId":"team-sync","MemberInfo":{"Member_Account":"bob","Role":"Admin","NameCard":"Bob"}}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing, NotMembers],
        };

        docs["ChangeRoomOwner"] = new(ApiSurface.Admin, "change_room_owner: hand the room to another member")
        {
            Description = "The new owner must be joined; they get power level 100 and the previous owner 0, in one m.room.power_levels event sent by the admin.",
            Body = Object("The room and the owners.", Req("RoomId", roomId), Req("NewOwner_Account", account), Opt("From_Account", Str("When given, must be the current owner.", "alice"))),
            BodyExample = Json("""{"RoomId":"team-sync","From_Account":"alice","NewOwner_Account":"bob"}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing, NotMembers],
        };

        docs["KickUserOut"] = new(ApiSurface.Admin, "kick_user_out: kick up to 20 members")
        {
            Description = "All or nothing, in one transaction: if any account is not in the room (join, invite or knock) the answer is 100005 naming them and nobody is kicked. "
                + "Matrix clients see each kicked user leave with the reason, sent by the admin. A kicked user may join again.",
            Body = Object("The room, the accounts and why.", Req("RoomId", roomId), Req("MemberList_Account", accounts), Req("Reason", reason)),
            BodyExample = Json("""{"RoomId":"team-sync","MemberList_Account":["carol","dave"],"Reason":"off topic"}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing, NotMembers],
        };

        docs["BanRoomMember"] = new(ApiSurface.Admin, "ban_room_member: ban up to 20 accounts for a while")
        {
            Description = "Members are removed; nobody listed can join from either surface until the ban ends by itself (or unban_room_member lifts it). One transaction.",
            Body = Object(
                "The room, the accounts, why and for how long.",
                Req("RoomId", roomId),
                Req("MemberList_Account", accounts),
                Req("Reason", reason),
                Req("Duration", Int("Seconds.", 1, uint.MaxValue, 3600))),
            BodyExample = Json("""{"RoomId":"team-sync","MemberList_Account":["erin"],"Reason":"spam","Duration":3600}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing],
        };

        docs["UnbanRoomMember"] = new(ApiSurface.Admin, "unban_room_member: lift bans")
        {
            Description = "One unban event per banned account, sent by the admin, in one transaction; an account that is not banned needs nothing.",
            Body = Object("The room and the accounts.", Req("RoomId", roomId), Req("MemberList_Account", accounts)),
            BodyExample = Json("""{"RoomId":"team-sync","MemberList_Account":["erin"]}"""),
            Response = ok,
            ResponseExample = okExample,
            Codes = [InvalidParameter, RoomMissing],
        };

        docs["GetBannedMemberList"] = new(ApiSurface.Admin, "get_banned_member_list: list bans")
        {
            Description = "Bans in force, a page at a time; send Response.NextOffset back as Next until it is empty. Bans that have run out are not listed.",
            Body = Object("The room and the page.", Req("RoomId", roomId), Opt("Limit", Int("Page size, 1-100; default 20.", 1, 100, 20)), Opt("Next", Str("Cursor from the previous answer; empty or \"0\" for the first page.", string.Empty))),
            BodyExample = Json("""{"RoomId":"team-sync","Limit":100,"Next":""}"""),
            Response = s.Envelope(
                "The envelope plus a page.",
                Req("Response", Object(
                    "A page of bans.",
                    Req("BannedAccountList", Array(Object("A ban.", Req("Member_Account", account), Req("BannedUntil", Int("Unix seconds; 0 for a Matrix ban, which has no end."))), "The bans.")),
                    Req("NextOffset", Str("Cursor of the next page; empty on the last."))))),
            ResponseExample = Json("""
                {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42",
                 "Response":{"BannedAccountList":[{"Member_Account":"erin","BannedUntil":1767229200}],"NextOffset":""}}
                """),
            Codes = [InvalidParameter, RoomMissing],
        };
    }

    private static void AddRoomConfig(Dictionary<string, ApiDoc> docs, OpenApiSchemas s)
    {
        var okExample = Json("""{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42"}""");
        var config = Object(
            "Where callbacks go and which.",
            Req("Url", Str("http:// or https:// URL, at most 2048 bytes.", "https://example.com/callbacks", 2048)),
            Req("CallbackCommandList", Array(
                Enum(
                    "A callback; Room.CallbackUpdateRoomInfo means Room.CallbackAfterUpdateRoomInfo; Mic.CallbackAfterSeatInfoChanged is accepted and never sent.",
                    "Room.CallbackAfterCreateRoom", "Room.CallbackAfterDestroyRoom", "Room.CallbackAfterUpdateRoomInfo", "Room.CallbackAfterMemberEnter",
                    "Room.CallbackAfterMemberLeave", "Room.CallbackUpdateRoomInfo", "Mic.CallbackAfterSeatInfoChanged"),
                "The callbacks to send.")));
        var configExample = Json("""{"Url":"https://example.com/callbacks","CallbackCommandList":["Room.CallbackAfterMemberEnter","Room.CallbackAfterMemberLeave"]}""");
        var nothing = Object("Send {}.");

        docs["SetCallback"] = new(ApiSurface.Admin, "set_callback: set where callbacks go")
        {
            Description = "Stores the callback configuration, which overrides Membership:Webhooks:Url from now on (replacing any stored one). "
                + "A new configuration receives the changes made after it was set; replacing one keeps that point, so nothing pending is skipped.",
            Body = config,
            BodyExample = configExample,
            Response = s.Ref(TencentEnvelope),
            ResponseExample = okExample,
            Codes = [new(100002, "Url must be an absolute URL beginning with http:// or https://")],
        };

        docs["GetCallback"] = new(ApiSurface.Admin, "get_callback: read the callback configuration")
        {
            Body = nothing,
            BodyExample = Json("{}"),
            Response = s.Envelope("The envelope plus the configuration.", Req("Response", config)),
            ResponseExample = Json("""{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42","Response":{"Url":"https://example.com/callbacks","CallbackCommandList":["Room.CallbackAfterMemberEnter"]}}"""),
            Codes = [NoCallback],
        };

        docs["UpdateCallback"] = new(ApiSurface.Admin, "update_callback: replace the callback configuration")
        {
            Description = "Both fields are mandatory; 100301 when none is stored (set_callback creates one).",
            Body = config,
            BodyExample = configExample,
            Response = s.Ref(TencentEnvelope),
            ResponseExample = okExample,
            Codes = [new(100002, "CallbackCommandList is mandatory"), NoCallback],
        };

        docs["DeleteCallback"] = new(ApiSurface.Admin, "delete_callback: remove the callback configuration")
        {
            Description = "Callbacks then go to Membership:Webhooks:Url if it is set, else stop.",
            Body = nothing,
            BodyExample = Json("{}"),
            Response = s.Ref(TencentEnvelope),
            ResponseExample = okExample,
            Codes = [NoCallback],
        };

        var delivery = new[]
        {
            Req("RoomId", s.Ref(RoomEngineRoomId)),
            Req("ChangeSeq", Int("The change's sequence number in the room.")),
            Req("CallbackCommand", Str("The callback.", "Room.CallbackAfterMemberEnter")),
            Req("EventTime", Int("When the change happened (ms).")),
            Req("Attempts", Int("Delivery attempts so far.")),
            Req("LastError", Str("The last failure, or empty.")),
        };
        docs["GetCallbackDeliveries"] = new(ApiSurface.Admin, "get_callback_deliveries: callbacks pending and given up")
        {
            Description = "Our extension. With RoomId: that room's pending callbacks in order and its dead letters. Without: the next callback of each room "
                + "with work pending, and every room's dead letters (a query over the whole webhook table: for inspection, not for polling).",
            Body = Object("Optional filters.", Opt("RoomId", s.Ref(RoomEngineRoomId)), Opt("Limit", Int("1-100; default 20.", 1, 100, 20))),
            BodyExample = Json("""{"RoomId":"team-sync","Limit":20}"""),
            Response = s.Envelope(
                "The envelope plus the deliveries.",
                Req("Response", Object(
                    "Pending and dead deliveries.",
                    Req("Pending", Array(Object("A callback not delivered yet.", [.. delivery, Req("NextAttemptTime", Int("When it is tried next (ms); 0 when due."))]), "Pending callbacks.")),
                    Req("Dead", Array(Object("A callback given up on.", [.. delivery, Req("DeadTime", Int("When it was given up (ms).")), Req("Body", AnyObject("The callback body that was not delivered."))]), "Dead letters."))))),
            ResponseExample = Json("""{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-4f1c2d8e9a0b4c7d8e9f0a1b2c3d4e5f-O-Seq-42","Response":{"Pending":[],"Dead":[]}}"""),
            Codes = [new(100002, "Limit must be an integer from 1 to 100")],
        };
    }
}
