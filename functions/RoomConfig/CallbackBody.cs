using System.ComponentModel;
using Membership.Functions.Admin;
using Membership.Functions.Hosting;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig;

/// <summary>The body of set_callback and update_callback: where callbacks go and which are sent.</summary>
internal sealed record CallbackBody
{
    public const int MaxUrlBytes = 2048;

    [Description("The receiver: an absolute http:// or https:// URL.")]
    [MaxBytes(MaxUrlBytes)]
    public required string Url { get; init; }

    [Description("The callbacks to send, by command name (Room.CallbackAfterMemberEnter, ...).")]
    public required IReadOnlyList<string> CallbackCommandList { get; init; }

    public Uri ParsedUrl() =>
        Uri.TryCreate(Url, UriKind.Absolute, out var url) && WebhookSettings.IsHttpUrl(url)
            ? url
            : throw TencentException.InvalidParameter("Url must be an absolute URL beginning with http:// or https://");

    /// <summary>The commands, each named once; Room.CallbackUpdateRoomInfo is taken for Room.CallbackAfterUpdateRoomInfo.</summary>
    public IReadOnlyList<string> Commands()
    {
        var commands = new List<string>(CallbackCommandList.Count);
        foreach (var name in CallbackCommandList)
        {
            var command = CallbackCommands.Normalize(name)
                ?? throw TencentException.InvalidParameter($"CallbackCommandList holds {name}, which is not one of {string.Join(", ", CallbackCommands.Sent)}, {CallbackCommands.UpdateRoomInfoAlias}, {CallbackCommands.AfterSeatInfoChanged}");
            if (!commands.Contains(command, StringComparer.Ordinal))
            {
                commands.Add(command);
            }
        }

        return commands;
    }

    public static TencentException NotFound() =>
        new(TencentCodes.CallbackNotFound, "No callback configuration exists; create one with room_config/set_callback");
}
