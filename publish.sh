#!/usr/bin/env bash
# Builds a deployable Functions package (Flex Consumption, linux-x64). Both come from the same code:
#   ./publish.sh         the isolated-worker package (the default): ReadyToRun, run by the Functions host as a
#                        dotnet-isolated worker. artifacts/worker/ (functions.metadata, worker.config.json, host.json,
#                        the app) and artifacts/membership-worker.zip.
#   ./publish.sh --aot   the Native AOT custom-handler package (the fastest cold start): the `membership` binary, a
#                        host.json with customHandler, one {Function}/function.json per function, all derived from the
#                        [Function] declarations at publish. artifacts/aot/ and artifacts/membership-aot.zip.
# Needs the .NET SDK; --aot also needs a C toolchain (gcc; Native AOT links with it). docs/deploy.md says which to pick.
set -euo pipefail
cd "$(dirname "$0")"

kind=worker
case "${1:-}" in
  "") ;;
  --aot) kind=aot ;;
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "publish.sh: unknown option $1 (use --aot for the Native AOT package, nothing for the worker package)" >&2; exit 2 ;;
esac

package="artifacts/$kind"
zip="artifacts/membership-$kind.zip"
rm -rf "$package" "$zip"
mkdir -p artifacts

if [ "$kind" = worker ]; then
  echo "publish.sh: publishing the isolated worker (ReadyToRun, linux-x64) ..."
  dotnet publish functions -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$package" --nologo
  # The host loads functions from functions.metadata; a custom handler section would make it start us as one instead.
  for required in functions.metadata worker.config.json host.json membership.dll; do
    [ -f "$package/$required" ] || { echo "publish.sh: $required is missing from $package" >&2; exit 1; }
  done
else
  echo "publish.sh: compiling the Native AOT binary (linux-x64) ..."
  publish=artifacts/aot-publish
  rm -rf "$publish"
  dotnet publish functions -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=gcc -o "$publish" --nologo
  mkdir -p "$package"
  cp "$publish/membership" "$package/membership"
  # function.json files and host.json (with customHandler) derived from the declarations by the binary itself.
  "$package/membership" --write-custom-handler-files "$package" host.json
fi

# The zip holds the folder's contents at its root (hidden .azurefunctions/ included), as one-deploy expects.
python3 - "$package" "$zip" <<'PY'
import os, sys, zipfile
root, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, root))
            with open(path, "rb") as f:
                z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
PY
functions=$(find "$package" -name function.json | wc -l)
[ "$kind" = worker ] && functions=$(python3 -c "import json;print(len(json.load(open('$package/functions.metadata'))))")
echo "publish.sh: $kind package with $functions functions in $package, zip in $zip ($(du -h "$zip" | cut -f1))"
