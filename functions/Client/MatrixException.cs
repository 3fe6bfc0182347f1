using Membership.Core.Rooms;

namespace Membership.Functions.Client;

/// <summary>
/// The client-server surface's one error type: an errcode and a message. The HTTP status comes from
/// <see cref="StatusOf"/>, the one errcode-to-status table of this surface.
/// </summary>
internal sealed class MatrixException(ErrorCode code, string message, int? status = null) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public int Status { get; } = status ?? StatusOf(code);

    /// <summary>Seconds a rate-limited client should wait (429 only).</summary>
    public int? RetryAfterSeconds { get; init; }

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
        "M_UNKNOWN" => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status400BadRequest,
    };
}
