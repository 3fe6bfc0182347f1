using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Membership.Functions.Hosting;

/// <summary>
/// Marks the generic methods that read a request body as their type argument. The function table generator looks for
/// calls to them in each function and documents that type as the function's request body.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequestBodyAttribute : Attribute;

/// <summary>
/// The most UTF-8 bytes a string field may hold: enforced by <see cref="JsonBodyReader"/> and written into the OpenAPI
/// document (<c>x-maxBytes</c>) from this one attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class MaxBytesAttribute(int bytes) : Attribute
{
    public int Bytes { get; } = bytes;
}

/// <summary>
/// How many items an array field holds: enforced by <see cref="JsonBodyReader"/> and written into the OpenAPI document
/// (<c>minItems</c>, <c>maxItems</c>). DataAnnotations' LengthAttribute would do, but it needs reflection Native AOT lacks.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ItemCountAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;
}

/// <summary>How a surface words a body problem: each returns that surface's one error type.</summary>
internal abstract class FieldErrors
{
    /// <summary>Field paths: Matrix quotes the name (<c>'user_id'</c>); Tencent names it as written (<c>RoomInfo.RoomName</c>).</summary>
    public abstract string Name(string path);

    public abstract Exception BodyTooLarge(int limit);

    public abstract Exception NotJson(string why);

    public abstract Exception NotAnObject();

    public abstract Exception Missing(string path);

    public abstract Exception WrongType(string path, string expected);

    public abstract Exception TooLong(string path, int maxBytes);

    public abstract Exception OutOfRange(string path, string rule);

    /// <summary>A value of the right type that breaks the field's grammar (a user ID, a room ID, an enumeration).</summary>
    public abstract Exception Invalid(string path, string problem);
}

