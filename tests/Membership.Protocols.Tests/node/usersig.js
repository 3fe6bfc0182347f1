// Interop with Tencent's own npm package tls-sig-api-v2 (1.0.2), driven by TencentInteropTests.
// Run with the repository root as working directory, so the package resolves from its node_modules.
//   node usersig.js generate <sdkappid> <key> <identifier> <expire> [roomid]
//   node usersig.js verify <sdkappid> <key> <identifier> <usersig> <now>
// Prints one JSON object on stdout.
'use strict';
const crypto = require('crypto');
const zlib = require('zlib');
const TLSSigAPIv2 = require(require.resolve('tls-sig-api-v2', { paths: [process.cwd()] }));

const [command, ...args] = process.argv.slice(2);

if (command === 'generate') {
  const [sdkappid, key, identifier, expire, roomid] = args;
  const api = new TLSSigAPIv2.Api(Number(sdkappid), key);
  const now = Math.floor(Date.now() / 1000);
  const userSig = roomid === undefined
    ? api.genUserSig(identifier, Number(expire))
    : api.genPrivateMapKey(identifier, Number(expire), Number(roomid), 255);
  // genSig reads the clock itself; report the issue time it wrote so the caller can verify "now".
  console.log(JSON.stringify({ userSig, time: decode(userSig)['TLS.time'], now }));
} else if (command === 'verify') {
  // The package has no verify function (only genUserSig, genPrivateMapKey, genPrivateMapKeyWithStringRoomID,
  // genSig and the internal _hmacsha256). So decode by the package's own rules (undo its base64url.escape,
  // zlib-inflate, parse) and recompute the HMAC with the package's _hmacsha256, the function genSig signs with.
  const [sdkappid, key, identifier, userSig, now] = args;
  const api = new TLSSigAPIv2.Api(Number(sdkappid), key);
  const doc = decode(userSig);
  const problems = [];
  if (doc['TLS.ver'] !== '2.0') problems.push('version');
  if (doc['TLS.sdkappid'] !== Number(sdkappid)) problems.push('sdkappid');
  if (doc['TLS.identifier'] !== identifier) problems.push('identifier');
  if (Number(now) > doc['TLS.time'] + doc['TLS.expire']) problems.push('expired');
  const expected = Buffer.from(
    api._hmacsha256(doc['TLS.identifier'], doc['TLS.time'], doc['TLS.expire'], doc['TLS.userbuf'] === undefined ? null : doc['TLS.userbuf']),
    'base64');
  const actual = Buffer.from(String(doc['TLS.sig']), 'base64');
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) problems.push('signature');
  console.log(JSON.stringify({ valid: problems.length === 0, problems, document: doc }));
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}

function decode(userSig) {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(zlib.inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
}
