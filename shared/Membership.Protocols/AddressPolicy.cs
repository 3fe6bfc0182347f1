using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Membership.Protocols;

/// <summary>
/// Which IP addresses the service may open outbound connections to (federation, key fetches, invites, webhooks), in
/// the manner of Synapse's <c>ip_range_blacklist</c> / <c>ip_range_whitelist</c>: an address in a denied range is
/// refused unless an allowed range holds it. The unspecified addresses (<c>0.0.0.0</c>, <c>::</c>) are always refused,
/// whatever the lists say, because connecting to them reaches this host. An IPv4-mapped (<c>::ffff:a.b.c.d</c>) or
/// NAT64 (<c>64:ff9b::a.b.c.d</c>) address is judged as the IPv4 address it carries as well.
/// </summary>
public sealed class AddressPolicy
{
    /// <summary>
    /// The ranges refused by default: loopback, private (RFC 1918, unique-local), shared (CGNAT), link-local,
    /// multicast, documentation, benchmarking, IETF-reserved and other special-purpose ranges of IANA's registries.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultDenyList =
    [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4",
        "::/96", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10",
        "fec0::/10", "ff00::/8",
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly IPNetwork[] _deny;
    private readonly IPNetwork[] _allow;

    /// <summary>A policy from CIDR ranges (a bare address is a range of one).</summary>
    /// <param name="denyList">Ranges refused; null means <see cref="DefaultDenyList"/>.</param>
    /// <param name="allowList">Ranges allowed even when a denied range holds them.</param>
    /// <exception cref="ArgumentException">A range is not a CIDR range with no bits set past its prefix.</exception>
    public AddressPolicy(IEnumerable<string>? denyList, IEnumerable<string>? allowList)
    {
        _deny = Parse(denyList ?? DefaultDenyList, "deny");
        _allow = Parse(allowList ?? [], "allow");
    }

    /// <summary>The policy with the default deny list and nothing allowed past it.</summary>
    public static AddressPolicy Default { get; } = new(null, null);

    /// <summary>Whether a connection to <paramref name="address"/> is allowed.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    public bool Permits(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var embedded = Embedded(address);
        return !IsUnspecified(address) && !(embedded is not null && IsUnspecified(embedded))
            && Judge(address) && (embedded is null || Judge(embedded));
    }

    /// <summary>Parses one range as the settings write it, for validation messages.</summary>
    /// <param name="text">CIDR notation (<c>10.0.0.0/8</c>, <c>fc00::/7</c>) or a single address.</param>
    /// <param name="range">The range when the text is valid.</param>
    /// <returns>Whether the text is a valid range.</returns>
    public static bool TryParseRange(string? text, out IPNetwork range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        // A range with bits set past its prefix ("10.0.0.1/8") is a typo to report, not to round down.
        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
        {
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && !(int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) && prefix <= bits))
        {
            return false;
        }

        try
        {
            range = new IPNetwork(address, prefix);
        }
        catch (ArgumentException)
        {
            return false;
        }

        return range.BaseAddress.Equals(address);
    }

    private static bool IsUnspecified(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private bool Judge(IPAddress address) =>
        Array.Exists(_allow, r => r.Contains(address)) || !Array.Exists(_deny, r => r.Contains(address));

    /// <summary>The IPv4 address an IPv4-mapped or NAT64 IPv6 address stands for.</summary>
    private static IPAddress? Embedded(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            return new IPAddress(address.GetAddressBytes().AsSpan(12, 4));
        }

        return null;
    }

    private static IPNetwork[] Parse(IEnumerable<string> ranges, string list) =>
        [.. ranges.Select(text => TryParseRange(text, out var range)
            ? range
            : throw new ArgumentException($"'{text}' in the outbound {list} list is not an IP range (CIDR notation such as 10.0.0.0/8 or fc00::/7, no bits set past the prefix)"))];
}
