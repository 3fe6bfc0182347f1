using System.Text;
using Azure.Data.Tables;

namespace Membership.Storage;

/// <summary>Explicit mapping between records and <see cref="TableEntity"/> (no reflection: the app is Native AOT).</summary>
internal static class EntityMapping
{
    /// <summary>
    /// Table Storage refuses a string property over 64 KiB of UTF-16 (32,768 characters) but takes a binary one of
    /// 64 KiB; an event may be 65,536 bytes, so its content can be 60,000 characters.
    /// </summary>
    public const int MaxStringChars = 32 * 1024;

    /// <summary>
    /// Text that can hold event content (member content, room name, join rules, power levels): a string property when
    /// it fits one, else its UTF-8 bytes as a binary property. Rows written either way read back alike.
    /// </summary>
    public static object? Text(string? value) => value is { Length: > MaxStringChars } ? Encoding.UTF8.GetBytes(value) : value;

    /// <summary>A property written by <see cref="Text"/>.</summary>
    public static string? GetText(TableEntity e, string name) =>
        !e.TryGetValue(name, out var value) || value is null ? null
        : value as string ?? (e.GetBinary(name) is { } bytes ? Encoding.UTF8.GetString(bytes) : null);

    public static TableEntity FromHead(string partition, RoomHead head)
    {
        var entity = new TableEntity(partition, MembershipStore.HeadKey)
        {
            ["RoomId"] = head.RoomId,
            ["RoomVersion"] = head.RoomVersion,
            ["Creator"] = head.Creator,
            ["Federate"] = head.Federate,
            ["JoinRulesContent"] = Text(head.JoinRulesContent),
            ["PowerLevelsContent"] = Text(head.PowerLevelsContent),
            ["Name"] = Text(head.Name),
            ["Alias"] = head.Alias,
            ["Seq"] = head.Seq,
            ["LastEventId"] = head.LastEventId,
            ["CreateEventId"] = head.CreateEventId,
            ["PowerLevelsEventId"] = head.PowerLevelsEventId,
            ["JoinRulesEventId"] = head.JoinRulesEventId,
            ["JoinedCount"] = head.JoinedCount,
            ["InvitedCount"] = head.InvitedCount,
            ["CreatedAt"] = head.CreatedAt,
            ["DestroyedAt"] = head.DestroyedAt,
            ["MaxMembers"] = head.MaxMembers,
            ["AdminInfo"] = head.AdminInfo,
        };
        return entity;
    }

    public static RoomHead ToHead(TableEntity e) => new()
    {
        RoomId = e.GetString("RoomId"),
        RoomVersion = e.GetString("RoomVersion"),
        Creator = e.GetString("Creator"),
        Federate = e.GetBoolean("Federate") ?? true,
        JoinRulesContent = GetText(e, "JoinRulesContent") ?? "{}",
        PowerLevelsContent = GetText(e, "PowerLevelsContent") ?? "{}",
        Name = GetText(e, "Name"),
        Alias = e.GetString("Alias"),
        Seq = e.GetInt64("Seq") ?? 0,
        LastEventId = e.GetString("LastEventId"),
        CreateEventId = e.GetString("CreateEventId"),
        PowerLevelsEventId = e.GetString("PowerLevelsEventId"),
        JoinRulesEventId = e.GetString("JoinRulesEventId"),
        JoinedCount = e.GetInt32("JoinedCount") ?? 0,
        InvitedCount = e.GetInt32("InvitedCount") ?? 0,
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        DestroyedAt = e.GetDateTimeOffset("DestroyedAt"),
        MaxMembers = e.GetInt32("MaxMembers"),
        AdminInfo = e.GetString("AdminInfo"),
        ETag = e.ETag,
    };

    public static TableEntity FromMember(string partition, string rowKey, MemberRecord m) => new(partition, rowKey)
    {
        ["UserId"] = m.UserId,
        ["Membership"] = m.Membership,
        ["Sender"] = m.Sender,
        ["EventId"] = m.EventId,
        ["Seq"] = m.Seq,
        ["Timestamp"] = m.Timestamp,
        ["Content"] = Text(m.Content),
        ["BanExpiresAt"] = m.BanExpiresAt,
        ["AdminInfo"] = m.AdminInfo,
        ["Forgotten"] = m.Forgotten,
    };

    public static MemberRecord ToMember(TableEntity e) => new()
    {
        UserId = e.GetString("UserId"),
        Membership = e.GetString("Membership"),
        Sender = e.GetString("Sender"),
        EventId = e.GetString("EventId"),
        Seq = e.GetInt64("Seq") ?? 0,
        Timestamp = e.GetDateTimeOffset("Timestamp") ?? DateTimeOffset.MinValue,
        Content = GetText(e, "Content") ?? "{}",
        BanExpiresAt = e.GetDateTimeOffset("BanExpiresAt"),
        AdminInfo = e.GetString("AdminInfo"),
        Forgotten = e.GetBoolean("Forgotten") ?? false,
    };

    public static TableEntity FromEvent(string partition, string rowKey, EventRecord ev) => new(partition, rowKey)
    {
        ["Seq"] = ev.Seq,
        ["EventId"] = ev.EventId,
        ["Type"] = ev.Type,
        ["StateKey"] = ev.StateKey,
        ["Sender"] = ev.Sender,
        ["Pdu"] = ev.Pdu,
        ["Timestamp"] = ev.Timestamp,
        ["ChangeSeq"] = ev.ChangeSeq,
        ["Surface"] = ev.Surface,
        ["Action"] = ev.Action,
    };

    public static EventRecord ToEvent(TableEntity e) => new()
    {
        Seq = e.GetInt64("Seq") ?? 0,
        EventId = e.GetString("EventId"),
        Type = e.GetString("Type"),
        StateKey = e.GetString("StateKey"),
        Sender = e.GetString("Sender"),
        Pdu = e.GetBinary("Pdu") ?? [],
        Timestamp = e.GetDateTimeOffset("Timestamp") ?? DateTimeOffset.MinValue,
        ChangeSeq = e.GetInt64("ChangeSeq") ?? 0,
        Surface = e.GetString("Surface") ?? "client",
        Action = e.GetString("Action") ?? string.Empty,
    };
}
