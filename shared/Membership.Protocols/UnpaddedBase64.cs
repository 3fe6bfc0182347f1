using System.Buffers.Text;

namespace Membership.Protocols;

/// <summary>
/// Matrix "unpadded base64" (https://spec.matrix.org/latest/appendices/#unpadded-base64): RFC 4648 base64 without
/// <c>=</c> padding, plus the URL-safe alphabet that room version 4+ event IDs use.
/// </summary>
public static class UnpaddedBase64
{
    /// <summary>Standard alphabet (<c>+</c>, <c>/</c>), no padding.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>URL-safe alphabet (<c>-</c>, <c>_</c>), no padding.</summary>
    public static string EncodeUrlSafe(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>
    /// Decodes padded or unpadded text in the standard or URL-safe alphabet. Unused trailing bits are ignored, as
    /// Python's decoder does (the spec's own test seed has them set). Never throws.
    /// </summary>
    /// <param name="text">The encoded text; null, whitespace or any other character fails.</param>
    /// <param name="bytes">The decoded bytes, or an empty array on failure.</param>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }

        var body = text.AsSpan();
        var padding = 0;
        while (padding < 2 && body.EndsWith('='))
        {
            body = body[..^1];
            padding++;
        }

        // A single leftover character carries only 6 bits, less than a byte; padding, if present, must be right.
        if (body.Length % 4 == 1 || (padding > 0 && (body.Length + padding) % 4 != 0))
        {
            return false;
        }

        var standard = new char[(body.Length + 3) / 4 * 4];
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            standard[i] = c switch
            {
                >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' => c,
                '-' => '+',
                '_' => '/',
                _ => '\0',
            };
            if (standard[i] == '\0')
            {
                return false;
            }
        }

        standard.AsSpan(body.Length).Fill('=');
        var decoded = new byte[standard.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(standard, decoded, out var written))
        {
            return false;
        }

        bytes = decoded[..written];
        return true;
    }
}
