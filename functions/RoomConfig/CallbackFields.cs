using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Functions.Admin;
using Membership.Service.Webhooks;

namespace Membership.Functions.RoomConfig;

/// <summary>The fields of the callback commands: <c>Url</c> (http or https) and <c>CallbackCommandList</c>; problems are 100002.</summary>
internal static class CallbackFields
{
    public const int MaxUrlBytes = 2048;

    public static Uri Url(JsonObject body)
    {
        if (body["Url"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw TencentException.InvalidParameter(body["Url"] is null ? "Url is mandatory" : "Url must be a string");
        }

        var text = value.GetValue<string>();
        if (Encoding.UTF8.GetByteCount(text) > MaxUrlBytes)
        {
            throw TencentException.InvalidParameter($"Url is longer than {MaxUrlBytes} bytes");
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var url) && WebhookSettings.IsHttpUrl(url)
            ? url
            : throw TencentException.InvalidParameter("Url must be an absolute URL beginning with http:// or https://");
    }

    /// <summary>The commands to send, each named once; Room.CallbackUpdateRoomInfo is taken for Room.CallbackAfterUpdateRoomInfo.</summary>
    public static IReadOnlyList<string> Commands(JsonObject body)
    {
        if (body["CallbackCommandList"] is not JsonArray array)
        {
            throw TencentException.InvalidParameter(body["CallbackCommandList"] is null ? "CallbackCommandList is mandatory" : "CallbackCommandList must be an array of command names");
        }

        var commands = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                throw TencentException.InvalidParameter("CallbackCommandList must hold only strings");
            }

            var name = value.GetValue<string>();
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
