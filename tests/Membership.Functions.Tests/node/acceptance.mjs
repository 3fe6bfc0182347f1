// Acceptance: matrix-js-sdk (npm, 37.5.0) drives the running membership service, run by AcceptanceTests.
// Run with the repository root as working directory (node_modules resolves from there and from this file's folders).
//   node acceptance.mjs <baseUrl>
// Tokens come from the admin command issue_token, signed with Tencent's own tls-sig-api-v2.
// The client is never started (the service has no /sync): every call is one of the SDK's own request methods.
// Prints one JSON summary line on stdout; exits non-zero on the first failed check or SDK error.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as sdk from "matrix-js-sdk";

const SDK_APP_ID = 1400000000;
const SECRET_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const ADMIN = "administrator";

const baseUrl = (process.argv[2] ?? "").replace(/\/+$/, "");
if (!baseUrl) {
  console.error("usage: node acceptance.mjs <baseUrl>");
  process.exit(2);
}

// The SDK logs each HTTP request at debug level; keep stdout for the summary and send its log to stderr,
// which the C# test shows only when this script fails.
const stderrLogger = (prefix = "") => ({
  trace: (...a) => console.error("[sdk trace]" + prefix, ...a),
  debug: (...a) => console.error("[sdk debug]" + prefix, ...a),
  info: (...a) => console.error("[sdk info]" + prefix, ...a),
  warn: (...a) => console.error("[sdk warn]" + prefix, ...a),
  error: (...a) => console.error("[sdk error]" + prefix, ...a),
  getChild: (child) => stderrLogger(prefix + " " + child),
});

const checks = [];
function check(name, fn) {
  fn();
  checks.push(name);
}

