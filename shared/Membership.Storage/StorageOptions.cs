namespace Membership.Storage;

/// <summary>Bound from <c>Membership:Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>Connection string (Azurite: <c>UseDevelopmentStorage=true</c>). Ignored when <see cref="TableServiceUri"/> is set.</summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Table endpoint reached with Azure.Identity (managed identity in Azure); no account keys.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Client ID of a user-assigned managed identity, when the app uses one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Prepended to every table name (letters and digits), so instances or tests can share an account.</summary>
    public string TablePrefix { get; set; } = string.Empty;

    /// <summary>Per-attempt network timeout; with <see cref="MaxRetries"/> this bounds how long a storage call can hang.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxRetries { get; set; } = 2;
}
