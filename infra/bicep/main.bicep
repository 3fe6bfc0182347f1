// Room membership service on Azure Functions Flex Consumption (FC1).
//
// One app, two packages of the same code (docs/deploy.md says which to pick):
//  - package 'worker' (default): the isolated-worker package (./publish.sh; ReadyToRun), runtime dotnet-isolated
//    '10.0' (the string, not '10'). The Functions host starts the worker and proxies HTTP to it; functions come from
//    functions.metadata.
//  - package 'aot': the Native AOT custom-handler package (./publish.sh --aot), the fastest cold start. host.json's
//    customHandler section names the `membership` executable the host starts; the stack is the custom runtime
//    (version customRuntimeVersion, default '1.0'; `az functionapp list-flexconsumption-runtimes -l <region>` lists
//    what your region offers).
// Flex has no FUNCTIONS_WORKER_RUNTIME app setting: the stack is functionAppConfig.runtime. Everything is stored in
// Azure Table Storage, reached with the app's user-assigned managed identity; no account keys, no instrumentation
// keys, secrets in Key Vault.
//
// Deploy (resource-group scope; see docs/deploy.md): `azd up`, or
//   az group create -n <rg> -l <flex region>
//   az deployment group create -g <rg> -f infra/bicep/main.bicep -p infra/bicep/main.bicepparam

targetScope = 'resourceGroup'

// ---------------------------------------------------------------- naming

@description('Prefix of every resource name: lowercase letters, digits and hyphens. A uniqueString of the resource group is appended.')
@minLength(3)
@maxLength(20)
param baseName string = 'membership'

@description('Azure region of every resource; must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags { *: string } = {}

// ---------------------------------------------------------------- hosting

@description('Which package is deployed: worker (the isolated-worker package, ./publish.sh) or aot (the Native AOT custom-handler package, ./publish.sh --aot).')
@allowed([
  'worker'
  'aot'
])
param package string = 'worker'

@description('functionAppConfig.runtime.version of the custom runtime the aot package runs on (the worker package always runs on dotnet-isolated 10.0).')
param customRuntimeVersion string = '1.0'

@description('Maximum number of instances the app scales out to (Flex: 1-1000, default 100).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB: 512 (0.25 core), 2048 (1 core, default) or 4096 (2 cores).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for HTTP functions (0 = scale to zero; each always-ready instance is billed while idle).')
@minValue(0)
@maxValue(1000)
param alwaysReadyHttpInstances int = 0

@description('Concurrent HTTP requests per instance; leave unset for the platform default of the instance size.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int?

@description('Replication SKU of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Turn on Key Vault purge protection (cannot be turned off again; a deleted vault then blocks its name for the retention period).')
param keyVaultPurgeProtection bool = true

// ---------------------------------------------------------------- service configuration

@description('Membership:ServerName, the Matrix server name. Empty = the function app\'s default host name. Choose it once: it is part of every user and room ID.')
param serverName string = ''

@description('Membership:Tencent:SdkAppId, the SDKAppID of the Tencent App.')
@minLength(1)
param tencentSdkAppId string

@description('Membership:Tencent:Admins, the App administrator identifiers (becomes Membership__Tencent__Admins__0, __1, ...).')
@minLength(1)
param tencentAdmins string[] = [
  'administrator'
]

@description('Membership:Tencent:SecretKey, the App\'s UserSig HMAC key. Stored in Key Vault only.')
@secure()
@minLength(1)
param tencentSecretKey string

@description('Membership:Federation:SigningKey, the ed25519 seed in unpadded base64. Stored in Key Vault only.')
@secure()
@minLength(1)
param federationSigningKey string

@description('Membership:Federation:KeyId, the ID of the signing key (ed25519:<letters, digits, _>).')
param federationKeyId string = 'ed25519:a_1'

@description('Membership:Storage:TablePrefix, a prefix for every table name (letters and digits); empty = none.')
@maxLength(40)
param tablePrefix string = ''

@description('Extra app settings (e.g. Membership__Webhooks__Url), merged last. Only settings valid on Flex Consumption: no FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT*.')
param additionalAppSettings { *: string } = {}

// ---------------------------------------------------------------- names

var token = uniqueString(resourceGroup().id)
var base = toLower(baseName)
var alnumBase = replace(base, '-', '')

var names = {
  functionApp: '${base}-${token}'
  plan: 'plan-${base}-${token}'
  identity: 'id-${base}-${token}'
  logAnalytics: 'log-${base}-${token}'
  appInsights: 'appi-${base}-${token}'
  // 3-24 lowercase letters and digits: 'st' + up to 9 + 13.
  storage: 'st${take(alnumBase, 9)}${token}'
  // 3-24 letters, digits, hyphens, starting with a letter: 'kv' + up to 9 + 13.
  keyVault: 'kv${take(alnumBase, 9)}${token}'
  // One deployment container per app.
  deploymentContainer: 'app-package-${base}-${token}'
}

// ---------------------------------------------------------------- resources

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSku
    deploymentContainerName: names.deploymentContainer
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
    tencentSecretKey: tencentSecretKey
    federationSigningKey: federationSigningKey
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    identityName: names.identity
    storageAccountName: names.storage
    appInsightsName: names.appInsights
    keyVaultName: names.keyVault
  }
  // Names are passed (not outputs) so role assignment names are known before deployment starts;
  // hence the explicit ordering.
  dependsOn: [
    identity
    storage
    monitoring
    keyVault
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: names.plan
    appName: names.functionApp
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    runtimeName: package == 'worker' ? 'dotnet-isolated' : 'custom'
    runtimeVersion: package == 'worker' ? '10.0' : customRuntimeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    serverName: serverName
    tencentSdkAppId: tencentSdkAppId
    tencentAdmins: tencentAdmins
    tencentKeyUri: keyVault.outputs.tencentKeyUri
    federationKeyUri: keyVault.outputs.federationKeyUri
    federationKeyId: federationKeyId
    tablePrefix: tablePrefix
    additionalAppSettings: additionalAppSettings
  }
  // The identity must hold its roles before the app starts: the host reads AzureWebJobsStorage and
  // the deployment container, and App Service resolves the Key Vault references, with it.
  dependsOn: [
    rbac
  ]
}

// ---------------------------------------------------------------- outputs

@description('Function app name (for az functionapp deployment ... --name).')
output functionAppName string = functionApp.outputs.name

@description('Default URL of the app (https).')
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'

@description('Matrix server name the app was configured with.')
output serverName string = functionApp.outputs.serverName

@description('Storage account name (host storage, deployment container, membership tables).')
output storageAccountName string = storage.outputs.name

@description('Client ID of the user-assigned managed identity the app runs as.')
output identityClientId string = identity.outputs.clientId

@description('Key Vault name (rotate the secrets here).')
output keyVaultName string = keyVault.outputs.name
