using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Membership.Functions.Tests;

/// <summary>One generated request and what it must get: a refusal (<see cref="MustReject"/>) or at least a clean answer.</summary>
public sealed record FuzzCase(string Endpoint, string Kind, HttpMethod Method, string Target, byte[]? Body, IReadOnlyList<KeyValuePair<string, string>> Headers, bool MustReject)
{
    /// <summary>Federation: the remote room a signed invite would create a stub for (it must not exist after a refusal).</summary>
    public string? RemoteRoom { get; init; }

    public bool IsAdmin => Target == "/v4" || Target.StartsWith("/v4/", StringComparison.Ordinal) || Target.StartsWith("/v4?", StringComparison.Ordinal);

    /// <summary>A NUL escaped in the path, which Kestrel refuses (400, empty body) before any app code runs.</summary>
    public bool HasNulInPath => Target.Split('?', 2)[0].Contains("%00", StringComparison.Ordinal);

    public override string ToString()
    {
        var body = Body is null ? "(no body)" : Body.Length > 300 ? $"{Encoding.UTF8.GetString(Body, 0, 300)}... ({Body.Length} bytes)" : Encoding.UTF8.GetString(Body);
        var target = Target.Length > 200 ? Target[..200] + "..." : Target;
        return $"[{Endpoint} / {Kind}] {Method} {target} {string.Join(" ", Headers.Select(h => $"{h.Key}: {(h.Value.Length > 60 ? h.Value[..60] + "..." : h.Value)}"))} {body}";
    }
}

/// <summary>
/// The building blocks of the fuzz generators (FsCheck <see cref="Gen{T}"/>): identifiers that break the grammar,
/// legal but odd identifiers (Table-forbidden and control characters), values of the wrong JSON type, overlong
/// strings, and structural damage to a valid JSON body (truncation, invalid UTF-8, lone surrogate escapes, duplicate
/// keys, deep nesting, oversized bodies, non-objects). Raw JSON is built as text so anything can be expressed.
/// </summary>
public static class FuzzInputs
{
    public const string Server = ServiceFixture.ServerName;

    /// <summary>Pieces of odd identifiers: Table-forbidden characters (/ \ # ? and controls), quotes, %, non-ASCII.</summary>
    private static readonly string[] OddPieces =
    [
        "a", "z", "0", "9", "-", ".", "_", "=", "+", "/", "\\", "#", "?", "%", "%2F", "'", "''", "\"", " ", "\t", "\r\n",
        "\u0001", "\u001f", "\u007f", "\u0085", "\u009f", "é", "ü", "\u200b", "\u2028", "\ufeff", "🙂", "&", "*", "(", ")",
        "$", "!", "@", "~", "`", "{", "}", "[", "]", "<", ">", "|", ";", ",",
    ];

    /// <summary>
    /// Strings that are not Matrix user IDs at all (sigil, colon, empty parts, NUL, length, server grammar). Never a
    /// legal ID of another server: an invite to one would go out over federation (off loopback).
    /// </summary>
    public static readonly string[] BadUserIds =
    [
        "", "@", "a", "user:localhost", "#user:localhost", "!user:localhost", "$user:localhost", "@user", "@:localhost", "@user:",
        "@user:bad server", "@user:bad_server", "@user:local/host", "@user:[::1", "@user:[zz]", "@user:localhost:",
        "@user:localhost:123456", "@user:localhost:port", "@us\u0000er:localhost", "@user:localhost\u0000",
        "@" + new string('a', 300) + ":" + Server, "@user:" + new string('h', 260), " @user:localhost", "@user:localhost ",
        "@user:.:1:2", "@user:a:b:c",
    ];

    /// <summary>Strings that are not room IDs (for <c>/rooms/{roomId}</c>, where aliases are not allowed either).</summary>
    public static readonly string[] BadRoomIds =
    [
        "", "!", "!a", "room:localhost", "@user:localhost", "#alias:localhost", "$event:localhost", "!:localhost", "!a:",
        "!a:bad server", "!a\u0000b:localhost", "!a:localhost:123456", "!" + new string('a', 300) + ":" + Server, " !a:localhost",
    ];

