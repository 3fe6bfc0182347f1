using Membership.Functions.Hosting;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// <c>Membership:Outbound</c> over real HTTP: an allow list reopens a denied range, a deny list given replaces the
/// default, and a malformed range stops the start-up naming the setting.
/// </summary>
public sealed class OutboundSettingsTests(Azurite storage) : IClassFixture<Azurite>
{
    [Theory]
    [InlineData("Membership:Outbound:IpRangeAllowList:0", "127.0.0.0/8")]
    [InlineData("Membership:Outbound:IpRangeAllowList:0", "127.0.0.1")]
    [InlineData("Membership:Outbound:IpRangeDenyList:0", "203.0.113.0/24")]
    public async Task ASettingThatLeavesLoopbackAllowedLetsTheKeyFetchConnect(string setting, string range)
    {
        using var trap = LoopbackTrap.Start();
        await using var app = await TestApp.StartAsync(storage.ConnectionString, new Dictionary<string, string?> { [setting] = range, ["Membership:Federation:RequestTimeout"] = "00:00:03" });

        var response = await AdversarialFederationHost.SendSignedInviteAsync(app.Http, $"127.0.0.1:{trap.Port}");

        // The trap is no key server: the fetch fails, but only after connecting.
        Assert.Equal(401, response.Status);
        Assert.True(trap.Connections >= 1, "the key fetch never connected");
    }

    [Theory]
    [InlineData("Membership:Outbound:IpRangeDenyList:0", "10.0.0.1/8")]
    [InlineData("Membership:Outbound:IpRangeAllowList:0", "fc00::/129")]
    [InlineData("Membership:Outbound:IpRangeAllowList:0", "intranet")]
    public void AMalformedRangeStopsTheStartUpNamingTheSetting(string setting, string range)
    {
        var ex = Assert.Throws<ArgumentException>(() => MembershipApp.Build([], builder => builder.Configuration[setting] = range));

        Assert.Contains("Membership:Outbound", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{range}'", ex.Message, StringComparison.Ordinal);
    }
}
