using Membership.Core.Identifiers;
using Membership.Protocols;

namespace Membership.Service;

/// <summary>Who this server is: its name and the ed25519 key that signs its events and federation requests.</summary>
public sealed class ServerIdentity
{
    public ServerIdentity(MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ServerName.TryParse(options.ServerName, out var name, out var error))
        {
            throw new ArgumentException($"Membership:ServerName is invalid: {error}");
        }

        Name = name;
        SigningKey = SigningKey.FromBase64Seed(options.Federation.SigningKey, options.Federation.KeyId);
    }

    public ServerName Name { get; }

    public SigningKey SigningKey { get; }

    /// <summary>Whether a user belongs to this server.</summary>
    public bool IsLocal(UserId user) => user.Server == Name;
}
