using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Membership.Protocols;

/// <summary>
/// Canonical JSON as the Matrix appendix defines it (https://spec.matrix.org/latest/appendices/#canonical-json):
/// UTF-8, no insignificant whitespace, object keys sorted by Unicode code point, integers only in
/// [-(2^53)+1, 2^53-1], and only <c>"</c>, <c>\</c> and U+0000..U+001F escaped.
/// </summary>
/// <remarks>
/// Written by hand because no System.Text.Json encoder produces these bytes (its escaping and number formats differ).
/// Numbers are judged by their exact decimal value, so <c>-0</c>, <c>1e10</c> and <c>1.0</c> are integers and are
/// written as <c>0</c>, <c>10000000000</c> and <c>1</c>; <c>1.5</c> is rejected.
/// </remarks>
public static class CanonicalJson
{
    /// <summary>The largest integer canonical JSON allows, 2^53 - 1.</summary>
    public const long MaxSafeInteger = 9_007_199_254_740_991;

    /// <summary>The smallest integer canonical JSON allows, -(2^53) + 1.</summary>
    public const long MinSafeInteger = -MaxSafeInteger;

    /// <summary>How deeply objects and arrays may nest; deeper input is rejected rather than risking the stack.</summary>
    public const int MaxDepth = 256;

    /// <summary>Encodes a node (null means JSON <c>null</c>) as canonical JSON.</summary>
    /// <exception cref="CanonicalJsonException">The node has no canonical form.</exception>
    public static byte[] Encode(JsonNode? node)
    {
        var writer = new Writer();
        writer.WriteNode(node, 0);
        return writer.ToArray();
    }

    /// <summary>Encodes a parsed element as canonical JSON.</summary>
    /// <exception cref="CanonicalJsonException">
    /// The element has no canonical form (this includes duplicate keys and a default, undefined element).
    /// </exception>
    public static byte[] Encode(JsonElement element)
    {
        var writer = new Writer();
        writer.WriteElement(element, 0);
        return writer.ToArray();
    }

    /// <summary>Re-encodes JSON text (UTF-8) as canonical JSON.</summary>
    /// <exception cref="CanonicalJsonException">
    /// The text is not strict JSON (RFC 8259: no comments, no trailing commas, valid UTF-8) or has no canonical form.
    /// </exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        JsonElement root;
        try
        {
            root = JsonElement.ParseValue(ref reader);
            if (reader.Read())
            {
                throw new CanonicalJsonException("Text follows the JSON value.");
            }
        }
        catch (JsonException e)
        {
            throw new CanonicalJsonException($"Not JSON: {e.Message}", e);
        }

