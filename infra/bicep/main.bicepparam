// Example parameters for main.bicep. Secrets are never written here: they are read from
// environment variables when the file is compiled (az deployment group create -p main.bicepparam),
// e.g. from a CI secret store:
//   export MEMBERSHIP_TENCENT_SECRET_KEY=...        # the App's UserSig key (Tencent console)
//   export MEMBERSHIP_FEDERATION_SIGNING_KEY=...    # ed25519 seed, unpadded base64:
//                                                  #   head -c 32 /dev/urandom | base64 | tr -d '='
using './main.bicep'

param baseName = 'membership'

// The package deployed: 'worker' (./publish.sh, the isolated worker) or 'aot' (./publish.sh --aot, the Native AOT
// custom handler; see main.aot.bicepparam).
param package = 'worker'

// Defaults to the resource group's region; it must offer Flex Consumption.
// param location = 'westeurope'

// Scale: Flex Consumption scales to zero; always-ready instances remove cold starts for HTTP
// but are billed while idle.
param maximumInstanceCount = 100
param instanceMemoryMB = 2048
param alwaysReadyHttpInstances = 0
// param httpPerInstanceConcurrency = 64   // unset = platform default for the instance size

// Matrix server name: empty = the function app's default host name. Set your own domain
// (with a custom domain bound to the app) before the first user registers.
param serverName = ''

// Tencent App (replace with your SDKAppID and administrator identifiers).
param tencentSdkAppId = '1400000000'
param tencentAdmins = [
  'administrator'
]
param tencentSecretKey = readEnvironmentVariable('MEMBERSHIP_TENCENT_SECRET_KEY')

// Matrix federation signing key.
param federationKeyId = 'ed25519:a_1'
param federationSigningKey = readEnvironmentVariable('MEMBERSHIP_FEDERATION_SIGNING_KEY')

param tags = {
  app: 'membership'
}
