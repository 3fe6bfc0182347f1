using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Hosting;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Client;

/// <summary>Writing client-server responses and turning service outcomes into them.</summary>
internal static class ClientJson
{
    /// <summary>Responses keep non-ASCII and '+' literal (valid JSON; the default encoder escapes them needlessly).</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Wire = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpContext http, JsonNode body, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString(Wire), http.RequestAborted);
    }

    public static Task WriteEmptyAsync(HttpContext http) => WriteAsync(http, new JsonObject());

    public static Task WriteErrorAsync(HttpContext http, ErrorCode code, string message, int status, int? retryAfterSeconds = null)
    {
        var body = new JsonObject { ["errcode"] = code.ToString(), ["error"] = message };
        if (retryAfterSeconds is { } seconds)
        {
            body["retry_after_ms"] = seconds * 1000;
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteAsync(http, body, status);
    }

    /// <summary>A room ID from the path, parsed at the edge.</summary>
    public static RoomId RoomIdFromPath(HttpContext http, string parameter = "roomId")
    {
        var text = RawRoute.Value(http, parameter);
        return RoomId.TryParse(text, out var room, out var error) ? room : throw MatrixException.InvalidParam(error);
    }

    /// <summary>Maps a change outcome: success passes, a missing room is 404, a denial carries its errcode.</summary>
    public static void ThrowIfFailed(ChangeResult result, RoomId room)
    {
        switch (result.Status)
        {
            case ChangeStatus.RoomNotFound:
                throw MatrixException.NotFound($"Room {room} is not known to this server");
            case ChangeStatus.Denied:
                throw new MatrixException(result.FirstDenial.Code, result.FirstDenial.Message);
        }
    }

    /// <summary>An <c>m.room.member</c> state event as clients see it.</summary>
    public static JsonObject MemberEvent(string roomId, MemberRecord member) => new()
    {
        ["type"] = "m.room.member",
        ["state_key"] = member.UserId,
        ["sender"] = member.Sender,
        ["content"] = JsonNode.Parse(member.Content),
        ["event_id"] = member.EventId,
        ["origin_server_ts"] = member.Timestamp.ToUnixTimeMilliseconds(),
        ["room_id"] = roomId,
        ["unsigned"] = new JsonObject(),
    };
}
