#!/usr/bin/env bash
# Runs the service locally (standalone Kestrel, Development environment) with storage of its own:
#   ./run.sh                          Azurite for this checkout alone (data in .azurite/), on 127.0.0.1:10002 when that
#                                     port is free, else on a free port; the service on http://127.0.0.1:8008 (or a
#                                     free port when 8008 is taken)
#   ./run.sh --storage URL|CONN       use storage that already runs instead: a table endpoint URL of an Azurite
#                                     (http://127.0.0.1:10002/devstoreaccount1) or a connection string; the same as
#                                     MEMBERSHIP_STORAGE=... ./run.sh (Membership__Storage__ConnectionString works too)
#   ./run.sh --urls http://127.0.0.1:9000    any other argument goes to the service
# Membership__* environment variables configure the service (docs/configuration.md). Ctrl-C stops everything it started.
# Needs the .NET SDK and Node.js 20+ (npm installs the pinned Azurite into node_modules/ on the first run).
set -euo pipefail
cd "$(dirname "$0")"

storage="${MEMBERSHIP_STORAGE:-}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --storage) storage="${2:?--storage needs a URL or a connection string}"; shift 2 ;;
    --storage=*) storage="${1#--storage=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

say() { echo "run.sh: $*"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

command -v node >/dev/null || { say "Node.js 20+ is needed (it runs Azurite and the tour's helpers)"; exit 2; }
if [ ! -f node_modules/.package-lock.json ]; then
  say "installing the pinned Node tools (npm ci) ..."
  npm ci --no-audit --no-fund
fi

azurite_pid=""
service_pid=""
cleanup() {
  trap - INT TERM EXIT
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null || true
  [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null && wait "$azurite_pid" 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -n "$storage" ]; then
  case "$storage" in
    http://*|https://*) connection="DefaultEndpointsProtocol=${storage%%:*};AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=$storage;" ;;
    *) connection="$storage" ;;
  esac
  where="the storage you named (--storage / MEMBERSHIP_STORAGE)"
elif [ -n "${Membership__Storage__ConnectionString:-}" ]; then
  connection="$Membership__Storage__ConnectionString"
  where="Membership__Storage__ConnectionString"
else
  storage_port=10002
  listening "$storage_port" && storage_port=$(free_port)
  mkdir -p .azurite
  node_modules/.bin/azurite-table --location .azurite --tableHost 127.0.0.1 --tablePort "$storage_port" \
    --skipApiVersionCheck --disableTelemetry --silent &
  azurite_pid=$!
  for _ in $(seq 1 100); do listening "$storage_port" && break; sleep 0.1; done
  listening "$storage_port" || { say "Azurite did not start on 127.0.0.1:$storage_port"; exit 1; }
  connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=http://127.0.0.1:$storage_port/devstoreaccount1;"
  where="Azurite of this checkout on 127.0.0.1:$storage_port, data in $(pwd)/.azurite"
fi

url=""
for arg in "${args[@]}"; do [ "${prev:-}" = --urls ] && url="$arg"; prev="$arg"; done
if [ -z "$url" ] && [ -z "${ASPNETCORE_URLS:-}" ]; then
  port=8008
  listening "$port" && port=$(free_port)
  url="http://127.0.0.1:$port"
  args+=(--urls "$url")
fi
url="${url:-${ASPNETCORE_URLS%%;*}}"

say "building the service ..."
dotnet build functions -c Release --nologo -v quiet
export Membership__Storage__ConnectionString="$connection" DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
dotnet run --project functions -c Release --no-build -- "${args[@]}" &
service_pid=$!
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$url/_matrix/client/versions" 2>/dev/null && break
  kill -0 "$service_pid" 2>/dev/null || { say "the service stopped during start-up (its output is above)"; exit 1; }
  sleep 0.1
done
cat <<EOF

run.sh: the service answers on $url
run.sh:   API reference  $url/docs   (OpenAPI document: $url/openapi/v1.json)
run.sh:   storage        $where
run.sh:   stop with Ctrl-C (stops the service$([ -n "$azurite_pid" ] && echo " and its Azurite"))

EOF
wait "$service_pid"