async function issueToken(localpart) {
  const require = createRequire(import.meta.url);
  const TLSSigAPIv2 = require(require.resolve("tls-sig-api-v2", { paths: [process.cwd()] }));
  const userSig = new TLSSigAPIv2.Api(SDK_APP_ID, SECRET_KEY).genUserSig(ADMIN, 86400);
  const query = new URLSearchParams({
    sdkappid: String(SDK_APP_ID),
    identifier: ADMIN,
    usersig: userSig,
    random: String(Math.floor(Math.random() * 4294967295)),
    contenttype: "json",
  });
  const response = await fetch(`${baseUrl}/v4/membership_admin/issue_token?${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ UserId: localpart }),
  });
  const body = await response.json();
  assert.equal(body.ErrorCode, 0, `issue_token ${localpart}: ${JSON.stringify(body)}`);
  assert.equal(body.UserId, `@${localpart}:localhost`);
  assert.ok(body.AccessToken, "issue_token returned no AccessToken");
  return sdk.createClient({ baseUrl, accessToken: body.AccessToken, userId: body.UserId, logger: stderrLogger() });
}

/** The members list as { userId: { membership, reason, sender } } (m.room.member events from GET /members). */
async function memberStates(client, roomId) {
  const response = await client.members(roomId);
  assert.ok(Array.isArray(response.chunk), `members: no chunk in ${JSON.stringify(response)}`);
  const states = {};
  for (const event of response.chunk) {
    assert.equal(event.type, "m.room.member");
    assert.equal(event.room_id ?? roomId, roomId);
    states[event.state_key] = { membership: event.content.membership, reason: event.content.reason, sender: event.sender };
  }
  return states;
}

async function joinedSet(client, roomId) {
  const response = await client.getJoinedRoomMembers(roomId);
  assert.equal(typeof response.joined, "object", `joined_members: ${JSON.stringify(response)}`);
  return Object.keys(response.joined).sort();
}

async function main() {
  const alice = await issueToken("alice");
  const bob = await issueToken("bob");
  const carol = await issueToken("carol");
  const [A, B, C] = ["@alice:localhost", "@bob:localhost", "@carol:localhost"];

  const who = await alice.whoami();
  check("whoami", () => assert.equal(who.user_id, A));
  const whoBob = await bob.whoami();
  check("whoami bob", () => assert.equal(whoBob.user_id, B));

  // alice creates a public room
  const created = await alice.createRoom({ preset: "public_chat", visibility: "private", name: "acceptance" });
  const roomId = created.room_id;
  check("createRoom", () => assert.match(roomId, /^!.+:localhost$/));
  const afterCreate = await joinedSet(alice, roomId);
  check("joined_members after create", () => assert.deepEqual(afterCreate, [A]));

  // bob joins (POST /join/{roomIdOrAlias}); the SDK returns a local Room object for it
  const room = await bob.joinRoom(roomId);
  check("joinRoom", () => assert.equal(room.roomId, roomId));
  const afterJoin = await joinedSet(alice, roomId);
  check("joined_members after join", () => assert.deepEqual(afterJoin, [A, B]));

  // alice invites carol
  await alice.invite(roomId, C);
  let states = await memberStates(alice, roomId);
  check("members invite", () => {
    assert.equal(states[C]?.membership, "invite");
    assert.equal(states[C]?.sender, A);
  });

  // alice kicks carol, revoking the invite, with a reason
  const kickReason = "invite revoked by acceptance test";
  await alice.kick(roomId, C, kickReason);
  states = await memberStates(alice, roomId);
  check("members kick", () => {
    assert.equal(states[C]?.membership, "leave");
    assert.equal(states[C]?.reason, kickReason);
    assert.equal(states[C]?.sender, A);
  });

  // alice bans bob
  const banReason = "banned by acceptance test";
  await alice.ban(roomId, B, banReason);
  states = await memberStates(alice, roomId);
  const afterBan = await joinedSet(alice, roomId);
  check("members ban", () => {
    assert.equal(states[B]?.membership, "ban");
    assert.equal(states[B]?.reason, banReason);
    assert.deepEqual(afterBan, [A]);
  });
  const bobJoinedWhileBanned = await bob.getJoinedRooms();
  check("joined_rooms bob banned", () => assert.ok(!bobJoinedWhileBanned.joined_rooms.includes(roomId)));

  // a banned bob cannot join
  const refused = await bob.joinRoom(roomId).then(() => null, (e) => e);
  check("join while banned refused", () => {
    assert.ok(refused, "banned bob joined");
    assert.equal(refused.httpStatus, 403, describe(refused));
    // Membership.Core (MembershipRules.ApiChecks) answers a banned joiner 403 M_BAD_STATE ("only an unban lifts a ban").
    assert.ok(["M_FORBIDDEN", "M_BAD_STATE"].includes(refused.errcode), describe(refused));
  });

  // alice unbans bob
  await alice.unban(roomId, B);
  states = await memberStates(alice, roomId);
  check("members unban", () => {
    assert.equal(states[B]?.membership, "leave");
    assert.equal(states[B]?.sender, A);
  });

  // bob joins again
  const rejoined = await bob.joinRoom(roomId);
  const afterRejoin = await joinedSet(bob, roomId);
  check("rejoin", () => {
    assert.equal(rejoined.roomId, roomId);
    assert.deepEqual(afterRejoin, [A, B]);
  });
  const bobRooms = await bob.getJoinedRooms();
  check("joined_rooms bob joined", () => assert.ok(bobRooms.joined_rooms.includes(roomId)));

  // bob leaves
  await bob.leave(roomId);
  states = await memberStates(alice, roomId);
  check("members final", () => {
    assert.deepEqual(Object.keys(states).sort(), [A, B, C]);
    assert.equal(states[A].membership, "join");
    assert.equal(states[B].membership, "leave");
    assert.equal(states[B].sender, B);
    assert.equal(states[C].membership, "leave");
    assert.equal(states[C].reason, kickReason);
    assert.equal(states[C].sender, A);
  });
  const joinedOnly = await alice.members(roomId, "join");
  check("members membership=join", () => assert.deepEqual(joinedOnly.chunk.map((e) => e.state_key), [A]));
  const notLeave = await alice.members(roomId, undefined, "leave");
  check("members not_membership=leave", () => assert.deepEqual(notLeave.chunk.map((e) => e.state_key), [A]));

  const finalJoined = await joinedSet(alice, roomId);
  check("joined_members final", () => assert.deepEqual(finalJoined, [A]));

  const bobFinal = await bob.getJoinedRooms();
  check("joined_rooms bob after leave", () => assert.ok(!bobFinal.joined_rooms.includes(roomId)));
  const aliceFinal = await alice.getJoinedRooms();
  check("joined_rooms alice", () => assert.ok(aliceFinal.joined_rooms.includes(roomId)));
  const carolFinal = await carol.getJoinedRooms();
  check("joined_rooms carol", () => assert.ok(!carolFinal.joined_rooms.includes(roomId)));

  console.log(JSON.stringify({ ok: true, roomId, checks }));
}

function describe(e) {
  if (e && (e.errcode !== undefined || e.httpStatus !== undefined)) {
    return `errcode=${e.errcode} httpStatus=${e.httpStatus} url=${e.url ?? ""} data=${JSON.stringify(e.data ?? {})}`;
  }
  return String(e?.stack ?? e);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error("acceptance failed after checks " + JSON.stringify(checks) + ": " + describe(e));
    if (e instanceof assert.AssertionError) console.error(e.stack);
    console.log(JSON.stringify({ ok: false, checks, error: describe(e) }));
    process.exit(1);
  },
);
