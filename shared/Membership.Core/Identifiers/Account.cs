using System.Diagnostics.CodeAnalysis;

namespace Membership.Core.Identifiers;

/// <summary>
/// The one rule for accounts named on the admin surface (Tencent UserIDs: <c>identifier</c>, <c>UserId</c>,
/// <c>*_Account</c>): an account <c>A</c> is the Matrix user <c>@A:{server}</c>, and a full Matrix user ID is taken
/// as it is (an account never starts with '@'). Either way the localpart must be 1 to 128 characters of printable ASCII other than <c>:</c> — the spec's
/// historical user ID grammar (<c>%x21-39 / %x3B-7E</c>), which holds today's (<c>a-z 0-9 . _ = - / +</c>) and the
/// mixed case Tencent accounts use; no spaces, no control or invisible characters, nothing outside ASCII.
/// </summary>
public static class Account
{
    public const int MaxLength = 128;

    /// <summary>What the rule allows, in words, for error messages and documentation.</summary>
    public const string Rule = "1 to 128 printable ASCII characters other than ':' (letters, digits and !\"#$%&'()*+,-./;<=>?@[\\]^_`{|}~; no spaces)";

    public static bool TryParse(string? text, ServerName server, out UserId user, [NotNullWhen(false)] out string? error)
    {
        user = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "is empty";
            return false;
        }

        // '@' starts a full Matrix user ID; an account never does.
        var isMatrixId = text.StartsWith('@');
        if (isMatrixId && !text.Contains(':', StringComparison.Ordinal))
        {
            error = $"holds {Describe(text)}, which starts with '@' but is not a Matrix user ID (@account:server)";
            return false;
        }

        var localpart = isMatrixId ? text[1..text.IndexOf(':', StringComparison.Ordinal)] : text;
        if (!IsAccountText(localpart))
        {
            error = $"holds {Describe(text)}, which is not an account: accounts are {Rule}";
            return false;
        }

        if (!UserId.TryParse(isMatrixId ? text : $"@{text}:{server}", out user, out var parseError))
        {
            error = $"holds {Describe(text)}: {parseError}";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The localpart of an account: printable ASCII except ':' (and so never empty spaces or controls).</summary>
    public static bool IsAccountText(string localpart) =>
        localpart.Length is > 0 and <= MaxLength && localpart.All(c => c is >= '!' and <= '~' && c != ':');

    /// <summary>The text as it can be shown in an error: control and non-ASCII characters as \uXXXX.</summary>
    private static string Describe(string text) =>
        "'" + string.Concat(text.Take(MaxLength + 8).Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}")) + (text.Length > MaxLength + 8 ? "…" : string.Empty) + "'";
}
