#!/usr/bin/env bash
# Starts the published Native AOT package the way the Functions host does (FUNCTIONS_CUSTOMHANDLER_PORT), against a
# private in-memory Azurite, and makes membership calls through it: issue a token (UserSig from Tencent's own npm
# package), create a room, a second user joins, kick, list members. Also prints the cold start: process start to
# the first successful membership response. Run ./publish.sh first. Exit 0 only if every step answers as expected.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
package="${1:-$root/artifacts/aot}"
binary="$package/membership"
[ -x "$binary" ] || { echo "smoke.sh: $binary is missing; run ./publish.sh --aot first" >&2; exit 2; }
[ -x "$root/node_modules/.bin/azurite-table" ] || (cd "$root" && npm ci --no-audit --no-fund)

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
storage_port=$(free_port); app_port=$(free_port)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$root/node_modules/.bin/azurite-table" --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$storage_port" --skipApiVersionCheck --disableTelemetry --silent &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$storage_port") 2>/dev/null && break; sleep 0.1; done

export Membership__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$storage_port/devstoreaccount1;"
base="http://127.0.0.1:$app_port"
sig=$(cd "$root" && node -e "const T=require('tls-sig-api-v2');console.log(new T.Api(1400000000,'5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e').genUserSig('administrator',86400))")
admin="sdkappid=1400000000&identifier=administrator&usersig=$sig&random=1&contenttype=json"
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }

start=$(date +%s%N)
(cd "$package" && FUNCTIONS_CUSTOMHANDLER_PORT="$app_port" exec ./membership) > "${TMPDIR:-/tmp}/membership-smoke.log" 2>&1 &
pids+=($!)
alice=""
for _ in $(seq 1 300); do
  if answer=$(curl -sf -XPOST "$base/v4/membership_admin/issue_token?$admin" -d '{"UserId":"alice"}' 2>/dev/null) \
     && [ "$(echo "$answer" | json '["ErrorCode"]')" = 0 ]; then
    alice=$(echo "$answer" | json '["AccessToken"]'); break
  fi
  sleep 0.01
done
first=$(date +%s%N)
[ -n "$alice" ] || { echo "smoke.sh: the AOT binary never answered issue_token"; cat "${TMPDIR:-/tmp}/membership-smoke.log"; exit 1; }
echo "smoke.sh: cold start (process start -> first successful issue_token): $(( (first - start) / 1000000 )) ms"

bob=$(curl -sf -XPOST "$base/v4/membership_admin/issue_token?$admin" -d '{"UserId":"bob"}' | json '["AccessToken"]')
room=$(curl -sf -XPOST "$base/_matrix/client/v3/createRoom" -H "Authorization: Bearer $alice" -d '{"preset":"public_chat"}' | json '["room_id"]')
r=$(python3 -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1],safe=''))" "$room")
curl -sf -XPOST "$base/_matrix/client/v3/rooms/$r/join" -H "Authorization: Bearer $bob" > /dev/null
curl -sf -XPOST "$base/_matrix/client/v3/rooms/$r/kick" -H "Authorization: Bearer $alice" -d '{"user_id":"@bob:localhost","reason":"smoke"}' > /dev/null
members=$(curl -sf "$base/_matrix/client/v3/rooms/$r/members" -H "Authorization: Bearer $alice")
echo "$members" | python3 -c '
import json,sys
chunk={e["state_key"]:e["content"] for e in json.load(sys.stdin)["chunk"]}
assert chunk["@alice:localhost"]["membership"]=="join", chunk
assert chunk["@bob:localhost"]=={"membership":"leave","reason":"smoke"}, chunk
'
curl -sf "$base/openapi/v1.json" | python3 -c '
import json,sys
doc=json.load(sys.stdin)
assert doc["openapi"].startswith("3.1"), doc["openapi"]
assert len(doc["paths"]) >= 30 and "/_matrix/client/{version}/rooms/{roomId}/kick" in doc["paths"], sorted(doc["paths"])
'
echo "smoke.sh: the AOT package served issue_token, createRoom, join, kick, members and /openapi/v1.json against Azurite"

# An unresolved Key Vault reference (App Service passes its text through) must stop the binary with one clear line.
set +e
refused=$(cd "$package" && FUNCTIONS_CUSTOMHANDLER_PORT="$(free_port)" \
  Membership__Tencent__SecretKey='@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/tencent-secret-key)' \
  timeout 20 ./membership 2>&1)
code=$?
set -e
[ "$code" = 1 ] && echo "$refused" | grep -q "Refusing to start: the Key Vault reference of Membership:Tencent:SecretKey was not resolved" \
  || { echo "smoke.sh: expected exit 1 naming the unresolved setting, got exit $code: $refused"; exit 1; }
echo "smoke.sh: the binary refuses to start on an unresolved Key Vault reference (exit 1, setting named)"
