#!/usr/bin/env bash
# Benchmarks the release server with wrk (Debian package `wrk`) on loopback, against a fresh database.
# Usage: bash bench/run.sh [duration, default 10s]. Prints one table row per scenario (markdown).
# BA_BIN=path/to/better-auth-actix skips the build and benchmarks that binary.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BA_BIN:-}" ]; then cargo build --release --quiet; fi
bin="${BA_BIN:-$CARGO_TARGET_DIR/release/better-auth-actix}"

db="bat_bench_$$"
port=$((20000 + RANDOM % 20000))
createdb -h 127.0.0.1 -U postgres "$db"
secret="bench-secret-0123456789abcdef0123456789abcdef"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" BETTER_AUTH_SECRET="$secret" \
  BETTER_AUTH_URL="http://127.0.0.1:$port" PORT="$port" LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
  RATE_LIMIT_ENABLED=false  # measure the server, not 429s from one client IP
"$bin" serve > "${TMPDIR:-/tmp}/bench-server.log" 2>&1 &
server=$!
# A second instance on the same database with the cookie cache on (compact), for get-session with and without it.
cache_port=$((port + 1))
PORT="$cache_port" BETTER_AUTH_URL="http://127.0.0.1:$cache_port" SESSION_COOKIE_CACHE=compact \
  "$bin" serve --no-migrate > "${TMPDIR:-/tmp}/bench-server-cache.log" 2>&1 &
cached_server=$!
trap 'kill $server $cached_server 2>/dev/null; wait $server $cached_server 2>/dev/null; dropdb -h 127.0.0.1 -U postgres --if-exists "$db"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"

signup=$(curl -sf "$base/api/auth/sign-up/email" -H 'content-type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","password":"bench-password-1"}')
token=$(printf '%s' "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
user_id=$(printf '%s' "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
jwt=$(python3 bench/mint-hs256.py "$secret" "$user_id")

lua="${TMPDIR:-/tmp}/bench-$$.lua"
run() { # name, wrk args...
  local name="$1"; shift
  local out; out=$(wrk -t2 -c32 -d"$duration" --latency "$@" 2>&1)
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "| scenario | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "GET /api/auth/get-session (bearer)" -H "authorization: Bearer $token" "$base/api/auth/get-session"

cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-1"}'
LUA
run "POST /api/auth/sign-in/email (argon2id)" -s "$lua" "$base/api/auth/sign-in/email"

# get-session with the session cookie, cookie cache off, then on (a cache hit reads no session row).
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$cache_port/health" >/dev/null && break; sleep 0.1; done
cookies() { # base URL → the Cookie header a sign-in there sets
  curl -sf -o /dev/null -D - "$1/api/auth/sign-in/email" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1"}' |
    awk 'tolower($1)=="set-cookie:" {sub(/;.*/, "", $2); printf "%s%s", sep, $2; sep="; "}'
}
run "GET /api/auth/get-session (cookie, cache off)" -H "cookie: $(cookies "$base")" "$base/api/auth/get-session"
cache_base="http://127.0.0.1:$cache_port"
run "GET /api/auth/get-session (cookie, compact cache hit)" -H "cookie: $(cookies "$cache_base")" "$cache_base/api/auth/get-session"

# get-session while a sign-in storm saturates the hashing pool: the async workers must stay free.
wrk -t1 -c64 -d"$duration" -s "$lua" "$base/api/auth/sign-in/email" >/dev/null 2>&1 &
storm=$!
sleep 1
run "GET /api/auth/get-session during a sign-in storm" -H "authorization: Bearer $token" "$base/api/auth/get-session"
wait $storm || true

if curl -sf -o /dev/null -H "authorization: Bearer $jwt" "$base/api/tasks"; then
  for i in $(seq 1 20); do
    curl -sf -o /dev/null -H "authorization: Bearer $jwt" -H 'content-type: application/json' \
      -d "{\"title\":\"Task $i\",\"tags\":[\"bench\"]}" "$base/api/tasks"
  done
  task_id=$(curl -sf -H "authorization: Bearer $jwt" "$base/api/tasks?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  run "GET /api/tasks (20 tasks, HS256 JWT)" -H "authorization: Bearer $jwt" "$base/api/tasks"
  run "GET /api/tasks/{id} (HS256 JWT)" -H "authorization: Bearer $jwt" "$base/api/tasks/$task_id"
  cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"title":"Benchmark task","priority":"high","tags":["bench"]}'
LUA
  run "POST /api/tasks (HS256 JWT)" -s "$lua" -H "authorization: Bearer $jwt" "$base/api/tasks"
fi
rm -f "$lua"
