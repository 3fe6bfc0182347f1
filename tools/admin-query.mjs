// Prints the query string an admin call needs: sdkappid, identifier, a UserSig made by Tencent's own tls-sig-api-v2
// package, random and contenttype. Local demo values unless Membership__Tencent__* are set in the environment.
//   node tools/admin-query.mjs [identifier]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let TLSSigAPIv2;
try {
  TLSSigAPIv2 = require('tls-sig-api-v2');
} catch {
  console.error('admin-query: tls-sig-api-v2 is not installed; run npm ci in the repository (./run.sh does)');
  process.exit(2);
}

const sdkAppId = Number(process.env.Membership__Tencent__SdkAppId ?? 1400000000);
const secretKey = process.env.Membership__Tencent__SecretKey ?? '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const identifier = process.argv[2] ?? 'administrator';
const userSig = new TLSSigAPIv2.Api(sdkAppId, secretKey).genUserSig(identifier, 86400);
const random = Math.floor(Math.random() * 4294967295);
console.log(`sdkappid=${sdkAppId}&identifier=${encodeURIComponent(identifier)}&usersig=${encodeURIComponent(userSig)}&random=${random}&contenttype=json`);
