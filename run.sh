#!/usr/bin/env bash
# Starts the service locally: installs the pinned Node tools (Azurite) if needed, starts Azurite unless table storage
# already answers on 127.0.0.1:10002, then runs the service on http://127.0.0.1:8008 (arguments go to the service,
# e.g. ./run.sh --urls http://127.0.0.1:9000). Membership__* environment variables configure it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/.package-lock.json ]; then
  echo "run.sh: installing pinned Node tools (npm ci) ..."
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

if (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  echo "run.sh: table storage already answers on 127.0.0.1:10002; using it"
else
  mkdir -p .azurite
  echo "run.sh: starting Azurite (tables on 127.0.0.1:10002, data in .azurite/) ..."
  node_modules/.bin/azurite-table --location .azurite --tableHost 127.0.0.1 --tablePort 10002 --skipApiVersionCheck --disableTelemetry --silent &
  azurite_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break
    sleep 0.1
  done
fi

echo "run.sh: building and starting the service ..."
dotnet build functions -c Release --nologo -v quiet
dotnet run --project functions -c Release --no-build -- "$@" &
service_pid=$!
wait "$service_pid"
