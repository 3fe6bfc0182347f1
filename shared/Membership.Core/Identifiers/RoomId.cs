using System.Diagnostics.CodeAnalysis;

namespace Membership.Core.Identifiers;

/// <summary>A room ID <c>!opaque:server</c> (room versions 1-11), at most 255 bytes. The opaque part may hold any character but NUL and colon.</summary>
public readonly record struct RoomId
{
    private RoomId(string value, string localpart, ServerName server)
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

    public static RoomId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    public static bool TryParse(string? text, out RoomId id, [NotNullWhen(false)] out string? error)
    {
        if (MatrixId.TryParse(text, '!', "room ID", out var localpart, out var server, out error))
        {
            id = new RoomId(text!, localpart, server);
            return true;
        }

        id = default;
        return false;
    }

    public static RoomId Create(string localpart, ServerName server) => Parse("!" + localpart + ":" + server.Value);
}
