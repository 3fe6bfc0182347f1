using Membership.Core.Rooms;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client;

/// <summary>
/// The Matrix surfaces' one error type (client-server and federation): an errcode and a message. The HTTP status comes
/// from <see cref="StatusOf"/>, the one errcode-to-status table of these surfaces.
/// </summary>
internal sealed class MatrixException(ErrorCode code, string message, int? status = null) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public int Status { get; } = status ?? StatusOf(code);

    /// <summary>Seconds a rate-limited client should wait (429 only).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The room version a federation refusal names (<c>M_INCOMPATIBLE_ROOM_VERSION</c>).</summary>
    public string? RoomVersion { get; init; }

    public static MatrixException Forbidden(string message) => new(ErrorCode.Forbidden, message);

    public static MatrixException NotFound(string message) => new(ErrorCode.NotFound, message);

    public static MatrixException BadJson(string message) => new(ErrorCode.BadJson, message);

    public static MatrixException InvalidParam(string message) => new(ErrorCode.InvalidParam, message);

    public static MatrixException MissingParam(string name) => new(ErrorCode.MissingParam, $"Missing params: ['{name}']");

    /// <summary>errcode -> HTTP status (spec "Standard error response"; Synapse's choices where the spec is silent).</summary>
    public static int StatusOf(ErrorCode code) => code.ToString() switch
    {
        "M_FORBIDDEN" or "M_BAD_STATE" or "M_INVITE_BLOCKED" => StatusCodes.Status403Forbidden,
        "M_MISSING_TOKEN" or "M_UNKNOWN_TOKEN" or "M_UNAUTHORIZED" => StatusCodes.Status401Unauthorized,
        "M_NOT_FOUND" or "M_UNRECOGNIZED" => StatusCodes.Status404NotFound,
        "M_LIMIT_EXCEEDED" => StatusCodes.Status429TooManyRequests,
        "M_TOO_LARGE" => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status400BadRequest,
    };
}

/// <summary>Body problems on the Matrix surfaces: 413 M_TOO_LARGE, 400 M_NOT_JSON / M_BAD_JSON / M_MISSING_PARAM / M_INVALID_PARAM.</summary>
internal sealed class MatrixFieldErrors : FieldErrors
{
    public static MatrixFieldErrors Instance { get; } = new();

    public override string Name(string path) => $"'{path}'";

    public override Exception BodyTooLarge(int limit) => new MatrixException(ErrorCode.TooLarge, $"Request body is larger than {limit} bytes");

    public override Exception NotJson(string why) => new MatrixException(ErrorCode.NotJson, $"Content not JSON: {why}.");

    public override Exception NotAnObject() => MatrixException.BadJson("Content must be a JSON object.");

    public override Exception Missing(string path) => MatrixException.MissingParam(path);

    public override Exception WrongType(string path, string expected) => MatrixException.BadJson($"{Name(path)} must be {expected}");

    public override Exception TooLong(string path, int maxBytes) => new MatrixException(ErrorCode.TooLarge, $"{Name(path)} is longer than {maxBytes} bytes");

    public override Exception OutOfRange(string path, string rule) => MatrixException.BadJson($"{Name(path)} {rule}");

    public override Exception Invalid(string path, string problem) => MatrixException.InvalidParam($"{Name(path)}: {problem}");
}
