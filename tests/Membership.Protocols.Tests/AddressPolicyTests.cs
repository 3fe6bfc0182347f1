using System.Net;

namespace Membership.Protocols.Tests;

/// <summary>
/// <see cref="AddressPolicy"/>: the edges of every default range, both address families and their embeddings, and the
/// deny and allow lists as settings give them.
/// </summary>
public class AddressPolicyTests
{
    /// <summary>Each default range's first and last address are refused, and the addresses just outside it are not.</summary>
    [Theory]
    [InlineData("0.0.0.0", "0.255.255.255", null, "1.0.0.0")]
    [InlineData("10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0")]
    [InlineData("100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0")]
    [InlineData("127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0")]
    [InlineData("169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0")]
    [InlineData("172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0")]
    [InlineData("192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0")]
    [InlineData("192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0")]
    [InlineData("192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0")]
    [InlineData("192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0")]
    [InlineData("198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0")]
    [InlineData("198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0")]
    [InlineData("203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0")]
    [InlineData("224.0.0.0", "255.255.255.255", "223.255.255.255", null)]
    [InlineData("::", "::ffff:ffff", null, "::1:0:0")]
    [InlineData("64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::")]
    [InlineData("100::", "100::ffff:ffff:ffff:ffff", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100:0:0:1::")]
    [InlineData("2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::")]
    [InlineData("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::")]
    [InlineData("fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::")]
    [InlineData("fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null)]
    [InlineData("fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null, null)]
    [InlineData("ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null, null)]
    public void EachDefaultRangeIsRefusedToItsEdgesAndNoFurther(string first, string last, string? below, string? above)
    {
        var policy = AddressPolicy.Default;

        Assert.False(policy.Permits(IPAddress.Parse(first)), first);
        Assert.False(policy.Permits(IPAddress.Parse(last)), last);
        if (below is not null)
        {
            Assert.True(policy.Permits(IPAddress.Parse(below)), below);
        }

        if (above is not null)
        {
            Assert.True(policy.Permits(IPAddress.Parse(above)), above);
        }
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("64:ff9b::c0a8:101")]
    public void AnIpv6AddressCarryingARefusedIpv4AddressIsRefused(string address) =>
        Assert.False(AddressPolicy.Default.Permits(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    public void PublicAddressesArePermitted(string address) =>
        Assert.True(AddressPolicy.Default.Permits(IPAddress.Parse(address)));

    [Fact]
    public void AnAllowListReopensPartOfADeniedRange()
    {
        var policy = new AddressPolicy(null, ["10.20.0.0/16", "fd12:3456::/32", "127.0.0.1"]);

        Assert.True(policy.Permits(IPAddress.Parse("10.20.30.40")));
        Assert.True(policy.Permits(IPAddress.Parse("::ffff:10.20.30.40")));
        Assert.True(policy.Permits(IPAddress.Parse("fd12:3456::1")));
        Assert.True(policy.Permits(IPAddress.Parse("127.0.0.1")));
        Assert.False(policy.Permits(IPAddress.Parse("10.21.0.1")));
        Assert.False(policy.Permits(IPAddress.Parse("127.0.0.2")));
        Assert.False(policy.Permits(IPAddress.Parse("fd12:3457::1")));
    }

    [Fact]
    public void ADenyListReplacesTheDefault()
    {
        var policy = new AddressPolicy(["203.0.113.0/24"], null);

        Assert.False(policy.Permits(IPAddress.Parse("203.0.113.9")));
        Assert.True(policy.Permits(IPAddress.Parse("10.0.0.1")));
        Assert.True(policy.Permits(IPAddress.Parse("::1")));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("::ffff:0.0.0.0")]
    public void TheUnspecifiedAddressIsRefusedWhateverTheLists(string address)
    {
        var open = new AddressPolicy([], ["0.0.0.0/0", "::/0"]);

        Assert.False(open.Permits(IPAddress.Parse(address)));
        Assert.True(open.Permits(IPAddress.Parse("127.0.0.1")));
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("fc00::/129")]
    [InlineData("not-a-range")]
    [InlineData("")]
    [InlineData("10.0.0.0/")]
    [InlineData("localhost")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/ 8")]
    public void AMalformedRangeIsRefusedNamingIt(string range)
    {
        var ex = Assert.Throws<ArgumentException>(() => new AddressPolicy([range], null));
        Assert.Contains($"'{range}'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new AddressPolicy(null, [range]));
    }

    [Fact]
    public void EveryDefaultRangeParses()
    {
        foreach (var range in AddressPolicy.DefaultDenyList)
        {
            Assert.True(AddressPolicy.TryParseRange(range, out _), range);
        }
    }
}