        return Encode(root);
    }

    /// <summary>Encodes a node as canonical JSON, reporting failure instead of throwing.</summary>
    /// <param name="node">The value to encode; null means JSON <c>null</c>.</param>
    /// <param name="utf8">The canonical bytes, or an empty array on failure.</param>
    /// <param name="error">Why the node has no canonical form, or null on success.</param>
    /// <returns>Whether the node could be encoded. Never throws.</returns>
    public static bool TryEncode(JsonNode? node, out byte[] utf8, [NotNullWhen(false)] out string? error)
    {
        try
        {
            utf8 = Encode(node);
            error = null;
            return true;
        }
        catch (CanonicalJsonException e)
        {
            utf8 = [];
            error = e.Message;
            return false;
        }
    }

    /// <summary>The signed bytes of an object: canonical JSON of the object without <c>signatures</c> and <c>unsigned</c>.</summary>
    /// <exception cref="CanonicalJsonException">The rest of the object has no canonical form.</exception>
    internal static byte[] EncodeForSigning(JsonObject obj) => EncodeWithout(obj, "signatures", "unsigned", null);

    /// <summary>Canonical JSON of a top-level object with up to three members left out, without copying it.</summary>
    /// <exception cref="CanonicalJsonException">The rest of the object has no canonical form.</exception>
    internal static byte[] EncodeWithout(JsonObject obj, string? skip1, string? skip2, string? skip3)
    {
        var writer = new Writer();
        writer.WriteObject(obj, 0, skip1, skip2, skip3);
        return writer.ToArray();
    }

    /// <summary>
    /// Reads a member of an object that may come straight from <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>.
    /// Such objects are built lazily, and building one throws <see cref="ArgumentException"/> for a duplicate key or
    /// <see cref="InvalidOperationException"/> for a key holding an escaped lone surrogate; both become
    /// <see cref="CanonicalJsonException"/> here, since such an object has no canonical form.
    /// </summary>
    /// <exception cref="CanonicalJsonException">The object's keys cannot be read.</exception>
    internal static bool TryGetMember(JsonObject obj, string key, out JsonNode? value)
    {
        Readable(obj);
        return obj.TryGetPropertyValue(key, out value);
    }

    /// <summary>Builds a lazily parsed object's members now, so later reads and writes cannot throw.</summary>
    /// <exception cref="CanonicalJsonException">The object's keys cannot be read.</exception>
    internal static JsonObject Readable(JsonObject obj)
    {
        try
        {
            _ = obj.Count;
            return obj;
        }
        catch (ArgumentException e)
        {
            throw new CanonicalJsonException($"An object has a duplicate key: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new CanonicalJsonException("An object key contains a lone surrogate.", e);
        }
    }

    /// <summary>
    /// Orders strings by Unicode code point. Ordinal order compares UTF-16 code units, which puts a supplementary
    /// character (a surrogate pair, D800..DFFF) before U+E000..U+FFFF; code-point order puts it after.
    /// </summary>
    internal static int CompareByCodePoint(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            int a = x[i], b = y[i];
            if (a != b)
            {
                // Only the first differing unit decides. Shifting surrogates above U+E000..U+FFFF (and those down into
                // the gap) makes code-unit order agree with code-point order for well-formed UTF-16.
                return Fixup(a) - Fixup(b);
            }
        }

        return x.Length - y.Length;

        static int Fixup(int unit) => unit >= 0xE000 ? unit - 0x800 : unit >= 0xD800 ? unit + 0x2000 : unit;
    }

    private sealed class Writer
    {
        private static readonly Comparison<KeyValuePair<string, JsonNode?>> NodeKeyOrder =
            (a, b) => CompareByCodePoint(a.Key, b.Key);

        private static readonly Comparison<KeyValuePair<string, JsonElement>> ElementKeyOrder =
            (a, b) => CompareByCodePoint(a.Key, b.Key);

        private readonly ArrayBufferWriter<byte> _output = new(256);

        public byte[] ToArray() => _output.WrittenSpan.ToArray();

        public void WriteNode(JsonNode? node, int depth)
        {
            switch (node)
            {
                case null:
                    WriteRaw("null"u8);
                    break;
                case JsonObject obj:
                    WriteObject(obj, depth, null, null, null);
                    break;
                case JsonArray array:
                    CheckDepth(depth);
                    WriteByte((byte)'[');
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (i > 0)
                        {
                            WriteByte((byte)',');
                        }

                        WriteNode(array[i], depth + 1);
                    }

                    WriteByte((byte)']');
                    break;
                case JsonValue value:
                    WriteValue(value, depth);
                    break;
                default:
                    throw new CanonicalJsonException($"Unsupported JSON node type {node.GetType().Name}.");
            }
        }

        public void WriteObject(JsonObject obj, int depth, string? skip1, string? skip2, string? skip3)
        {
            CheckDepth(depth);
            var members = new List<KeyValuePair<string, JsonNode?>>(Readable(obj).Count);
            foreach (var member in obj)
            {
                if (member.Key != skip1 && member.Key != skip2 && member.Key != skip3)
                {
                    members.Add(member);
                }
            }

            // A JsonObject cannot hold the same key twice, so no duplicate check is needed here.
            members.Sort(NodeKeyOrder);
            WriteByte((byte)'{');
            for (var i = 0; i < members.Count; i++)
            {
                if (i > 0)
                {
                    WriteByte((byte)',');
                }

                WriteString(members[i].Key);
                WriteByte((byte)':');
                WriteNode(members[i].Value, depth + 1);
            }

            WriteByte((byte)'}');
        }

        public void WriteElement(JsonElement element, int depth)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    WriteElementObject(element, depth);
                    break;
                case JsonValueKind.Array:
                    CheckDepth(depth);
                    WriteByte((byte)'[');
                    var first = true;
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!first)
                        {
                            WriteByte((byte)',');
                        }

                        first = false;
                        WriteElement(item, depth + 1);
                    }

                    WriteByte((byte)']');
                    break;
                case JsonValueKind.String:
                    WriteString(ReadString(element));
                    break;
                case JsonValueKind.Number:
                    WriteNumber(JsonMarshal.GetRawUtf8Value(element));
                    break;
                case JsonValueKind.True:
                    WriteRaw("true"u8);
                    break;
                case JsonValueKind.False:
                    WriteRaw("false"u8);
                    break;
                case JsonValueKind.Null:
                    WriteRaw("null"u8);
                    break;
                default:
                    throw new CanonicalJsonException("An undefined JSON element has no canonical form.");
            }
        }

        private void WriteElementObject(JsonElement element, int depth)
        {
            CheckDepth(depth);
            var members = new List<KeyValuePair<string, JsonElement>>();
            foreach (var property in element.EnumerateObject())
            {
                members.Add(new(ReadName(property), property.Value));
            }

            members.Sort(ElementKeyOrder);
            WriteByte((byte)'{');
            for (var i = 0; i < members.Count; i++)
            {
                if (i > 0)
                {
                    if (string.Equals(members[i - 1].Key, members[i].Key, StringComparison.Ordinal))
                    {
                        throw new CanonicalJsonException($"Duplicate key \"{members[i].Key}\".");
                    }

                    WriteByte((byte)',');
                }

                WriteString(members[i].Key);
                WriteByte((byte)':');
                WriteElement(members[i].Value, depth + 1);
            }

            WriteByte((byte)'}');
        }

        private void WriteValue(JsonValue value, int depth)
        {
            if (value.TryGetValue(out JsonElement element))
            {
                WriteElement(element, depth);
            }
            else if (value.TryGetValue(out string? text))
            {
                WriteString(text);
            }
            else if (value.TryGetValue(out char c))
            {
                // Handled here because System.Text.Json would quietly write a lone surrogate as U+FFFD.
                WriteString(c.ToString());
            }
            else if (value.TryGetValue(out long int64))
            {
                WriteInteger(int64);
            }
            else if (value.TryGetValue(out int int32))
            {
                WriteInteger(int32);
            }
            else if (value.TryGetValue(out bool boolean))
            {
                WriteRaw(boolean ? "true"u8 : "false"u8);
            }
            else
            {
                // Any other CLR value (double, decimal, uint, char, Guid, ...): let System.Text.Json write it once and
                // judge the text, so every number goes through the same exact-value check.
                using var document = JsonDocument.Parse(WriteWithSystemTextJson(value));
                WriteElement(document.RootElement, depth);
            }
        }

        private static byte[] WriteWithSystemTextJson(JsonValue value)
        {
            try
            {
                var buffer = new ArrayBufferWriter<byte>(32);
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    value.WriteTo(writer);
                }

                return buffer.WrittenSpan.ToArray();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or JsonException)
            {
                throw new CanonicalJsonException($"The value {value.GetValueKind()} could not be written as JSON: {e.Message}", e);
            }
        }

        private static string ReadString(JsonElement element)
        {
            try
            {
                return element.GetString()!;
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json refuses escaped lone surrogates such as "\ud800" when unescaping.
                throw new CanonicalJsonException("A string contains a lone surrogate.", e);
            }
        }

        private static string ReadName(JsonProperty property)
        {
            try
            {
                return property.Name;
            }
            catch (InvalidOperationException e)
            {
                throw new CanonicalJsonException("An object key contains a lone surrogate.", e);
            }
        }

        private void WriteInteger(long value)
        {
            if (value is < MinSafeInteger or > MaxSafeInteger)
            {
                throw new CanonicalJsonException($"The integer {value} is outside [-(2^53)+1, 2^53-1].");
            }

            var span = _output.GetSpan(20);
            value.TryFormat(span, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            _output.Advance(written);
        }

        /// <summary>Writes a JSON number token by its exact value, which must be an integer in the safe range.</summary>
        private void WriteNumber(ReadOnlySpan<byte> text)
        {
            var i = 0;
            var negative = i < text.Length && text[i] == '-';
            if (negative)
            {
                i++;
            }

            var intStart = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }

            var intDigits = text[intStart..i];
            var fracDigits = ReadOnlySpan<byte>.Empty;
            if (i < text.Length && text[i] == '.')
            {
                var fracStart = ++i;
                while (i < text.Length && IsDigit(text[i]))
                {
                    i++;
                }

                fracDigits = text[fracStart..i];
            }

            long exponent = 0;
            if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
            {
                i++;
                var negativeExponent = i < text.Length && text[i] == '-';
                if (i < text.Length && (text[i] == '-' || text[i] == '+'))
                {
                    i++;
                }

                var expStart = i;
                while (i < text.Length && IsDigit(text[i]))
                {
                    // Saturate: anything beyond a few hundred is out of range or zero anyway.
                    exponent = Math.Min(exponent * 10 + (text[i] - '0'), 100_000);
                    i++;
                }

                if (i == expStart)
                {
                    throw NotANumber(text);
                }

                exponent = negativeExponent ? -exponent : exponent;
            }

            if (i != text.Length || intDigits.IsEmpty)
            {
                throw NotANumber(text);
            }

            // value = digits x 10^(exponent - fraction length), with digits = integer digits followed by fraction digits.
            var all = new byte[intDigits.Length + fracDigits.Length];
            intDigits.CopyTo(all);
            fracDigits.CopyTo(all.AsSpan(intDigits.Length));
            var significant = all.AsSpan().TrimStart((byte)'0');
            exponent -= fracDigits.Length;
            if (significant.IsEmpty)
            {
                WriteByte((byte)'0');
                return;
            }

            var trimmed = significant.TrimEnd((byte)'0');
            exponent += significant.Length - trimmed.Length;
            if (exponent < 0)
            {
                throw new CanonicalJsonException($"{Encoding.UTF8.GetString(text)} is not an integer; canonical JSON allows integers only.");
            }

            if (trimmed.Length + exponent > 16)
            {
                throw new CanonicalJsonException($"{Encoding.UTF8.GetString(text)} is outside [-(2^53)+1, 2^53-1].");
            }

            long magnitude = 0;
            foreach (var digit in trimmed)
            {
                magnitude = magnitude * 10 + (digit - '0');
            }

            for (var e = 0; e < exponent; e++)
            {
                magnitude *= 10;
            }

            if (magnitude > MaxSafeInteger)
            {
                throw new CanonicalJsonException($"{Encoding.UTF8.GetString(text)} is outside [-(2^53)+1, 2^53-1].");
            }

            WriteInteger(negative ? -magnitude : magnitude);

            static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

            static CanonicalJsonException NotANumber(ReadOnlySpan<byte> text) =>
                new($"\"{Encoding.UTF8.GetString(text)}\" is not a JSON number.");
        }

        private void WriteString(string text)
        {
            WriteByte((byte)'"');
            var remaining = text.AsSpan();
            while (!remaining.IsEmpty)
            {
                var c = remaining[0];
                if (c < 0x80)
                {
                    WriteAscii(c);
                    remaining = remaining[1..];
                    continue;
                }

                if (Rune.DecodeFromUtf16(remaining, out var rune, out var consumed) != OperationStatus.Done)
                {
                    throw new CanonicalJsonException($"A string contains a lone surrogate U+{(int)c:X4}.");
                }

                var span = _output.GetSpan(4);
                _output.Advance(rune.EncodeToUtf8(span));
                remaining = remaining[consumed..];
            }

            WriteByte((byte)'"');
        }

        private void WriteAscii(char c)
        {
            switch (c)
            {
                case '"':
                    WriteRaw("\\\""u8);
                    break;
                case '\\':
                    WriteRaw("\\\\"u8);
                    break;
                case '\b':
                    WriteRaw("\\b"u8);
                    break;
                case '\t':
                    WriteRaw("\\t"u8);
                    break;
                case '\n':
                    WriteRaw("\\n"u8);
                    break;
                case '\f':
                    WriteRaw("\\f"u8);
                    break;
                case '\r':
                    WriteRaw("\\r"u8);
                    break;
                case < ' ':
                    // The spec's grammar: lower-case hex, always \u00XX.
                    WriteRaw("\\u00"u8);
                    WriteByte(LowerHex(c >> 4));
                    WriteByte(LowerHex(c & 0xF));
                    break;
                default:
                    WriteByte((byte)c);
                    break;
            }

            static byte LowerHex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
        }

        private void WriteByte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        private void WriteRaw(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

        private static void CheckDepth(int depth)
        {
            if (depth >= MaxDepth)
            {
                throw new CanonicalJsonException($"JSON nests deeper than {MaxDepth} levels.");
            }
        }
    }
}
