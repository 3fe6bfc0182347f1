using System.Diagnostics.CodeAnalysis;

namespace Membership.Core.Identifiers;

/// <summary>A user ID <c>@localpart:server</c>. Historical localparts (any code point but NUL and the first colon) are accepted, as servers must accept them in events; at most 255 bytes.</summary>
public readonly record struct UserId
{
    private UserId(string value, string localpart, ServerName server)
    {
        Value = value;
        Localpart = localpart;
        Server = server;
    }

    public string Value { get; }

    /// <summary>The part between the sigil and the first ':'.</summary>
    public string Localpart { get; }

    public ServerName Server { get; }

    public override string ToString() => Value ?? string.Empty;

    public static UserId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    public static bool TryParse(string? text, out UserId id, [NotNullWhen(false)] out string? error)
    {
        if (MatrixId.TryParse(text, '@', "user ID", out var localpart, out var server, out error))
        {
            id = new UserId(text!, localpart, server);
            return true;
        }

        id = default;
        return false;
    }

    public static UserId Create(string localpart, ServerName server) => Parse("@" + localpart + ":" + server.Value);
}
