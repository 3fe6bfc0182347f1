#!/usr/bin/env bash
# Builds and lints infra/bicep with the bicep CLI from NuGet (no Azure access, no network but NuGet).
#   infra/lint.sh        exit 0 only if every file builds and lints with no warning and no error
#
# 1. `dotnet restore infra/bicep-cli/BicepCli.proj` downloads Azure.Bicep.CommandLine.linux-x64
#    (a PackageDownload) into the NuGet global packages folder; its obj/ goes to a temp dir.
# 2. The native `bicep` binary is taken from <global-packages>/azure.bicep.commandline.linux-x64/<v>/tools/.
# 3. `bicep build` + `bicep lint` on every .bicep file, `bicep lint` + `bicep build-params` on every
#    .bicepparam under infra/bicep, all output (ARM JSON) into the temp dir. Rules and levels: infra/bicepconfig.json.
#    bicep exits 0 on warnings and prints them to stderr, so any "Warning" or "Error" line fails.
set -euo pipefail

BICEP_VERSION=0.49.2 # keep in step with infra/bicep-cli/BicepCli.proj
PACKAGE_ID=azure.bicep.commandline.linux-x64

infra="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "lint.sh: the bicep CLI package used here is linux-x64 only (this is $(uname -s)-$(uname -m))" >&2; exit 2 ;;
esac

echo "== restore bicep CLI $BICEP_VERSION (NuGet $PACKAGE_ID)"
dotnet restore "$infra/bicep-cli/BicepCli.proj" --nologo -v quiet "-p:BaseIntermediateOutputPath=$work/obj/" >"$work/restore.log" 2>&1 \
  || { cat "$work/restore.log" >&2; exit 1; }

packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
packages="${packages%/}"
bicep="$packages/$PACKAGE_ID/$BICEP_VERSION/tools/bicep"
[[ -f "$bicep" ]] || { echo "lint.sh: bicep binary not found at $bicep" >&2; exit 1; }
chmod +x "$bicep"
echo "   $("$bicep" --version)"

# The example .bicepparam reads its two secrets from the environment; give it throwaway values
# (they only reach the temp dir) unless the caller has real ones set.
export MEMBERSHIP_TENCENT_SECRET_KEY="${MEMBERSHIP_TENCENT_SECRET_KEY:-lint-placeholder}"
export MEMBERSHIP_FEDERATION_SIGNING_KEY="${MEMBERSHIP_FEDERATION_SIGNING_KEY:-lint-placeholder}"

failed=0
# run <label> <command...>: prints the command's output; fails on a non-zero exit or any warning/error line.
run() {
  local label="$1"; shift
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  if [[ $rc -ne 0 ]] || grep -Eq '(^|[ :])(Warning|Error) ' <<<"$out"; then
    echo "FAIL $label" >&2
    [[ -n "$out" ]] && printf '%s\n' "$out" >&2
    failed=1
  else
    echo "ok   $label"
  fi
}

cd "$infra"
mapfile -t bicep_files < <(find bicep -name '*.bicep' | sort)
mapfile -t param_files < <(find bicep -name '*.bicepparam' | sort)
[[ ${#bicep_files[@]} -gt 0 ]] || { echo "lint.sh: no .bicep files under $infra/bicep" >&2; exit 1; }
printf '   %s\n' "${bicep_files[@]}" "${param_files[@]}"

# One bicep process per step (--pattern): starting the 120 MB single-file CLI dominates the run time.
run "build        bicep/**/*.bicep" "$bicep" build --pattern 'bicep/**/*.bicep' --outdir "$work/build"
run "lint         bicep/**/*.bicep" "$bicep" lint --pattern 'bicep/**/*.bicep'
if [[ ${#param_files[@]} -gt 0 ]]; then
  run "lint         bicep/**/*.bicepparam" "$bicep" lint --pattern 'bicep/**/*.bicepparam'
  run "build-params bicep/**/*.bicepparam" "$bicep" build-params --pattern 'bicep/**/*.bicepparam' --outdir "$work/params"
fi

if [[ $failed -ne 0 ]]; then
  echo "== bicep: FAILED (warnings count as failures)" >&2
  exit 1
fi
echo "== bicep: ${#bicep_files[@]} .bicep and ${#param_files[@]} .bicepparam files build and lint clean"
