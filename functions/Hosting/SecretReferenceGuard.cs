namespace Membership.Functions.Hosting;

/// <summary>
/// Refuses to start with a Key Vault reference that was not resolved. When App Service cannot resolve
/// <c>@Microsoft.KeyVault(...)</c> (missing role, wrong URI, vault firewall) it passes the reference's own text as the
/// setting's value; started anyway, the service would sign with that text as a key and answer every admin call 70003.
/// </summary>
internal static class SecretReferenceGuard
{
    private const string Marker = "@Microsoft.KeyVault(";

    /// <summary>Throws <see cref="UnresolvedSecretReferenceException"/> naming every setting still holding a reference.</summary>
    public static void Check(IConfiguration configuration)
    {
        var unresolved = configuration.AsEnumerable()
            .Where(setting => setting.Value?.TrimStart().StartsWith(Marker, StringComparison.OrdinalIgnoreCase) == true)
            .Select(setting => setting.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unresolved.Count > 0)
        {
            throw new UnresolvedSecretReferenceException(unresolved);
        }
    }
}

/// <summary>Settings whose Key Vault references the platform could not resolve; the message names them, never a value.</summary>
public sealed class UnresolvedSecretReferenceException(IReadOnlyList<string> settings) : Exception(
    $"Refusing to start: the Key Vault reference of {string.Join(", ", settings)} was not resolved (the platform passed the "
    + "@Microsoft.KeyVault(...) text itself). Check the app's Key Vault reference status, the identity's 'Key Vault Secrets User' "
    + "role and keyVaultReferenceIdentity.")
{
    public IReadOnlyList<string> Settings { get; } = settings;
}
