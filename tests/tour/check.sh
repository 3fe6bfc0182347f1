#!/usr/bin/env bash
# Runs the README's tour exactly as written against ./run.sh and fails when a step does not answer as the README says.
# The tour is the ```bash block between <!-- tour --> and <!-- /tour -->; what it must print is the ```text block
# between <!-- tour-output --> and <!-- /tour-output --> (each line: a step and its HTTP status). Run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
run_pid=""
# ./run.sh stopped by TERM answers 143; under set -e that status would become this script's own.
cleanup() { [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

block() { # block MARKER: the fenced code inside <!-- MARKER --> ... <!-- /MARKER -->
  awk -v start="<!-- $1 -->" -v end="<!-- /$1 -->" '
    $0 == start { inside = 1; next }
    $0 == end { inside = 0 }
    inside && /^```/ { fence = !fence; next }
    inside && fence { print }' README.md
}
block tour > "$work/tour.sh"
block tour-output > "$work/expected.txt"
[ -s "$work/tour.sh" ] && [ -s "$work/expected.txt" ] || { echo "tour: README.md has no tour or no expected output between the markers" >&2; exit 1; }

# A fresh ./run.sh: its own Azurite and data folder (.azurite/), as a newcomer gets it.
export MEMBERSHIP_STORAGE=""
unset Membership__Storage__ConnectionString
./run.sh > "$work/run.log" 2>&1 &
run_pid=$!
url=""
for _ in $(seq 1 1200); do
  url=$(sed -n 's/^run.sh: the service answers on \(http[^ ]*\).*/\1/p' "$work/run.log" | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$run_pid" 2>/dev/null || { echo "tour: ./run.sh stopped:"; cat "$work/run.log"; exit 1; }
  sleep 0.25
done
[ -n "$url" ] || { echo "tour: ./run.sh did not say where the service answers"; cat "$work/run.log"; exit 1; }
echo "tour: ./run.sh answers on $url"

# The tour as written; only its base address follows run.sh, which takes another port when 8008 is busy.
grep -qx 'base=http://127.0.0.1:8008' "$work/tour.sh" || { echo "tour: the tour has no line base=http://127.0.0.1:8008 to point at ./run.sh" >&2; exit 1; }
sed "s#^base=http://127.0.0.1:8008\$#base=$url#" "$work/tour.sh" > "$work/tour.run.sh"   # not sed -i: BSD sed differs
if ! bash -e "$work/tour.run.sh" > "$work/actual.txt" 2> "$work/errors.txt"; then
  echo "tour: a step failed:"; cat "$work/actual.txt" "$work/errors.txt"; exit 1
fi

grep -E '^[A-Za-z_ ]+ [0-9]{3}$' "$work/actual.txt" > "$work/statuses.txt" || true
if ! diff -u "$work/expected.txt" "$work/statuses.txt"; then
  echo "tour: the statuses differ from the README's (above); the whole output:"; cat "$work/actual.txt"; exit 1
fi
echo "tour: every step of the README's tour answered as the README says ($(wc -l < "$work/expected.txt") steps)"
