using System.Text.Json;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Functions.Client;

namespace Membership.Functions.Hosting;

/// <summary>Reads a request body as a JSON object, bounded in size, and takes typed fields from it with Matrix errors.</summary>
internal static class JsonBody
{
    /// <summary>A PDU is at most 65536 bytes, so no membership request needs a larger body.</summary>
    public const int MaxBytes = 65536;

    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The body as an object; an empty body is <c>{}</c> (clients post join and leave without one).</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext http)
    {
        var bytes = await ReadBytesAsync(http, MaxBytes) ?? throw new MatrixException(ErrorCode.TooLarge, $"Request body is larger than {MaxBytes} bytes");
        if (bytes.Length == 0 || bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return [];
        }

        // JsonNode checks the UTF-8 inside strings only when they are read (a 500 by then), so check the whole body first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new MatrixException(ErrorCode.NotJson, "Content not JSON: it is not valid UTF-8.");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: Options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new MatrixException(ErrorCode.NotJson, "Content not JSON.");
        }

        if (!StringsAreUnicode(bytes))
        {
            throw new MatrixException(ErrorCode.NotJson, "Content not JSON: a string holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text.");
        }

        return node as JsonObject ?? throw MatrixException.BadJson("Content must be a JSON object.");
    }

    /// <summary>
    /// Escaped lone surrogates pass the JSON grammar but are not text (I-JSON forbids them): reading such a string throws
    /// later (a 500), and it could never be signed as canonical JSON. Checks every escaped string and property name.
    /// </summary>
    public static bool StringsAreUnicode(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The body's bytes, or null when it is longer than <paramref name="limit"/>.</summary>
    public static async Task<byte[]?> ReadBytesAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static string? OptionalString(this JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw MatrixException.BadJson($"'{name}' must be a string"),
    };

    public static string RequiredString(this JsonObject body, string name) =>
        body.OptionalString(name) ?? throw MatrixException.MissingParam(name);

    public static bool OptionalBool(this JsonObject body, string name, bool fallback) => body[name] switch
    {
        null => fallback,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        _ => throw MatrixException.BadJson($"'{name}' must be a boolean"),
    };

    public static JsonObject? OptionalObject(this JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonObject obj => obj,
        _ => throw MatrixException.BadJson($"'{name}' must be an object"),
    };

    public static UserId RequiredUserId(this JsonObject body, string name)
    {
        var text = body.RequiredString(name);
        return UserId.TryParse(text, out var user, out var error) ? user : throw MatrixException.InvalidParam(error);
    }

    /// <summary>A free-text reason, bounded so a member event stays well inside the PDU limit.</summary>
    public static string? OptionalReason(this JsonObject body)
    {
        var reason = body.OptionalString("reason");
        return reason is not null && System.Text.Encoding.UTF8.GetByteCount(reason) > 4096
            ? throw new MatrixException(ErrorCode.TooLarge, "'reason' is longer than 4096 bytes")
            : reason;
    }
}
