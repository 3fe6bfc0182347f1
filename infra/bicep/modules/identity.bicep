// The user-assigned managed identity the function app runs as. It reaches host storage,
// the deployment container, the membership tables, Application Insights and Key Vault;
// its roles are granted in rbac.bicep once those resources exist.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags { *: string }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity (for identity blocks, keyVaultReferenceIdentity, deployment storage).')
output id string = identity.id

@description('Client (application) ID of the identity, used by DefaultAzureCredential and the host.')
output clientId string = identity.properties.clientId

@description('Object (principal) ID of the identity, used by role assignments.')
output principalId string = identity.properties.principalId
