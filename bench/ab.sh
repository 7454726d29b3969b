#!/usr/bin/env bash
# A/B of two release binaries on one route, interleaved (A B A B ...), each on a fresh database, with
# PostgreSQL's `pgbench -S -M prepared` between rounds as the machine's yardstick: how each change to the
# server was judged (this machine's throughput moves by a third between minutes, so only figures taken
# side by side compare).
# Usage: bash bench/ab.sh BIN_A BIN_B [rounds, default 3] [seconds, default 8] [scenario]
# Scenarios: get-session-cookie (default), get-session-64 (64 sessions' cookies in turn, bench/rotate.lua),
# get-session (bearer), tasks, task, create (POST /api/tasks), complete (PATCH /api/tasks/{id}/complete).
# AB_DATABASE=sqlite runs both servers on their own SQLite file instead of PostgreSQL. Needs wrk and pgbench.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_a="$1" bin_b="$2" rounds="${3:-3}" secs="${4:-8}" scenario="${5:-get-session-cookie}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
secret="bench-secret-0123456789abcdef0123456789abcdef"
tmp="$(mktemp -d)" pids=() dbs=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "${dbs[@]}"; do dropdb -h 127.0.0.1 -U postgres --if-exists "$db" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgbench_db="bat_ab_pgbench_$$"; createdb -h 127.0.0.1 -U postgres "$pgbench_db"; dbs+=("$pgbench_db")
pgbench -h 127.0.0.1 -U postgres -i -q -s 10 "$pgbench_db" >/dev/null 2>&1

# start LABEL BINARY: the server on a fresh database; sets port_LABEL.
start() {
  local label="$1" bin="$2" db="bat_ab_$1_$$" port url
  port=$(free_port)
  if [ "${AB_DATABASE:-}" = sqlite ]; then
    url="sqlite://$tmp/$label.db"
  else
    createdb -h 127.0.0.1 -U postgres "$db"; dbs+=("$db")
    url="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
  fi
  env BETTER_AUTH_SECRET="$secret" LOG_LEVEL=warn RATE_LIMIT_ENABLED=false DATABASE_POOL_SIZE=16 \
    DATABASE_URL="$url" PORT="$port" \
    BETTER_AUTH_URL="http://127.0.0.1:$port" "$bin" serve > "$tmp/$label.log" 2>&1 &
  pids+=($!)
  printf -v "port_$label" '%s' "$port"
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
  echo "not up: $label ($tmp/$label.log)" >&2; exit 1
}
# wrk_args PORT: signs a user up and sets `args` to the scenario's wrk arguments.
wrk_args() {
  local base="http://127.0.0.1:$1" signup token user cookie jwt task
  signup=$(curl -sf -D "$tmp/headers" "$base/api/auth/sign-up/email" -H 'content-type: application/json' \
    -d '{"name":"AB","email":"ab@example.com","password":"ab-password-0123"}')
  token=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$signup")
  user=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user"]["id"])' "$signup")
  cookie=$(awk 'tolower($1)=="set-cookie:" {split($2,kv,";"); printf "%s%s", sep, kv[1]; sep="; "}' "$tmp/headers")
  jwt=$(python3 bench/mint-hs256.py "$secret" "$user")
  for _ in $(seq 1 20); do
    task=$(curl -sf "$base/api/tasks" -H "authorization: Bearer $jwt" -H 'content-type: application/json' \
      -d '{"title":"AB task"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  done
  case "$scenario" in
    get-session-cookie) args=(-H "cookie: $cookie" "$base/api/auth/get-session") ;;
    get-session-64)
      for _ in $(seq 1 64); do
        curl -sf -D "$tmp/headers" -o /dev/null "$base/api/auth/sign-in/email" -H 'content-type: application/json' \
          -d '{"email":"ab@example.com","password":"ab-password-0123"}'
        awk 'tolower($1)=="set-cookie:" {split($2,kv,";"); printf "%s%s", sep, kv[1]; sep="; "} END {print ""}' \
          "$tmp/headers" >> "$tmp/$1.cookies"
      done
      args=(-s bench/rotate.lua "$base/api/auth/get-session" -- cookie "$tmp/$1.cookies") ;;
    get-session) args=(-H "authorization: Bearer $token" "$base/api/auth/get-session") ;;
    tasks) args=(-H "authorization: Bearer $jwt" "$base/api/tasks") ;;
    task) args=(-H "authorization: Bearer $jwt" "$base/api/tasks/$task") ;;
    create)
      printf 'wrk.method = "POST"\nwrk.body = [[{"title":"AB bench task"}]]\nwrk.headers["content-type"] = "application/json"\n' \
        > "$tmp/create.lua"
      args=(-s "$tmp/create.lua" -H "authorization: Bearer $jwt" "$base/api/tasks") ;;
    complete)
      printf 'wrk.method = "PATCH"\n' > "$tmp/complete.lua"
      args=(-s "$tmp/complete.lua" -H "authorization: Bearer $jwt" "$base/api/tasks/$task/complete") ;;
    *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
  esac
}
start a "$bin_a"; start b "$bin_b"
wrk_args "$port_a"; args_a=("${args[@]}")
wrk_args "$port_b"; args_b=("${args[@]}")
# rps ARGS...: "req/s p99" of one wrk run, or "non-2xx" when any answer was not 2xx.
rps() {
  wrk -t2 -c32 -d"${secs}s" --latency "$@" |
    awk '/Non-2xx/ {bad=1} /Requests\/sec/ {r=$2} $1=="99%" {p=$2} END {print (bad ? "non-2xx -" : r " " p)}'
}
rps -d2s "${args_a[@]}" >/dev/null; rps -d2s "${args_b[@]}" >/dev/null
echo "| round | A req/s | A p99 | B req/s | B p99 | B / A | pgbench -S tps |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  read -r a a99 < <(rps "${args_a[@]}")
  read -r b b99 < <(rps "${args_b[@]}")
  tps=$(pgbench -h 127.0.0.1 -U postgres -S -M prepared -c 32 -j 2 -T "$secs" "$pgbench_db" 2>/dev/null | awk '/^tps/ {print int($3)}')
  echo "| $round | $a | $a99 | $b | $b99 | $(python3 -c "print(f'{$b/$a:.3f}')" 2>/dev/null || echo -) | $tps |"
done
