using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Membership.Core.Identifiers;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.RoomEngine;

/// <summary>
/// The fields Room Engine commands share. The room name is the Matrix <c>m.room.name</c>, the member cap the head's
/// <c>MaxMembers</c>, the owner a power level of 100; every other RoomInfo field is kept as given in the head's admin
/// settings and returned as stored (the switches and seat fields change nothing else).
/// </summary>
internal static class RoomEngineLimits
{
    public const int MaxRoomIdBytes = 48;

    /// <summary>kick_user_out, ban_room_member and unban_room_member take at most 20 accounts.</summary>
    public const int MaxAccounts = 20;

    public const int MaxReasonBytes = 1000;

    public const int MaxAccountBytes = 255;

    public const int MaxRoomNameBytes = 100;

    public const int MaxCustomInfoBytes = 500;

    /// <summary>The cap when create_room names none (Tencent defaults to the plan's ceiling; this service has no plans).</summary>
    public const int DefaultMaxMemberCount = 1000;

    public const int MaxMaxMemberCount = 100_000;

    public static readonly string[] RoomTypes = ["Conference", "Live"];

    public static readonly string[] TakeSeatModes = ["FreeToTake", "ApplyToTake"];
}

/// <summary>A body naming one room.</summary>
internal record RoomBody
{
    [Description("The room, as created with create_room (for rooms created through Matrix: the opaque part of the room ID).")]
    [MaxBytes(RoomEngineLimits.MaxRoomIdBytes)]
    public required string RoomId { get; init; }
}

/// <summary>A body naming a room and 1 to 20 of its accounts.</summary>
internal record RoomAccountsBody : RoomBody
{
    [Description("The accounts (UserIDs) to act on.")]
    [ItemCount(1, RoomEngineLimits.MaxAccounts)]
    public required IReadOnlyList<string> MemberList_Account { get; init; }
}

/// <summary>The settings of <c>RoomInfo</c> that create_room and update_room_info both take.</summary>
internal record RoomSettingsBody : RoomBody
{
    [MaxBytes(RoomEngineLimits.MaxRoomNameBytes)]
    public string? RoomName { get; init; }

    [Description("The most members the room holds, the owner included.")]
    [Range(1, RoomEngineLimits.MaxMaxMemberCount)]
    public int? MaxMemberCount { get; init; }

    public bool? IsVideoDisabled { get; init; }

    public bool? IsAudioDisabled { get; init; }

    public bool? IsMessageDisabled { get; init; }

    public bool? IsScreenSharingDisabled { get; init; }

    public bool? IsCloudRecordingDisabled { get; init; }

    [MaxBytes(RoomEngineLimits.MaxCustomInfoBytes)]
    public string? CustomInfo { get; init; }

    [Description("FreeToTake or ApplyToTake.")]
    public string? TakeSeatMode { get; init; }

    /// <summary>The settings present, as the head keeps them.</summary>
    public JsonObject Settings()
    {
        var settings = new JsonObject();
        Add(settings, nameof(IsVideoDisabled), IsVideoDisabled);
        Add(settings, nameof(IsAudioDisabled), IsAudioDisabled);
        Add(settings, nameof(IsMessageDisabled), IsMessageDisabled);
        Add(settings, nameof(IsScreenSharingDisabled), IsScreenSharingDisabled);
        Add(settings, nameof(IsCloudRecordingDisabled), IsCloudRecordingDisabled);
        if (CustomInfo is not null)
        {
            settings[nameof(CustomInfo)] = CustomInfo;
        }

        if (TakeSeatMode is not null)
        {
            settings[nameof(TakeSeatMode)] = RoomEngineLimits.TakeSeatModes.Contains(TakeSeatMode, StringComparer.Ordinal)
                ? TakeSeatMode
                : throw TencentException.InvalidParameter($"RoomInfo.TakeSeatMode must be one of {string.Join(", ", RoomEngineLimits.TakeSeatModes)}");
        }

        return settings;
    }

    private static void Add(JsonObject settings, string name, bool? value)
    {
        if (value is { } set)
        {
            settings[name] = set;
        }
    }
}

/// <summary>get_room_info's <c>RoomInfo</c>: the fields create_room takes plus MemberCount, CreateTime and RoomStatus.</summary>
internal sealed record RoomInfoReply(
    string RoomId,
    string RoomName,
    string RoomType,
    [property: JsonPropertyName("Owner_Account")] string OwnerAccount,
    int MaxMemberCount,
    int MemberCount,
    long CreateTime,
    string RoomStatus,
    long ScheduleStartTime,
    long ScheduleEndTime,
    bool IsVideoDisabled,
    bool IsAudioDisabled,
    bool IsMessageDisabled,
    bool IsScreenSharingDisabled,
    bool IsCloudRecordingDisabled,
    string CustomInfo,
    bool IsSeatEnabled,
    long MaxSeatCount,
    string TakeSeatMode)
{
    /// <summary>Rooms made through Matrix answer the defaults.</summary>
    public static RoomInfoReply Of(AdminRequests admin, RoomHead head)
    {
        var settings = RoomService.AdminInfoOf(head);
        var roomId = AdminRequests.RoomIdOf(Core.Identifiers.RoomId.Parse(head.RoomId));
        var created = head.CreatedAt.ToUnixTimeSeconds();
        var start = (long?)settings[nameof(ScheduleStartTime)] ?? created;
        return new RoomInfoReply(
            roomId,
            head.Name ?? roomId,
            (string?)settings[nameof(RoomType)] ?? RoomEngineLimits.RoomTypes[0],
            admin.AccountOf(RoomService.OwnerOf(head).Value),
            head.MaxMembers ?? 0,
            head.JoinedCount,
            created,
            start > admin.Clock.GetUtcNow().ToUnixTimeSeconds() ? "NotStarted" : "Running",
            start,
            (long?)settings[nameof(ScheduleEndTime)] ?? 0,
            (bool?)settings[nameof(IsVideoDisabled)] ?? false,
            (bool?)settings[nameof(IsAudioDisabled)] ?? false,
            (bool?)settings[nameof(IsMessageDisabled)] ?? false,
            (bool?)settings[nameof(IsScreenSharingDisabled)] ?? false,
            (bool?)settings[nameof(IsCloudRecordingDisabled)] ?? false,
            (string?)settings[nameof(CustomInfo)] ?? string.Empty,
            (bool?)settings[nameof(IsSeatEnabled)] ?? false,
            (long?)settings[nameof(MaxSeatCount)] ?? 0,
            (string?)settings[nameof(TakeSeatMode)] ?? "None");
    }
}
