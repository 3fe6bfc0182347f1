using System.Text;

namespace Membership.Storage;

/// <summary>
/// Reversible encoding of any string into a Table Storage key. Keys may not hold '/', '\', '#', '?', U+0000-U+001F or
/// U+007F-U+009F; Matrix user IDs may contain '/', aliases '#', room IDs anything but NUL and ':'. Each of those, and the
/// escape character '%' itself, becomes '%' + two upper-case hex digits, so decoding is exact and ordering stays stable.
/// </summary>
public static class TableKey
{
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.AsSpan().ContainsAny(Forbidden))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Contains('%', StringComparison.Ordinal))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '%' && i + 2 < key.Length && IsHex(key[i + 1]) && IsHex(key[i + 2]))
            {
                builder.Append((char)Convert.ToInt32(key.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (key[i] == '%')
            {
                throw new FormatException($"'{key}' is not an encoded table key");
            }
            else
            {
                builder.Append(key[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigitUpper(c) || char.IsAsciiDigit(c);

    private static bool NeedsEscape(char c) => c is '%' or '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F';

    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create(
        "%/\\#?" + new string(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(i => (char)i).ToArray()));
}
