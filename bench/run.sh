#!/usr/bin/env bash
# The benchmark harness (DESIGN.md §10): builds the service (Release JIT, and Native AOT via ./publish.sh), starts
# in-memory Azurite behind a counting proxy, measures, and writes bench/results/latest.json and latest.svg.
#   bench/run.sh --quick               a short run while developing (minutes, mostly the AOT publish)
#   bench/run.sh --quick --reuse-aot   skip the AOT publishes when binaries exist
#   bench/run.sh                       the full run whose figures are recorded
#   bench/run.sh --help                every option
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ]; then
  echo "bench/run.sh: installing pinned Node tools (npm ci) ..."
  npm ci --no-audit --no-fund
fi
exec dotnet run -c Release --project bench/Membership.Bench -- "$@"
