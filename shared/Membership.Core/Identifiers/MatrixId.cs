using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Membership.Core.Identifiers;

/// <summary>The grammar shared by user IDs, room IDs and aliases: sigil, opaque part, ':', server name.</summary>
internal static class MatrixId
{
    public const int MaxBytes = 255;

    public static bool TryParse(
        string? text,
        char sigil,
        string kind,
        out string localpart,
        out ServerName server,
        [NotNullWhen(false)] out string? error)
    {
        localpart = string.Empty;
        server = default;
        if (string.IsNullOrEmpty(text))
        {
            error = $"{kind} is empty";
            return false;
        }

        if (text[0] != sigil)
        {
            error = $"Expected {kind} to start with '{sigil}'";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(text) > MaxBytes || !IsWellFormedUtf16(text))
        {
            error = $"{kind} must be valid Unicode of at most {MaxBytes} bytes";
            return false;
        }

        // The opaque part ends at the first ':'; the server name may itself carry a ':port'.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 1)
        {
            error = colon < 0 ? $"{kind} '{text}' has no ':server' part" : $"{kind} '{text}' has an empty local part";
            return false;
        }

        localpart = text[1..colon];
        if (localpart.Contains('\0', StringComparison.Ordinal))
        {
            error = $"{kind} must not contain NUL";
            return false;
        }

        if (!ServerName.TryParse(text[(colon + 1)..], out server, out var serverError))
        {
            error = $"{kind} '{text}': {serverError}";
            return false;
        }

        error = null;
        return true;
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
