using System.Diagnostics.CodeAnalysis;

namespace Membership.Core.Identifiers;

/// <summary>A Matrix server name: hostname [":" port], per the appendix grammar.</summary>
public readonly record struct ServerName
{
    private ServerName(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    public static ServerName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name : throw new FormatException(error);

    public static bool TryParse(string? text, out ServerName name, [NotNullWhen(false)] out string? error)
    {
        name = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "server name is empty";
            return false;
        }

        string host = text;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IsIpv6Literal(text.AsSpan(1, close - 1)))
            {
                error = $"'{text}' has a malformed IPv6 literal";
                return false;
            }

            host = text[..(close + 1)];
            if (!TryPort(text.AsSpan(close + 1), out error))
            {
                return false;
            }
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                host = text[..colon];
                if (!TryPort(text.AsSpan(colon), out error))
                {
                    return false;
                }
            }

            // A DNS name (which also covers IPv4 literals): 1-255 characters of alphanumerics, '-' and '.'.
            if (host.Length is 0 or > 255 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                error = $"'{text}' is not a valid server name (hostname of letters, digits, '-' and '.', optional :port)";
                return false;
            }
        }

        name = new ServerName(text);
        error = null;
        return true;
    }

    private static bool TryPort(ReadOnlySpan<char> rest, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (rest.IsEmpty)
        {
            return true;
        }

        if (rest[0] != ':' || rest.Length is < 2 or > 6 || !rest[1..].ContainsOnlyAsciiDigits())
        {
            error = "the port of a server name must be 1 to 5 digits";
            return false;
        }

        return true;
    }

    private static bool IsIpv6Literal(ReadOnlySpan<char> inner) =>
        inner.Length is >= 2 and <= 45 && inner.ContainsOnly(c => char.IsAsciiHexDigit(c) || c is ':' or '.');
}

internal static class SpanExtensions
{
    public static bool ContainsOnlyAsciiDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool ContainsOnly(this ReadOnlySpan<char> span, Func<char, bool> allowed)
    {
        foreach (var c in span)
        {
            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }
}
