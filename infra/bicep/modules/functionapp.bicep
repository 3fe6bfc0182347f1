// Flex Consumption (FC1) plan + Linux function app hosting the membership service: the isolated-worker package
// (runtime dotnet-isolated) or the Native AOT custom-handler package (runtime custom), as main.bicep's package says.
//
// Flex rules followed here (the settings Flex Consumption deprecates or moves):
//  - the language stack is functionAppConfig.runtime, never FUNCTIONS_WORKER_RUNTIME /
//    FUNCTIONS_WORKER_RUNTIME_VERSION / linuxFxVersion / netFrameworkVersion;
//  - FUNCTIONS_EXTENSION_VERSION is set by the platform;
//  - the package comes from functionAppConfig.deployment.storage (a blob container), never
//    WEBSITE_RUN_FROM_PACKAGE / WEBSITE_CONTENT* settings;
//  - scale limits live in functionAppConfig.scaleAndConcurrency, never
//    WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT / functionAppScaleLimit / FUNCTIONS_MAX_HTTP_CONCURRENCY;
//  - no alwaysOn, ftpsState, use32BitWorkerProcess, preWarmedInstanceCount, containerSize site properties.

@description('Flex Consumption plan name.')
param planName string

@description('Function app name (also the default host name prefix).')
param appName string

@description('Azure region (must offer Flex Consumption: az functionapp list-flexconsumption-locations).')
param location string

@description('Tags applied to every resource.')
param tags { *: string }

@description('Resource ID of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client ID of the user-assigned managed identity.')
param identityClientId string

@description('Storage account name (host storage and membership tables).')
param storageAccountName string

@description('Blob endpoint of the storage account, with trailing slash.')
param blobEndpoint string

@description('Table endpoint of the storage account, with trailing slash.')
param tableEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('functionAppConfig.runtime.name: dotnet-isolated for the worker package, the custom runtime for the AOT package (main.bicep).')
@allowed([
  'dotnet-isolated'
  'custom'
])
param runtimeName string

@description('functionAppConfig.runtime.version, e.g. \'10.0\' (not \'10\') for dotnet-isolated.')
param runtimeVersion string

@description('Maximum number of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Always-ready instances for the "http" scaling group (0 = scale to zero; each one is billed while idle).')
@minValue(0)
param alwaysReadyHttpInstances int

@description('Concurrent HTTP requests per instance; null keeps the platform default for the instance size.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int?

@description('Membership:ServerName (Matrix server name). Empty = the app\'s default host name.')
param serverName string

@description('Membership:Tencent:SdkAppId.')
param tencentSdkAppId string

@description('Membership:Tencent:Admins (App administrator identifiers).')
@minLength(1)
param tencentAdmins string[]

@description('Versionless Key Vault secret URI of the Tencent secret key.')
param tencentKeyUri string

@description('Versionless Key Vault secret URI of the federation signing key.')
param federationKeyUri string

@description('Membership:Federation:KeyId, e.g. ed25519:a_1.')
param federationKeyId string

@description('Membership:Storage:TablePrefix (letters and digits); empty = no prefix.')
param tablePrefix string

@description('Extra app settings merged last (they win). Only settings valid on Flex Consumption.')
param additionalAppSettings { *: string }

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux (Flex Consumption is Linux only)
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  // azd finds the app to deploy to by this tag (azure.yaml: services.api).
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings are resolved with the user-assigned identity
    // (without this, App Service would try a system-assigned identity the app does not have).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
        triggers: httpPerInstanceConcurrency == null
          ? null
          : {
              http: {
                perInstanceConcurrency: httpPerInstanceConcurrency
              }
            }
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
    }
  }
}

var keyVaultReference = {
  tencentSecretKey: '@Microsoft.KeyVault(SecretUri=${tencentKeyUri})'
  federationSigningKey: '@Microsoft.KeyVault(SecretUri=${federationKeyUri})'
}

// Host settings: identity-based host storage and Entra ID-authenticated Application Insights.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// The service's own configuration (docs/configuration.md); "__" is ":" in
// ASP.NET Core environment-variable configuration.
var effectiveServerName = empty(serverName) ? app.properties.defaultHostName : serverName

var serviceSettings = {
  Membership__ServerName: effectiveServerName
  Membership__Storage__TableServiceUri: tableEndpoint
  Membership__Storage__ManagedIdentityClientId: identityClientId
  Membership__Tencent__SdkAppId: tencentSdkAppId
  Membership__Tencent__SecretKey: keyVaultReference.tencentSecretKey
  Membership__Federation__SigningKey: keyVaultReference.federationSigningKey
  Membership__Federation__KeyId: federationKeyId
}

var adminSettings = toObject(range(0, length(tencentAdmins)), i => 'Membership__Tencent__Admins__${i}', i => tencentAdmins[i])

var tablePrefixSetting = empty(tablePrefix) ? {} : { Membership__Storage__TablePrefix: tablePrefix }

// App settings are one resource, so a deployment replaces the whole collection (settings added
// by hand in the portal are removed on the next deployment: put them in additionalAppSettings).
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(hostSettings, serviceSettings, adminSettings, tablePrefixSetting, additionalAppSettings)
}

@description('Function app name.')
output name string = app.name

@description('Default host name of the app.')
output defaultHostName string = app.properties.defaultHostName

@description('Matrix server name the app was configured with.')
output serverName string = effectiveServerName
