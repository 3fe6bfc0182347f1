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
locked=""
work="$(mktemp -d)"
cleanup() {
  trap - INT TERM EXIT
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null || true
  [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null && wait "$azurite_pid" 2>/dev/null || true
  [ -n "$locked" ] && rm -rf .azurite/.run.lock
  rm -rf "$work"
}
trap cleanup INT TERM EXIT

# Each start below is checked by its own process's output, not by probing the port: a ./run.sh of another checkout
# starting at the same moment may take the same port first, and then this one moves to a free port.

# start_azurite PORT: this checkout's Azurite on PORT; returns 1 (nothing left running) when the port was taken.
start_azurite() {
  node_modules/.bin/azurite-table --location .azurite --tableHost 127.0.0.1 --tablePort "$1" \
    --skipApiVersionCheck --disableTelemetry --silent > "$work/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 300); do
    grep -q "successfully started" "$work/azurite.log" && return 0
    if ! kill -0 "$azurite_pid" 2>/dev/null; then
      azurite_pid=""
      grep -q EADDRINUSE "$work/azurite.log" && return 1
      say "Azurite stopped during start-up:"; cat "$work/azurite.log"; exit 1
    fi
    sleep 0.1
  done
  say "Azurite did not start on 127.0.0.1:$1 within 30 s:"; cat "$work/azurite.log"; exit 1
}

# start_service [--urls URL]: the service, its output shown and kept; returns 1 (nothing left running) when its
# address was taken. Kestrel's "Now listening on:" line says this process holds the address.
start_service() {
  : > "$work/service.log"
  dotnet run --project functions -c Release --no-build -- ${args[@]+"${args[@]}"} "$@" \
    --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information > >(tee -a "$work/service.log") 2>&1 &
  service_pid=$!
  for _ in $(seq 1 600); do
    grep -q "Now listening on:" "$work/service.log" && return 0
    if ! kill -0 "$service_pid" 2>/dev/null; then
      wait "$service_pid" 2>/dev/null || true
      service_pid=""
      grep -q "address already in use" "$work/service.log" && return 1
      say "the service stopped during start-up (its output is above)"; exit 1
    fi
    sleep 0.1
  done
  say "the service did not start listening within 60 s"; exit 1
}

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
  # One Azurite per data folder: a second ./run.sh of this checkout would write the same files.
  mkdir -p .azurite
  if ! mkdir .azurite/.run.lock 2>/dev/null; then
    other="$(cat .azurite/.run.lock/pid 2>/dev/null || true)"
    if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
      say "another ./run.sh of this checkout (pid $other) is using .azurite/; stop it, or share its storage with --storage"
      exit 1
    fi
    rm -rf .azurite/.run.lock && mkdir .azurite/.run.lock # left behind by a run that was killed
  fi
  echo $$ > .azurite/.run.lock/pid
  locked=1
  storage_port=10002
  listening "$storage_port" && storage_port=$(free_port)
  for _ in 1 2 3 4 5; do
    start_azurite "$storage_port" && break
    storage_port=$(free_port)
  done
  [ -n "$azurite_pid" ] || { say "could not start Azurite: every port tried was taken"; exit 1; }
  connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=http://127.0.0.1:$storage_port/devstoreaccount1;"
  where="Azurite of this checkout on 127.0.0.1:$storage_port, data in $(pwd)/.azurite"
fi

url=""
for arg in ${args[@]+"${args[@]}"}; do [ "${prev:-}" = --urls ] && url="$arg"; prev="$arg"; done

say "building the service ..."
dotnet build functions -c Release --nologo -v quiet
export Membership__Storage__ConnectionString="$connection" DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
if [ -n "$url" ] || [ -n "${ASPNETCORE_URLS:-}" ]; then
  url="${url:-${ASPNETCORE_URLS%%;*}}"
  start_service || { say "$url is taken by another program"; exit 1; }
else
  port=8008
  listening "$port" && port=$(free_port)
  for _ in 1 2 3 4 5; do
    url="http://127.0.0.1:$port"
    start_service --urls "$url" && break
    say "127.0.0.1:$port was taken meanwhile; trying another port"
    port=$(free_port)
  done
  [ -n "$service_pid" ] || { say "could not start the service: every port tried was taken"; exit 1; }
fi
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$url/_matrix/client/versions" 2>/dev/null && break
  kill -0 "$service_pid" 2>/dev/null || { say "the service stopped during start-up (its output is above)"; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "$url/_matrix/client/versions" 2>/dev/null || { say "the service does not answer on $url"; exit 1; }
cat <<EOF

run.sh: the service answers on $url
run.sh:   API reference  $url/docs   (OpenAPI document: $url/openapi/v1.json)
run.sh:   storage        $where
run.sh:   stop with Ctrl-C (stops the service$([ -n "$azurite_pid" ] && echo " and its Azurite"))

EOF
wait "$service_pid"
