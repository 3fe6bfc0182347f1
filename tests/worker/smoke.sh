#!/usr/bin/env bash
# Smoke test of the published isolated-worker package: the Functions host double (tests/Membership.HostDouble) starts
# it as the Functions host does and drives membership calls through it against a private Azurite. Run ./publish.sh first.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
package="${1:-$root/artifacts/worker}"
[ -f "$package/membership.dll" ] || { echo "worker smoke: $package/membership.dll is missing; run ./publish.sh first" >&2; exit 2; }
[ -x "$root/node_modules/.bin/azurite-table" ] || (cd "$root" && npm ci --no-audit --no-fund)
dotnet run --project "$root/tests/worker/Membership.WorkerSmoke.csproj" -c Release -- "$package"
