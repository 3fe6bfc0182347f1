// Key Vault (Azure RBAC authorization, no access policies) holding the service's two secrets.
// The app never reads the vault itself: App Service resolves the
// @Microsoft.KeyVault(SecretUri=...) app settings with the user-assigned identity
// (keyVaultReferenceIdentity), which holds Key Vault Secrets User (rbac.bicep).
// Secrets are written through ARM (control plane), so the deployer needs no data-plane role.

@description('Key Vault name (3-24 letters, digits and hyphens, starting with a letter, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags { *: string }

@description('Enable purge protection (irreversible once on: a deleted vault and its secrets cannot be purged before the retention period ends).')
param enablePurgeProtection bool

@description('Tencent SDKAppID secret key (UserSig HMAC key), stored as a secret.')
@secure()
@minLength(1)
param tencentSecretKey string

@description('Matrix federation ed25519 signing seed (unpadded base64), stored as a secret.')
@secure()
@minLength(1)
param federationSigningKey string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // ARM rejects enablePurgeProtection: false, so the property is omitted unless turned on.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource tencentSecretKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'tencent-secret-key'
  properties: {
    value: tencentSecretKey
    contentType: 'text/plain; Membership:Tencent:SecretKey'
  }
}

resource federationSigningKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'federation-signing-key'
  properties: {
    value: federationSigningKey
    contentType: 'text/plain; Membership:Federation:SigningKey (ed25519 seed, unpadded base64)'
  }
}

@description('Key Vault name.')
output name string = vault.name

// Versionless URIs: App Service picks up a rotated secret (new version) within 24 hours, or at once on restart.
@description('Versionless URI of the Tencent secret key secret (a location, not the value).')
output tencentKeyUri string = tencentSecretKeySecret.properties.secretUri

@description('Versionless URI of the federation signing key secret (a location, not the value).')
output federationKeyUri string = federationSigningKeySecret.properties.secretUri
