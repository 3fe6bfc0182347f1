#!/usr/bin/env bash
# Two checkouts' ./run.sh started at the same moment must not share anything: each gets its own Azurite (its own data
# folder and port) and its own service port, and says which; an access token issued by one is unknown to the other.
# The two checkouts are copies of this one (its sources and build output; node_modules linked, no .azurite/).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "two-checkouts: $*" >&2; for c in a b; do echo "--- ./run.sh of checkout $c:" >&2; cat "$work/$c.log" >&2 || true; done; exit 1; }

[ -f "$root/node_modules/.package-lock.json" ] || (cd "$root" && npm ci --no-audit --no-fund)
for c in a b; do
  mkdir "$work/$c"
  tar -C "$root" --exclude=./.git --exclude=./node_modules --exclude=./.azurite --exclude=./artifacts \
    --exclude=./bench/.work --exclude=TestResults -cf - . | tar -C "$work/$c" -xf -
  ln -s "$root/node_modules" "$work/$c/node_modules"
done

# Both at once, as two people (or two CI jobs) would; nothing in the environment names storage or a port.
unset MEMBERSHIP_STORAGE Membership__Storage__ConnectionString ASPNETCORE_URLS
for c in a b; do
  (cd "$work/$c" && exec ./run.sh > "$work/$c.log" 2>&1) &
  pids+=($!)
done

banner() { sed -n "s/^run.sh: $2 *\(.*\)/\1/p" "$work/$1.log" | head -n 1; }
for _ in $(seq 1 2400); do
  [ -n "$(banner a 'the service answers on')" ] && [ -n "$(banner b 'the service answers on')" ] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a ./run.sh stopped"; done
  sleep 0.25
done
url_a="$(banner a 'the service answers on')"; url_b="$(banner b 'the service answers on')"
storage_a="$(banner a '  storage')"; storage_b="$(banner b '  storage')"
[ -n "$url_a" ] && [ -n "$url_b" ] || fail "both did not say where they answer within 10 minutes"
echo "two-checkouts: a answers on $url_a, storage: $storage_a"
echo "two-checkouts: b answers on $url_b, storage: $storage_b"

[ "$url_a" != "$url_b" ] || fail "both say they answer on $url_a"
[[ "$storage_a" == *"data in $work/a/.azurite"* ]] || fail "a does not say it uses its own data folder"
[[ "$storage_b" == *"data in $work/b/.azurite"* ]] || fail "b does not say it uses its own data folder"
port_a="${storage_a#*127.0.0.1:}"; port_b="${storage_b#*127.0.0.1:}"
[ "${port_a%%,*}" != "${port_b%%,*}" ] || fail "both use the Azurite on port ${port_a%%,*}"

# What one stores, the other does not know: a token issued by a answers 200 on a and 401 on b.
admin="$(node "$root/tools/admin-query.mjs")"
token="$(curl -sS -XPOST "$url_a/v4/membership_admin/issue_token?$admin" -d '{"UserId":"alice"}' | node "$root/tools/field.mjs" AccessToken)"
whoami() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$1/_matrix/client/v3/account/whoami"; }
on_a="$(whoami "$url_a")"; on_b="$(whoami "$url_b")"
echo "two-checkouts: a token issued by a: whoami on a $on_a, on b $on_b"
[ "$on_a" = 200 ] && [ "$on_b" = 401 ] || fail "the token should be known to a (200) and unknown to b (401)"
echo "two-checkouts: the two ./run.sh share no storage and each says what it uses"
