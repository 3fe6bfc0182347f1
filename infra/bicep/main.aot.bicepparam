// Parameters for the Native AOT custom-handler package (./publish.sh --aot): main.bicepparam's, with the package and
// its runtime changed. Deploy with: az deployment group create -g <rg> -f infra/bicep/main.bicep -p infra/bicep/main.aot.bicepparam
using './main.bicep'

param package = 'aot'
param customRuntimeVersion = '1.0'

param baseName = 'membership'
param tencentSdkAppId = '1400000000'
param tencentAdmins = [
  'administrator'
]
param tencentSecretKey = readEnvironmentVariable('MEMBERSHIP_TENCENT_SECRET_KEY')
param federationKeyId = 'ed25519:a_1'
param federationSigningKey = readEnvironmentVariable('MEMBERSHIP_FEDERATION_SIGNING_KEY')

// Always-ready instances remove the cold start entirely (billed while idle); with the AOT package a cold start is
// already short, so zero is the usual choice.
param alwaysReadyHttpInstances = 0
