using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.RoomEngine;

/// <summary>
/// The <c>RoomInfo</c> object of create_room, update_room_info and get_room_info. The room name is the Matrix
/// <c>m.room.name</c>, the member cap the head's <c>MaxMembers</c>, the owner a power level of 100; every other field is
/// kept as given in the head's admin settings and returned as stored (the switches and seat fields change nothing else).
/// </summary>
internal static class RoomInfoFields
{
    public const int MaxRoomNameBytes = 100;
    public const int MaxCustomInfoBytes = 500;

    /// <summary>The cap when create_room names none (Tencent defaults to the plan's ceiling; this service has no plans).</summary>
    public const int DefaultMaxMemberCount = 1000;

    public const int MaxMaxMemberCount = 100_000;

    public static readonly string[] Switches = ["IsVideoDisabled", "IsAudioDisabled", "IsMessageDisabled", "IsScreenSharingDisabled", "IsCloudRecordingDisabled"];

    public static readonly string[] RoomTypes = ["Conference", "Live"];

    public static readonly string[] TakeSeatModes = ["FreeToTake", "ApplyToTake"];

    /// <summary>The settings fields present in <paramref name="info"/> that both create_room and update_room_info take.</summary>
    public static JsonObject ReadSettings(RoomEngineFields info)
    {
        var settings = new JsonObject();
        foreach (var name in Switches)
        {
            if (info.OptionalBool(name) is { } value)
            {
                settings[name] = value;
            }
        }

        if (info.OptionalString("CustomInfo", MaxCustomInfoBytes) is { } custom)
        {
            settings["CustomInfo"] = custom;
        }

        if (info.OptionalOneOf("TakeSeatMode", TakeSeatModes) is { } mode)
        {
            settings["TakeSeatMode"] = mode;
        }

        return settings;
    }

    public static int? ReadMaxMemberCount(RoomEngineFields info) => (int?)info.OptionalInteger("MaxMemberCount", 1, MaxMaxMemberCount);

    /// <summary>get_room_info's <c>RoomInfo</c>; rooms made through Matrix answer the defaults.</summary>
    public static JsonObject ToResponse(RoomEngineRequest request, RoomHead head)
    {
        var settings = RoomService.AdminInfoOf(head);
        var roomId = RoomEngineRequest.RoomIdOf(RoomId.Parse(head.RoomId));
        var created = head.CreatedAt.ToUnixTimeSeconds();
        var start = (long?)settings["ScheduleStartTime"] ?? created;
        var info = new JsonObject
        {
            ["RoomId"] = roomId,
            ["RoomName"] = head.Name ?? roomId,
            ["RoomType"] = (string?)settings["RoomType"] ?? RoomTypes[0],
            ["Owner_Account"] = request.AccountOf(RoomService.OwnerOf(head).Value),
            ["MaxMemberCount"] = head.MaxMembers ?? 0,
            ["MemberCount"] = head.JoinedCount,
            ["CreateTime"] = created,
            ["RoomStatus"] = start > request.Clock.GetUtcNow().ToUnixTimeSeconds() ? "NotStarted" : "Running",
            ["ScheduleStartTime"] = start,
            ["ScheduleEndTime"] = (long?)settings["ScheduleEndTime"] ?? 0,
        };
        foreach (var name in Switches)
        {
            info[name] = (bool?)settings[name] ?? false;
        }

        info["CustomInfo"] = (string?)settings["CustomInfo"] ?? string.Empty;
        info["IsSeatEnabled"] = (bool?)settings["IsSeatEnabled"] ?? false;
        info["MaxSeatCount"] = (long?)settings["MaxSeatCount"] ?? 0;
        info["TakeSeatMode"] = (string?)settings["TakeSeatMode"] ?? "None";
        return info;
    }
}
