#!/usr/bin/env bash
# Builds the deployable Functions package (Flex Consumption, custom handler):
#   artifacts/package/                    the Native AOT binary `membership`, host.json, one folder per function
#                                         holding its function.json, and nothing else
#   artifacts/membership-functions.zip    the same, zipped for one-deploy (az functionapp deployment source config-zip)
# Needs the .NET SDK and a C toolchain (gcc here; Native AOT links with it).
set -euo pipefail
cd "$(dirname "$0")"

publish=artifacts/publish
package=artifacts/package
rm -rf "$publish" "$package" artifacts/membership-functions.zip
mkdir -p "$package"

echo "publish.sh: compiling the Native AOT binary (linux-x64) ..."
dotnet publish functions -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=gcc -o "$publish" --nologo

cp "$publish/membership" "$package/membership"
cp host.json "$package/host.json"
while IFS= read -r manifest; do
  name=$(basename "$(dirname "$manifest")")
  if [ -e "$package/$name" ]; then
    echo "publish.sh: two functions are named $name; function folder names must be unique" >&2
    exit 1
  fi
  mkdir -p "$package/$name"
  cp "$manifest" "$package/$name/function.json"
done < <(find functions -name function.json -not -path '*/bin/*' -not -path '*/obj/*' | sort)

(cd "$package" && python3 -m zipfile -c ../membership-functions.zip ./*)
echo "publish.sh: $(find "$package" -name function.json | wc -l) functions; package in $package, zip in artifacts/membership-functions.zip ($(du -h artifacts/membership-functions.zip | cut -f1))"
