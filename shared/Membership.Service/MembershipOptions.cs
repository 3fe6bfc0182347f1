namespace Membership.Service;

/// <summary>Bound from the <c>Membership</c> configuration section (DESIGN.md §7).</summary>
public sealed class MembershipOptions
{
    public string ServerName { get; set; } = "localhost";

    public FederationOptions Federation { get; set; } = new();

    public TokenOptions Tokens { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    public OutboundOptions Outbound { get; set; } = new();
}

/// <summary>
/// <c>Membership:Outbound</c>: the IP ranges outbound connections may not reach (federation, key fetches, invites,
/// webhooks), like Synapse's <c>ip_range_blacklist</c> and <c>ip_range_whitelist</c>. Checked on every address connected to.
/// </summary>
public sealed class OutboundOptions
{
    /// <summary>CIDR ranges refused; unset means <see cref="Protocols.AddressPolicy.DefaultDenyList"/>, and a list given replaces it.</summary>
    public List<string>? IpRangeDenyList { get; set; }

    /// <summary>CIDR ranges reachable even though a denied range holds them (a private deployment's own network).</summary>
    public List<string> IpRangeAllowList { get; set; } = [];

    /// <summary>The policy these settings describe.</summary>
    /// <exception cref="ArgumentException">A range is malformed (the message names the setting and the range).</exception>
    public Protocols.AddressPolicy CreatePolicy()
    {
        try
        {
            return new Protocols.AddressPolicy(IpRangeDenyList, IpRangeAllowList);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Membership:Outbound: {ex.Message}", ex);
        }
    }
}

/// <summary>
/// <c>Membership:RateLimits</c>: Matrix writes (POST and PUT of the client-server API) per access token, as a token
/// bucket that refills at <see cref="ClientWritesPerSecond"/> and holds at most <see cref="ClientWritesBurst"/>.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained writes a second per access token; 0 or less turns the limit off.</summary>
    public int ClientWritesPerSecond { get; set; } = 20;

    /// <summary>Writes an access token may make at once after a quiet spell (at least 1).</summary>
    public int ClientWritesBurst { get; set; } = 50;
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

    /// <summary>Keys this server used before the current one, published as <c>old_verify_keys</c> after a rotation.</summary>
    public List<OldVerifyKey> OldKeys { get; set; } = [];

    /// <summary>Bound on one key fetch or server discovery request to another server.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bound on one outgoing invite, and on each request of an invite rejection (make_leave, send_leave): the remote
    /// fetches our keys while it answers, so longer than a key fetch.
    /// </summary>
    public TimeSpan InviteTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Bound on one <c>PUT /send/{txnId}</c> transaction to another server. Transactions
    /// that fail are retried with the outbox's backoff (<c>Membership:Webhooks:InitialBackoff</c>, <c>MaxBackoff</c>,
    /// <c>MaxAge</c>) and dead-lettered after MaxAge, as callbacks are.
    /// </summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A retired verify key: <c>Membership:Federation:OldKeys:{n}:KeyId</c>, <c>PublicKey</c> (unpadded base64), <c>ExpiredTs</c> (ms).</summary>
public sealed class OldVerifyKey
{
    public string KeyId { get; set; } = string.Empty;

    public string PublicKey { get; set; } = string.Empty;

    public long ExpiredTs { get; set; }
}

public sealed class TokenOptions
{
    /// <summary>Lifetime of access tokens from <c>issue_token</c>.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a validated token is trusted from memory before storage is asked again.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(30);
}
