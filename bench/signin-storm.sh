#!/usr/bin/env bash
# Memory and latency through sign-in storms: the release server on a fresh database, one user, then a
# 64-connection and a 256-connection storm of correct sign-ins with wrk (Debian package `wrk`), and
# get-session (bearer) measured during the 64-connection storm. Peak RSS is the server's VmHWM.
# Usage: bash bench/signin-storm.sh [seconds per storm, default 10]
# BENCH_BIN=/path/to/better-auth-actix skips the build (to compare two builds on the same script).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bin="${BENCH_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin="$CARGO_TARGET_DIR/release/better-auth-actix"
fi

db="bat_storm_$$"
port=$((20000 + RANDOM % 20000))
createdb -h 127.0.0.1 -U postgres "$db"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" \
  BETTER_AUTH_SECRET="bench-secret-0123456789abcdef0123456789abcdef" \
  BETTER_AUTH_URL="http://127.0.0.1:$port" PORT="$port" LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
  RATE_LIMIT_ENABLED=false  # measure the server, not 429s from one client IP
"$bin" serve > "${TMPDIR:-/tmp}/bench-storm-server.log" 2>&1 &
server=$!
lua="${TMPDIR:-/tmp}/bench-storm-$$.lua"
storm_out="${TMPDIR:-/tmp}/bench-storm-$$.out"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$lua" "$storm_out"; dropdb -h 127.0.0.1 -U postgres --if-exists "$db"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done

token=$(curl -sf "$base/api/auth/sign-up/email" -H 'content-type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","password":"bench-password-1"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-1"}'
LUA

status_kib() { awk -v k="$1:" '$1==k {print $2}' "/proc/$server/status"; }
mib() { echo "$(( $1 / 1024 )) MiB"; }
row() { # name, wrk output
  local rps p50 p99 non2xx errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1=="50%" {print $2}' <<<"$2")
  p99=$(awk '$1=="99%" {print $2}' <<<"$2")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$2")
  errors=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$2")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" "${errors:-0}" \
    "$(mib "$(status_kib VmHWM)")"
}

echo "| scenario | req/s | p50 | p99 | non-2xx | socket errors | peak RSS so far |"
echo "|---|---|---|---|---|---|---|"
echo "| idle, after sign-up (RSS $(mib "$(status_kib VmRSS)")) | | | | | | $(mib "$(status_kib VmHWM)") |"

# Sign-ins queue for seconds, so wrk's default 2 s timeout would hide the slowest ones.
# 64 connections of sign-in; get-session measured inside the storm (starts 1 s in, ends 1 s before).
wrk -t1 -c64 -d"${seconds}s" --timeout 30s --latency -s "$lua" "$base/api/auth/sign-in/email" > "$storm_out" 2>&1 &
storm=$!
sleep 1
session=$(wrk -t1 -c32 -d"$((seconds - 2))s" --latency -H "authorization: Bearer $token" "$base/api/auth/get-session" 2>&1)
wait $storm || true
row "POST sign-in, 64 connections" "$(cat "$storm_out")"
row "GET get-session during the 64-connection storm" "$session"

row "POST sign-in, 256 connections" "$(wrk -t2 -c256 -d"${seconds}s" --timeout 30s --latency -s "$lua" "$base/api/auth/sign-in/email" 2>&1)"
echo "| idle, after the storms (RSS $(mib "$(status_kib VmRSS)")) | | | | | | $(mib "$(status_kib VmHWM)") |"