    /// <summary>Path segments sent as they are: invalid percent-encodings and escaped bytes that are not UTF-8.</summary>
    public static readonly string[] RawSegments = ["%FF", "%C0%AF", "%ED%A0%80", "%", "%2", "%ZZ", "%00", "%21a%00%3Alocalhost", "%21%FF%3Alocalhost", "%21a%3Alocalhost%3A%FF"];

    /// <summary>JSON values that are not strings (nor null, which means "absent").</summary>
    public static readonly string[] NonStrings = ["5", "-1", "0", "1.5", "1e400", "true", "false", "[]", "{}", "[\"x\"]", "{\"a\":1}", "9223372036854775808"];

    public static readonly string[] NonBools = ["0", "1", "\"true\"", "\"false\"", "[]", "{}", "1.5", "\"\""];

    public static readonly string[] NonIntegers = ["\"5\"", "1.5", "true", "[]", "{}", "1e400", "\"\"", "9223372036854775808", "-9223372036854775809", "[1]", "18446744073709551616", "1e-3", "-0.5", "1.0000000001"];

    /// <summary>Numbers canonical JSON cannot sign: fractions, and integers outside [-(2^53)+1, 2^53-1].</summary>
    public static readonly string[] UnsignableNumbers = ["1.5", "-0.5", "1e-3", "2.5e-10", "0.1", "9007199254740992", "-9007199254740992", "18446744073709551616", "1e400"];

    public static readonly string[] NonObjects = ["5", "\"x\"", "[]", "true", "[{}]", "1e400"];

    public static readonly string[] NonArrays = ["5", "\"x\"", "{}", "true", "1.5"];

    /// <summary>A JSON string literal (escaped as System.Text.Json escapes: controls and non-ASCII as \u).</summary>
    public static string Str(string value) => JsonValue.Create(value)!.ToJsonString();

