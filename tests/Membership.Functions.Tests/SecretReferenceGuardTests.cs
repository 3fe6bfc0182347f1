using Membership.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Membership.Functions.Tests;

/// <summary>App Service passes an unresolvable Key Vault reference through as its own text: the app must not start on it.</summary>
public sealed class SecretReferenceGuardTests
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv-membership.vault.azure.net/secrets/tencent-secret-key/)";

    [Theory]
    [InlineData("Membership:Tencent:SecretKey")]
    [InlineData("Membership:Federation:SigningKey")]
    [InlineData("Membership:Webhooks:Token")]
    public void AnUnresolvedKeyVaultReferenceStopsTheAppNamingTheSetting(string setting)
    {
        var refused = Assert.Throws<UnresolvedSecretReferenceException>(() => Build((setting, Reference)));

        Assert.Equal([setting], refused.Settings);
        Assert.Contains(setting, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-membership", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryUnresolvedReferenceIsNamedAtOnceWhateverItsCaseOrLeadingSpace()
    {
        var refused = Assert.Throws<UnresolvedSecretReferenceException>(() => Build(
            ("Membership:Tencent:SecretKey", " @microsoft.keyvault(VaultName=kv;SecretName=s)"),
            ("Membership:Federation:SigningKey", Reference)));

        Assert.Equal(["Membership:Federation:SigningKey", "Membership:Tencent:SecretKey"], refused.Settings);
    }

    [Fact]
    public async Task ResolvedSecretsAndTextMentioningKeyVaultStartNormally()
    {
        await using var app = Build(
            ("Membership:Tencent:SecretKey", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"),
            ("Membership:ServerName", "see @Microsoft.KeyVault( in the docs"));

        Assert.NotNull(app);
    }

    private static WebApplication Build(params (string Key, string Value)[] settings) =>
        MembershipApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));
}
