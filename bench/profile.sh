#!/usr/bin/env bash
# Where the release server spends its time on one route: `perf record` on the server while wrk drives it,
# then the report by shared object and by symbol. Leads for optimisation, to be confirmed by bench/compare.sh.
# Usage: bash bench/profile.sh [scenario: get-session | get-session-cookie | tasks | task] [seconds, default 8]
# BA_BIN=path skips the release build. Needs perf (Debian `linux-perf`) and wrk; run as root or with
# kernel.perf_event_paranoid <= 1. With `inferno` on PATH (`cargo install inferno`) it also writes a flame graph.
# PROFILE_CALLGRAPH=dwarf records DWARF call stacks instead (the release build has no frame pointers) and
# adds the inclusive report: how much of the time each function and everything it calls takes, e.g.
# `sign::issue` (the set-auth-jwt signature) or `read_session` (the database read). It is slower to report.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-get-session}" secs="${2:-8}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# Symbols for the report: a release build with line tables, in its own profile directory.
if [ -z "${BA_BIN:-}" ]; then CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --quiet; fi
bin="${BA_BIN:-$CARGO_TARGET_DIR/release/better-auth-actix}"

out="${PROFILE_OUT:-${TMPDIR:-/tmp}/bat-profile}"
mkdir -p "$out"
db="bat_profile_$$" port=$((20000 + RANDOM % 20000))
createdb -h 127.0.0.1 -U postgres "$db"
secret="bench-secret-0123456789abcdef0123456789abcdef"
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" BETTER_AUTH_SECRET="$secret" \
  BETTER_AUTH_URL="http://127.0.0.1:$port" PORT="$port" LOG_LEVEL=warn RATE_LIMIT_ENABLED=false \
  "$bin" serve > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; dropdb -h 127.0.0.1 -U postgres --if-exists "$db"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done

signup=$(curl -sf -D "$out/headers" "$base/api/auth/sign-up/email" -H 'content-type: application/json' \
  -d '{"name":"Profile","email":"profile@example.com","password":"profile-password-1"}')
token=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$signup")
user_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user"]["id"])' "$signup")
cookie=$(awk 'tolower($1)=="set-cookie:" {split($2,kv,";"); printf "%s%s", sep, kv[1]; sep="; "}' "$out/headers")
jwt=$(python3 bench/mint-hs256.py "$secret" "$user_id")
task=$(curl -sf "$base/api/tasks" -H "authorization: Bearer $jwt" -H 'content-type: application/json' \
  -d '{"title":"Profile task"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
case "$scenario" in
  get-session) args=(-H "authorization: Bearer $token" "$base/api/auth/get-session") ;;
  get-session-cookie) args=(-H "cookie: $cookie" "$base/api/auth/get-session") ;;
  tasks) args=(-H "authorization: Bearer $jwt" "$base/api/tasks") ;;
  task) args=(-H "authorization: Bearer $jwt" "$base/api/tasks/$task") ;;
  *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
esac

wrk -t2 -c32 -d"$((secs + 2))s" "${args[@]}" > "$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 1
case "${PROFILE_CALLGRAPH:-fp}" in
  dwarf) perf record -F 499 --call-graph dwarf,16384 -p "$server" -o "$out/perf.data" -- sleep "$secs" 2> "$out/perf-record.log" ;;
  *) perf record -F 999 -g -p "$server" -o "$out/perf.data" -- sleep "$secs" 2> "$out/perf-record.log" ;;
esac
wait "$wrk_pid"
grep -E 'Requests/sec' "$out/wrk.txt"
echo "== by shared object"
tidy() { grep -E '^ +[0-9]' | sed 's/  */ /g; s/ - - *$//' | cut -c1-150; }
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | tidy | head -8
echo "== top symbols"
perf report -i "$out/perf.data" --no-children --sort symbol --stdio 2>/dev/null | tidy | head -30
if [ "${PROFILE_CALLGRAPH:-fp}" = dwarf ]; then
  echo "== inclusive (children), user space"
  perf report -i "$out/perf.data" --no-inline --children --sort symbol --stdio -g none 2>/dev/null | tidy |
    grep -v '\[k\]' | head -60
fi
if command -v inferno-collapse-perf >/dev/null; then
  perf script -i "$out/perf.data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph > "$out/flamegraph.svg"
  echo "flame graph: $out/flamegraph.svg"
fi
echo "perf data: $out/perf.data"
