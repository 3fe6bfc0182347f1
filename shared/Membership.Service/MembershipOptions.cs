namespace Membership.Service;

/// <summary>Bound from the <c>Membership</c> configuration section (DESIGN.md §7).</summary>
public sealed class MembershipOptions
{
    public string ServerName { get; set; } = "localhost";

    public FederationOptions Federation { get; set; } = new();

    public TokenOptions Tokens { get; set; } = new();
}

public sealed class FederationOptions
{
    /// <summary>
    /// A fixed, public demo seed (32 bytes, unpadded base64) so a local server's events verify across restarts. Never
    /// use it outside a laptop: in Azure the seed comes from Key Vault.
    /// </summary>
    public const string DemoSigningKey = "bWVtYmVyc2hpcC1sb2NhbC1kZW1vLXNpZ25pbmdrZXk";

    public string SigningKey { get; set; } = DemoSigningKey;

    public string KeyId { get; set; } = "ed25519:local";

    /// <summary>Base URL overrides per remote server name (tests, private deployments).</summary>
    public Dictionary<string, string> Servers { get; set; } = new(StringComparer.Ordinal);
}

public sealed class TokenOptions
{
    /// <summary>Lifetime of access tokens from <c>issue_token</c>.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a validated token is trusted from memory before storage is asked again.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(30);
}
