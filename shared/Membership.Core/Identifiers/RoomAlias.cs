using System.Diagnostics.CodeAnalysis;

namespace Membership.Core.Identifiers;

/// <summary>A room alias <c>#alias:server</c>, at most 255 bytes.</summary>
public readonly record struct RoomAlias
{
    private RoomAlias(string value, string localpart, ServerName server)
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

    public static RoomAlias Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    public static bool TryParse(string? text, out RoomAlias id, [NotNullWhen(false)] out string? error)
    {
        if (MatrixId.TryParse(text, '#', "room alias", out var localpart, out var server, out error))
        {
            id = new RoomAlias(text!, localpart, server);
            return true;
        }

        id = default;
        return false;
    }

    public static RoomAlias Create(string localpart, ServerName server) => Parse("#" + localpart + ":" + server.Value);
}