    /// <summary>Raw JSON values holding an unsignable number: the number itself, in an array, or in an object.</summary>
    public static Gen<string> Unsignable() =>
        from n in Gen.Elements(UnsignableNumbers)
        from shape in Gen.Elements("{0}", "[1,{0}]", "{{\"y\":{0}}}", "{{\"y\":[{{\"z\":{0}}}]}}")
        select string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, n);

    /// <summary>An object's raw text with one more field holding an unsignable number (content no server can sign).</summary>
    public static Gen<string> WithUnsignable(string obj) =>
        from key in Gen.Elements("x", "org.example.n", "displayname_n")
        from value in Unsignable()
        select AddField(obj, Str(key) + ":" + value);

    /// <summary>A JSON string of <paramref name="chars"/> ASCII characters, for events near the size limits.</summary>
    public static string Padding(int chars) => Str(new string('p', chars));

    /// <summary>Sizes of legal large content: over Table Storage's 32 K-character string limit, inside the 64 KiB PDU limit.</summary>
    public static Gen<int> LargeLegalSizes() => Gen.Elements(32_769, 40_000, 50_000, 60_000);

    public static string Obj(params (string Key, string Raw)[] fields) => "{" + string.Join(",", fields.Select(f => Str(f.Key) + ":" + f.Raw)) + "}";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A raw field added to a JSON object's text.</summary>
    public static string AddField(string obj, string rawField) => obj == "{}" ? "{" + rawField + "}" : obj[..^1] + "," + rawField + "}";

    public static Gen<string> OddText(int maxPieces) =>
        from n in Gen.Choose(1, maxPieces)
        from pieces in Gen.ArrayOf(Gen.Elements(OddPieces), n)
        select string.Concat(pieces);

    /// <summary>Legal user IDs of this server made of odd characters (the localpart may be anything but ':' and NUL).</summary>
    public static Gen<string> OddUserIds() => Gen.OneOf(
        OddText(20).Select(t => $"@{t}:{Server}"),
        Gen.Elements($"@{new string('a', 244)}:{Server}", $"@'; DROP TABLE rooms; --:{Server}", $"@a' or RowKey ne '':{Server}", $"@%25:{Server}", $"@..:{Server}"));

    /// <summary>Legal room IDs nobody created, with odd characters (they reach storage as partition keys).</summary>
    public static Gen<string> OddRoomIds() => Gen.OneOf(
        OddText(20).Select(t => $"!{t}:{Server}"),
        Gen.Elements($"!{new string('r', 244)}:{Server}", $"!x:{FuzzHost.Origin}", $"!a' or PartitionKey ne '':{Server}", "!x:1.2.3.4", "!x:[::1]:8448"));

    /// <summary>A path segment for a room: a bad or odd ID, escaped as a client would, or a raw malformed segment.</summary>
    public static Gen<string> RoomSegments() => Gen.Frequency(
        (3, Gen.Elements(BadRoomIds).Select(Uri.EscapeDataString)),
        (3, OddRoomIds().Select(Uri.EscapeDataString)),
        (2, Gen.Elements(RawSegments)));

    /// <summary>Raw JSON of a string of <paramref name="bytes"/> + 1 UTF-8 bytes or more (ASCII, 2-byte or 4-byte characters).</summary>
    public static Gen<string> Overlong(int bytes) => Gen.Elements(
        Str(new string('a', bytes + 1)),
        Str(string.Concat(Enumerable.Repeat("é", (bytes / 2) + 1))),
        Str(string.Concat(Enumerable.Repeat("🙂", (bytes / 4) + 1))));

    /// <summary>Invalid values of a string field: other JSON types, and strings over <paramref name="maxBytes"/> when given.</summary>
    public static Gen<string> BadString(int? maxBytes = null) =>
        maxBytes is { } max ? Gen.OneOf(Gen.Elements(NonStrings), Overlong(max)) : Gen.Elements(NonStrings);

    /// <summary>Invalid values of a user ID field: other JSON types and strings that are not user IDs.</summary>
    public static Gen<string> BadUserIdValue() => Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements(BadUserIds).Select(Str));

    /// <summary>
    /// Damage to a valid JSON object's text that no parser may accept, paired with a name for the report. Every one
    /// is refused whatever the endpoint (an empty body only where <paramref name="emptyIsInvalid"/>).
    /// </summary>
    public static Gen<(string Kind, byte[] Body)> Structural(string valid, int maxBytes, bool emptyIsInvalid)
    {
        var firstField = valid.Length > 2 ? valid[1..FirstFieldEnd(valid)] : "\"a\":1";
        var malformed = Gen.OneOf(
            Gen.Choose(1, Math.Max(1, valid.Length - 1)).Select(n => valid[..n]),
            Gen.Elements("x", "}", ",", "{}", "]", "\u0000", " x").Select(g => valid + g),
            Gen.Constant(valid[..^1] + (valid == "{}" ? "," : ",,") + "}"),
            Gen.Constant(valid.Contains('"', StringComparison.Ordinal) ? valid.Replace('"', '\'') : "{'a':1}"),
            Gen.Constant("/*c*/" + valid),
            Gen.Constant(AddField(valid, "\"n\":NaN")),
            Gen.Constant(AddField(valid, "\"n\":Infinity")),
            Gen.Constant(AddField(valid, "unquoted:1")),
            Gen.Constant(AddField(valid, "\"s\":\"tab\there\"")),
            Gen.Constant(AddField(valid, "\"n\":01")),
            Gen.Constant(AddField(valid, "\"s\":\"\\x41\"")),
            Gen.Elements("not json", "{", "}", "{{}}", "[", "\"", "\\", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{,}", "tru", "nul", "{\"a\":1}}", "{\"a\":1]"));
        var invalidUtf8 = from position in Gen.Choose(0, valid.Length)
                          from bytes in Gen.Elements<byte[]>([0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80])
                          from inString in Gen.Elements(true, false)
                          select Splice(valid, inString ? valid.IndexOf('"', StringComparison.Ordinal) + 1 : position, bytes);
        var surrogates = from escape in Gen.Elements("\\ud800", "\\udfff", "a\\ud800b", "\\ud800\\ud800", "\\udc00\\ud800", "\\uDBFF")
                         from inKey in Gen.Elements(true, false)
                         select AddField(valid, inKey ? $"\"{escape}\":1" : $"\"s\":\"{escape}\"");
        var deep = from depth in Gen.Elements(65, 66, 100, 1000, 20000)
                   from arrays in Gen.Elements(true, false)
                   select AddField(valid, "\"deep\":" + (arrays ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)));
        var kinds = new List<(int, Gen<(string, byte[])>)>
        {
            (5, malformed.Select(t => ("malformed", Utf8(t)))),
            (3, invalidUtf8.Select(b => ("invalid-utf8", b))),
            (3, surrogates.Select(t => ("lone-surrogate", Utf8(t)))),
            (2, Gen.Constant(("duplicate-key", Utf8(AddField(valid, firstField))))),
            (2, deep.Select(t => ("deep-nesting", Utf8(t)))),
            (2, Gen.Elements("[]", "[{}]", "\"x\"", "5", "true", "null", "[" + valid + "]").Select(t => ("not-object", Utf8(t)))),
            (1, Gen.Elements(1, 4096).Select(extra => ("oversized", Utf8(AddField(valid, "\"pad\":" + Str(new string('a', maxBytes + extra))))))),
        };
        if (emptyIsInvalid)
        {
            kinds.Add((1, Gen.Elements("", "   ", "\r\n").Select(t => ("empty", Utf8(t)))));
        }

        return Gen.Frequency(kinds);
    }

    /// <summary>One field of a JSON object: its valid raw value and, when it is checked, raw values that are not valid.</summary>
    public sealed record Field(string Key, string Valid, Gen<string>? Invalid, bool Required = false);

    public static string Render(IReadOnlyList<Field> schema) => Obj([.. schema.Select(f => (f.Key, f.Valid))]);

    /// <summary>The valid object with exactly one thing wrong: a field with an invalid value, or a required field missing.</summary>
    public static Gen<(string Kind, string Text)> Mutated(IReadOnlyList<Field> schema)
    {
        var checkedFields = Enumerable.Range(0, schema.Count).Where(i => schema[i].Invalid is not null).ToArray();
        var required = Enumerable.Range(0, schema.Count).Where(i => schema[i].Required).ToArray();
        var gens = new List<(int, Gen<(string, string)>)>();
        if (checkedFields.Length > 0)
        {
            gens.Add((4, from i in Gen.Elements(checkedFields)
                         from bad in schema[i].Invalid!
                         select ($"field:{schema[i].Key}", Obj([.. schema.Select((f, j) => (f.Key, j == i ? bad : f.Valid))]))));
        }

        if (required.Length > 0)
        {
            gens.Add((1, from i in Gen.Elements(required)
                         select ($"missing:{schema[i].Key}", Obj([.. schema.Where((_, j) => j != i).Select(f => (f.Key, f.Valid))]))));
        }

        return Gen.Frequency(gens);
    }

    /// <summary>A body with one field wrong or structurally damaged; never a valid one.</summary>
    public static Gen<(string Kind, byte[] Body)> BadBody(IReadOnlyList<Field> schema, int maxBytes, bool emptyIsInvalid)
    {
        var valid = Render(schema);
        var structural = Structural(valid, maxBytes, emptyIsInvalid);
        return schema.Any(f => f.Invalid is not null || f.Required)
            ? Gen.Frequency((4, Mutated(schema).Select(m => (m.Kind, Utf8(m.Text)))), (5, structural))
            : structural;
    }

    private static byte[] Splice(string text, int position, byte[] bytes)
    {
        var before = Utf8(text[..position]);
        var after = Utf8(text[position..]);
        return [.. before, .. bytes, .. after];
    }

    /// <summary>The end of the first "key":value pair of a flat object's text (at the first top-level comma or the end).</summary>
    private static int FirstFieldEnd(string obj)
    {
        var depth = 0;
        var inString = false;
        for (var i = 1; i < obj.Length - 1; i++)
        {
            var c = obj[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                return i;
            }
        }

        return obj.Length - 1;
    }
}