/// <summary>
/// The one request-body reader of every surface: bounded size, UTF-8, JSON without duplicate keys or unpaired surrogate
/// escapes, an object; then checked against the body type's metadata (required fields, JSON types, <see cref="MaxBytesAttribute"/>,
/// <see cref="RangeAttribute"/>, <see cref="ItemCountAttribute"/>) and bound to it. Each problem is reported through the
/// surface's <see cref="FieldErrors"/>, so every surface says what is wrong in its own envelope.
/// </summary>
internal static class JsonBodyReader
{
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The body's bytes, at most <paramref name="limit"/> of them.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, int limit, FieldErrors errors)
    {
        if (request.ContentLength > limit)
        {
            throw errors.BodyTooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw errors.BodyTooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The body as JSON (<c>null</c> is JSON too), or IsEmpty when there is none (or only white space).</summary>
    public static async Task<(bool IsEmpty, JsonNode? Json)> ReadNodeAsync(HttpRequest request, int limit, FieldErrors errors)
    {
        var bytes = await ReadBytesAsync(request, limit, errors);
        return Parse(bytes, errors);
    }

    /// <summary>
    /// The body bound to <typeparamref name="T"/>, and the object it came from (some functions keep its other keys).
    /// An empty body is <c>{}</c> when <paramref name="emptyIsObject"/> (Matrix clients post join and leave without one).
    /// </summary>
    public static async Task<(T Value, JsonObject Raw)> ReadAsync<T>(HttpRequest request, int limit, FieldErrors errors, JsonSerializerOptions json, bool emptyIsObject)
    {
        var (isEmpty, node) = await ReadNodeAsync(request, limit, errors);
        var obj = node switch
        {
            _ when isEmpty => emptyIsObject ? [] : throw errors.NotJson("The body is empty; send {} when a command needs no fields"),
            JsonObject o => o,
            _ => throw errors.NotAnObject(),
        };
        return (Bind<T>(obj, errors, json), obj);
    }

    public static (bool IsEmpty, JsonNode? Json) Parse(ReadOnlySpan<byte> bytes, FieldErrors errors)
    {
        if (bytes.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (true, null);
        }

        // JsonNode checks the UTF-8 inside strings only when they are read (a 500 by then), so check the whole body first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw errors.NotJson("The body is not valid UTF-8");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: Options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            throw errors.NotJson("The body is not valid JSON (or names a key twice)");
        }

        return StringsAreUnicode(bytes)
            ? (false, node)
            : throw errors.NotJson("A string holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text");
    }

    /// <summary>Checks <paramref name="obj"/> against <typeparamref name="T"/>'s metadata, then binds it.</summary>
    public static T Bind<T>(JsonObject obj, FieldErrors errors, JsonSerializerOptions json)
    {
        var info = json.GetTypeInfo(typeof(T));
        Check(obj, info, string.Empty, errors);
        try
        {
            return (T)obj.Deserialize(info)!;
        }
        catch (JsonException ex)
        {
            // Check covers every field the type declares; this is a type it does not describe (a bug here, not the caller's).
            throw errors.NotJson($"The body does not fit the expected shape at {ex.Path}");
        }
    }

    /// <summary>
    /// Escaped lone surrogates pass the JSON grammar but are not text (I-JSON forbids them): reading such a string throws
    /// later, and it could never be signed as canonical JSON. Checks every escaped string and property name.
    /// </summary>
    public static bool StringsAreUnicode(ReadOnlySpan<byte> bytes)
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

    private static void Check(JsonObject obj, JsonTypeInfo info, string prefix, FieldErrors errors)
    {
        foreach (var property in info.Properties)
        {
            var path = prefix + property.Name;
            var value = obj[property.Name];
            if (value is null)
            {
                // JSON null counts as absent, as every surface has always read it.
                if (property.IsRequired)
                {
                    throw errors.Missing(path);
                }

                continue;
            }

            CheckValue(value, property, path, errors);
        }
    }

    private static void CheckValue(JsonNode value, JsonPropertyInfo property, string path, FieldErrors errors)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var attributes = property.AttributeProvider?.GetCustomAttributes(true) ?? [];
        if (type == typeof(string))
        {
            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw errors.WrongType(path, "a string");
            if (attributes.OfType<MaxBytesAttribute>().FirstOrDefault() is { } max && Encoding.UTF8.GetByteCount(text) > max.Bytes)
            {
                throw errors.TooLong(path, max.Bytes);
            }
        }
        else if (type == typeof(bool))
        {
            _ = value.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? true : throw errors.WrongType(path, "a boolean");
        }
        else if (type == typeof(long) || type == typeof(int))
        {
            var number = value is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue(out long parsed) && (type == typeof(long) || parsed is >= int.MinValue and <= int.MaxValue)
                ? parsed
                : throw errors.WrongType(path, "an integer");
            if (attributes.OfType<RangeAttribute>().FirstOrDefault() is { } range
                && (number < Convert.ToInt64(range.Minimum, System.Globalization.CultureInfo.InvariantCulture) || number > Convert.ToInt64(range.Maximum, System.Globalization.CultureInfo.InvariantCulture)))
            {
                throw errors.OutOfRange(path, $"must be between {range.Minimum} and {range.Maximum}");
            }
        }
        else if (type == typeof(JsonObject))
        {
            _ = value as JsonObject ?? throw errors.WrongType(path, "an object");
        }
        else if (type == typeof(JsonArray) || (type.IsAssignableTo(typeof(System.Collections.IEnumerable)) && type != typeof(JsonNode)))
        {
            CheckArray(value as JsonArray ?? throw errors.WrongType(path, "an array"), type, attributes, path, errors, property.Options);
        }
        else if (type != typeof(JsonNode) && property.Options.GetTypeInfo(type) is { Kind: JsonTypeInfoKind.Object } nested)
        {
            Check(value as JsonObject ?? throw errors.WrongType(path, "an object"), nested, path + ".", errors);
        }
    }

    private static void CheckArray(JsonArray array, Type type, object[] attributes, string path, FieldErrors errors, JsonSerializerOptions options)
    {
        if (attributes.OfType<ItemCountAttribute>().FirstOrDefault() is { } count && (array.Count < count.Minimum || array.Count > count.Maximum))
        {
            throw errors.OutOfRange(path, $"must hold {count.Minimum} to {count.Maximum} items; it holds {array.Count}");
        }

        // The items: strings, integers, or objects of a type the body declares (each checked as a body of its own).
        var item = type.IsArray ? type.GetElementType() : type.IsGenericType ? type.GetGenericArguments()[0] : null;
        for (var i = 0; i < array.Count; i++)
        {
            var value = array[i];
            var itemPath = $"{path}[{i}]";
            if (item == typeof(string))
            {
                _ = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? true : throw errors.WrongType(path, "an array of strings");
            }
            else if (item == typeof(long) || item == typeof(int))
            {
                _ = value is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue(out long _) ? true : throw errors.WrongType(path, "an array of integers");
            }
            else if (item is not null && item != typeof(JsonNode) && options.GetTypeInfo(item) is { Kind: JsonTypeInfoKind.Object } nested)
            {
                Check(value as JsonObject ?? throw errors.WrongType(itemPath, "an object"), nested, itemPath + ".", errors);
            }
        }
    }
}
