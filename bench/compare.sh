#!/usr/bin/env bash
# Side by side, in one run on this machine: ours against the real Better Auth 1.7.25 (the interop oracle,
# same options) for the auth routes, against the seed's backend (bench/peers/fastapi: FastAPI + SQLModel
# on asyncpg + PyJWT, 2 uvicorn workers) for the task API, and against PostgreSQL's own limit
# (`pgbench -S -M prepared`, same concurrency). Every scenario runs interleaved, A B A B, each side on a
# fresh database; the table gives each side's mean req/s and p99 and the ratio. The SQLite rows run ours on
# an embedded file against Better Auth on better-sqlite3 (auth) and against the FastAPI peer on PostgreSQL
# (tasks; the seed's backend has no SQLite flavour), both with synchronous=NORMAL in WAL mode on ours.
# Usage: bash bench/compare.sh [duration per run, default 10s]
# BA_BIN=path skips the release build. Needs wrk (installed from Debian when missing), Node 20 and
# python3 (the peers are installed into $CARGO_TARGET_DIR/bench-venv and tests/interop/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BA_BIN:-}" ]; then cargo build --release --quiet; fi
bin="${BA_BIN:-$CARGO_TARGET_DIR/release/better-auth-actix}"
# The oracle's packages, installed again whenever the lockfile changed since the last install.
if ! cmp -s tests/interop/package-lock.json tests/interop/node_modules/.installed-lock.json 2>/dev/null; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi
venv="${BENCH_VENV:-$CARGO_TARGET_DIR/bench-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r bench/peers/fastapi/requirements.txt

tmp="$(mktemp -d)"
secret="bench-secret-0123456789abcdef0123456789abcdef"
pg="postgres://postgres@127.0.0.1:5432"
dbs=() pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "${dbs[@]}"; do dropdb -h 127.0.0.1 -U postgres --if-exists "$db" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP_LOGS:-}" ] || trap 'cp -r "$tmp" /tmp/bench-compare-logs; cleanup' EXIT
fresh_db() { local name="bat_cmp_$1_$$"; createdb -h 127.0.0.1 -U postgres "$name"; dbs+=("$name"); echo "$name"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
start() { # log-name, command... -> the PID (the caller adds it to pids: this runs in a subshell)
  "${@:2}" > "$tmp/$1.log" 2>&1 &
  echo $!
}

# --- the servers -------------------------------------------------------------------------------
ours_db=$(fresh_db ours) node_db=$(fresh_db node) fastapi_db=$(fresh_db fastapi) pgbench_db=$(fresh_db pgbench)
common_env=(BETTER_AUTH_SECRET="$secret" LOG_LEVEL=warn RATE_LIMIT_ENABLED=false)
# 16 connections: 32 (wrk's and pgbench's concurrency) gains a few per cent on get-session, but 32
# PostgreSQL backends on 2 cores put the task routes' p99 at 20-600 ms instead of 5-7 ms.
p_ours=$(free_port) p_ours_cache=$(free_port) p_node=$(free_port) p_node_cache=$(free_port) p_fastapi=$(free_port)
pid_ours=$(start ours env "${common_env[@]}" DATABASE_URL="$pg/$ours_db?sslmode=disable" PORT="$p_ours" \
  BETTER_AUTH_URL="http://127.0.0.1:$p_ours" DATABASE_POOL_SIZE=16 "$bin" serve)
pids+=("$pid_ours")
wait_up "http://127.0.0.1:$p_ours/health"
pid_ours_cache=$(start ours-cache env "${common_env[@]}" DATABASE_URL="$pg/$ours_db?sslmode=disable" \
  PORT="$p_ours_cache" BETTER_AUTH_URL="http://127.0.0.1:$p_ours_cache" DATABASE_POOL_SIZE=16 \
  SESSION_COOKIE_CACHE=compact "$bin" serve --no-migrate)
pids+=("$pid_ours_cache")
pid_node=$(start node env "${common_env[@]}" DATABASE_URL="$pg/$node_db" PORT="$p_node" \
  BETTER_AUTH_URL="http://127.0.0.1:$p_node" NODE_ENV=development node tests/interop/oracle/server.mjs)
pids+=("$pid_node")
wait_up "http://127.0.0.1:$p_node/health"
pid_node_cache=$(start node-cache env "${common_env[@]}" DATABASE_URL="$pg/$node_db" PORT="$p_node_cache" \
  BETTER_AUTH_URL="http://127.0.0.1:$p_node_cache" NODE_ENV=development ORACLE_MIGRATE=0 \
  SESSION_COOKIE_CACHE=compact node tests/interop/oracle/server.mjs)
pid_fastapi=$(cd bench/peers/fastapi && start fastapi env BETTER_AUTH_SECRET="$secret" \
  DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/$fastapi_db" \
  "$venv/bin/uvicorn" app:app --host 127.0.0.1 --port "$p_fastapi" --workers 2 --log-level warning)
pids+=("$pid_node_cache" "$pid_fastapi")
lite="$tmp/sqlite"; mkdir -p "$lite"; : > "$lite/node.db"
p_ours_lite=$(free_port) p_node_lite=$(free_port)
pid_ours_lite=$(start ours-sqlite env "${common_env[@]}" DATABASE_URL="sqlite://$lite/ours.db" PORT="$p_ours_lite" \
  BETTER_AUTH_URL="http://127.0.0.1:$p_ours_lite" DATABASE_POOL_SIZE=16 "$bin" serve)
pid_node_lite=$(start node-sqlite env "${common_env[@]}" DATABASE_URL="sqlite://$lite/node.db" PORT="$p_node_lite" \
  BETTER_AUTH_URL="http://127.0.0.1:$p_node_lite" NODE_ENV=development node tests/interop/oracle/server.mjs)
pids+=("$pid_ours_lite" "$pid_node_lite")
wait_up "http://127.0.0.1:$p_ours_lite/health"
wait_up "http://127.0.0.1:$p_node_lite/health"
wait_up "http://127.0.0.1:$p_ours_cache/health"
wait_up "http://127.0.0.1:$p_node_cache/health"
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p_fastapi/api/tasks" && break; sleep 0.2; done

# --- credentials -------------------------------------------------------------------------------
# sign_up PORT -> "<cookie header>\t<bearer token>\t<user id>" ; sign_in PORT -> cookie header
cookie_header() { awk 'tolower($1)=="set-cookie:" {split($2,kv,";"); printf "%s%s", sep, kv[1]; sep="; "}' "$1"; }
sign_up() {
  curl -sf -D "$tmp/h" -o "$tmp/b" "http://127.0.0.1:$1/api/auth/sign-up/email" -H 'content-type: application/json' \
    -H "origin: http://127.0.0.1:$1" -d '{"name":"Bench","email":"bench@example.com","password":"bench-password-1"}'
  printf '%s\t%s\t%s\n' "$(cookie_header "$tmp/h")" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/b")" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["id"])' "$tmp/b")"
}
sign_in() {
  curl -sf -D "$tmp/h" -o "$tmp/b" "http://127.0.0.1:$1/api/auth/sign-in/email" -H 'content-type: application/json' \
    -H "origin: http://127.0.0.1:$1" -d '{"email":"bench@example.com","password":"bench-password-1"}'
  cookie_header "$tmp/h"
}
# sessions PORT NAME: $tmp/NAME.cookie and $tmp/NAME.bearer, one header value per line for each of 64
# sessions of the bench user, for bench/rotate.lua: get-session is measured as many users call it
# (pgbench -S, its yardstick, looks up a random row each time), not one session over and over.
sessions() {
  for _ in $(seq 1 64); do
    sign_in "$1" >> "$tmp/$2.cookie" && echo >> "$tmp/$2.cookie"
    python3 -c 'import json,sys; print("Bearer " + json.load(open(sys.argv[1]))["token"])' "$tmp/b" >> "$tmp/$2.bearer"
  done
  # A session that did not take would be answered `null`, fast and 200: every line must find its user.
  local header value
  for header in cookie authorization; do
    while read -r value; do
      curl -sf "http://127.0.0.1:$1/api/auth/get-session" -H "$header: $value" | grep -q '"user"' \
        || { echo "a $2 session does not sign in: $header" >&2; exit 1; }
    done < "$tmp/$2.$([ "$header" = cookie ] && echo cookie || echo bearer)"
  done
}
IFS=$'\t' read -r _ _ ours_user < <(sign_up "$p_ours")
sign_up "$p_node" >/dev/null
sessions "$p_ours" ours; sessions "$p_node" node
ours_cache_cookie=$(sign_in "$p_ours_cache")
node_cache_cookie=$(sign_in "$p_node_cache")
jwt=$(python3 bench/mint-hs256.py "$secret" "$ours_user")
task_body='{"title":"Benchmark task","description":"twenty of these","priority":"high","tags":["bench"]}'
seed_tasks() { # port [jwt] -> id of the last task created
  local id token="${2:-$jwt}"
  for _ in $(seq 1 20); do
    id=$(curl -sf "http://127.0.0.1:$1/api/tasks" -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -d "$task_body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || return 1
  done
  echo "$id"
}
ours_task=$(seed_tasks "$p_ours")
IFS=$'\t' read -r _ _ lite_user < <(sign_up "$p_ours_lite")
sign_up "$p_node_lite" >/dev/null
sessions "$p_ours_lite" ours_lite; sessions "$p_node_lite" node_lite
jwt_lite=$(python3 bench/mint-hs256.py "$secret" "$lite_user")
lite_task=$(seed_tasks "$p_ours_lite" "$jwt_lite")
fastapi_task=$(seed_tasks "$p_fastapi")
[ -n "$ours_task" ] && [ -n "$fastapi_task" ] || { echo "could not create the tasks" >&2; exit 1; }

# --- measuring -----------------------------------------------------------------------------------
rss_kib() { # pids... -> summed VmRSS or VmHWM (field name in $field) in KiB, children included
  local total=0 pid kids kib
  for pid in "$@"; do
    kids=$(pgrep -P "$pid" || true)
    for p in $pid $kids; do
      kib=$(awk -v f="$field:" '$1==f {print $2}' "/proc/$p/status" 2>/dev/null || true)
      total=$((total + ${kib:-0}))
    done
  done
  echo "$total"
}
field=VmRSS
idle_ours=$(rss_kib "$pid_ours") idle_node=$(rss_kib "$pid_node") idle_fastapi=$(rss_kib "$pid_fastapi")

cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '$task_body'
LUA
printf 'wrk.method = "PATCH"\n' > "$tmp/patch.lua"

# measure -> "<req/s> <p99 in ms>"
measure() {
  local out
  out=$(wrk -t2 -c32 -d"$duration" --latency "$@" 2>&1)
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "non-2xx answers, so no figure: $*" >&2
    grep -E 'Non-2xx|Requests/sec' <<<"$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {rps=$2} $1=="99%" {p=$2; if (p ~ /us$/) {sub("us","",p); p/=1000} else if (p ~ /ms$/) {sub("ms","",p)} else if (p ~ /s$/) {sub("s","",p); p*=1000}} END {printf "%s %.2f\n", rps, p}' <<<"$out"
}
mean() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print(f"{sum(v)/len(v):.0f}" if v[0] > 100 else f"{sum(v)/len(v):.2f}")' "$@"; }
rows=()
compare() { # name, peer name, ours args (|-separated), peer args (|-separated)
  local name="$1" peer="$2" a b
  IFS='|' read -r -a a <<<"$3"
  IFS='|' read -r -a b <<<"$4"
  local r1 r2 r3 r4
  r1=$(measure "${a[@]}"); r2=$(measure "${b[@]}"); r3=$(measure "${a[@]}"); r4=$(measure "${b[@]}")
  local ours_rps ours_p99 peer_rps peer_p99
  ours_rps=$(mean "${r1% *}" "${r3% *}"); ours_p99=$(mean "${r1#* }" "${r3#* }")
  peer_rps=$(mean "${r2% *}" "${r4% *}"); peer_p99=$(mean "${r2#* }" "${r4#* }")
  local ratio
  ratio=$(python3 -c "print(f'{$ours_rps/$peer_rps:.1f}x')")
  rows+=("| $name | $ours_rps (p99 ${ours_p99} ms) | $peer: $peer_rps (p99 ${peer_p99} ms) | $ratio |")
  echo "${rows[-1]}" >&2
}

ol="http://127.0.0.1:$p_ours_lite" nl="http://127.0.0.1:$p_node_lite"
o="http://127.0.0.1:$p_ours" oc="http://127.0.0.1:$p_ours_cache" n="http://127.0.0.1:$p_node" nc="http://127.0.0.1:$p_node_cache" f="http://127.0.0.1:$p_fastapi"
rotate() { echo "-s|bench/rotate.lua|$1/api/auth/get-session|--|$2|$tmp/$3"; } # base URL, header, file
compare "GET get-session, cookie, cache off (64 sessions)" "Better Auth" "$(rotate "$o" cookie ours.cookie)" "$(rotate "$n" cookie node.cookie)"
# PostgreSQL's own limit for one indexed lookup, at the same concurrency as wrk (32 clients, 2
# threads), interleaved with get-session by cookie: ours, pgbench, ours, pgbench.
pgbench -h 127.0.0.1 -U postgres -i -q -s 10 "$pgbench_db" >/dev/null 2>&1
secs=$(python3 -c "import re,sys; m=re.fullmatch(r'(\d+)(s|m)?', sys.argv[1]); print(int(m[1]) * (60 if m[2]=='m' else 1))" "$duration")
pgbench_tps() {
  pgbench -h 127.0.0.1 -U postgres -S -M prepared -c 32 -j 2 -T "$secs" "$pgbench_db" 2>/dev/null | awk '/^tps/ {print int($3)}'
}
IFS='|' read -r -a ours_gs_args <<<"$(rotate "$o" cookie ours.cookie)"
g1=$(measure "${ours_gs_args[@]}"); t1=$(pgbench_tps)
g2=$(measure "${ours_gs_args[@]}"); t2=$(pgbench_tps)
ours_gs=$(mean "${g1% *}" "${g2% *}") tps=$(mean "$t1" "$t2")
pgbench_row="| pgbench -S -M prepared, 32 clients (one indexed lookup), interleaved | get-session by cookie: $ours_gs | PostgreSQL: $tps tps | $(python3 -c "print(f'{$ours_gs/$tps*100:.0f}%')") |"
echo "$pgbench_row" >&2
compare "GET get-session, bearer, cache off (64 sessions)" "Better Auth" "$(rotate "$o" authorization ours.bearer)" "$(rotate "$n" authorization node.bearer)"
compare "GET get-session, cookie, compact cache hit" "Better Auth" "-H|cookie: $ours_cache_cookie|$oc/api/auth/get-session" "-H|cookie: $node_cache_cookie|$nc/api/auth/get-session"
compare "GET /api/tasks (20 tasks, HS256 JWT)" "FastAPI" "-H|authorization: Bearer $jwt|$o/api/tasks" "-H|authorization: Bearer $jwt|$f/api/tasks"
compare "GET /api/tasks/{id}" "FastAPI" "-H|authorization: Bearer $jwt|$o/api/tasks/$ours_task" "-H|authorization: Bearer $jwt|$f/api/tasks/$fastapi_task"
compare "POST /api/tasks" "FastAPI" "-s|$tmp/post.lua|-H|authorization: Bearer $jwt|$o/api/tasks" "-s|$tmp/post.lua|-H|authorization: Bearer $jwt|$f/api/tasks"
compare "PATCH /api/tasks/{id}/complete" "FastAPI" "-s|$tmp/patch.lua|-H|authorization: Bearer $jwt|$o/api/tasks/$ours_task/complete" "-s|$tmp/patch.lua|-H|authorization: Bearer $jwt|$f/api/tasks/$fastapi_task/complete"
compare "SQLite: GET get-session, cookie, cache off (64 sessions)" "Better Auth on SQLite" "$(rotate "$ol" cookie ours_lite.cookie)" "$(rotate "$nl" cookie node_lite.cookie)"
compare "SQLite: GET /api/tasks (20 tasks, HS256 JWT)" "FastAPI (PostgreSQL)" "-H|authorization: Bearer $jwt_lite|$ol/api/tasks" "-H|authorization: Bearer $jwt|$f/api/tasks"
compare "SQLite: GET /api/tasks/{id}" "FastAPI (PostgreSQL)" "-H|authorization: Bearer $jwt_lite|$ol/api/tasks/$lite_task" "-H|authorization: Bearer $jwt|$f/api/tasks/$fastapi_task"
compare "SQLite: POST /api/tasks" "FastAPI (PostgreSQL)" "-s|$tmp/post.lua|-H|authorization: Bearer $jwt_lite|$ol/api/tasks" "-s|$tmp/post.lua|-H|authorization: Bearer $jwt|$f/api/tasks"
compare "SQLite: PATCH /api/tasks/{id}/complete" "FastAPI (PostgreSQL)" "-s|$tmp/patch.lua|-H|authorization: Bearer $jwt_lite|$ol/api/tasks/$lite_task/complete" "-s|$tmp/patch.lua|-H|authorization: Bearer $jwt|$f/api/tasks/$fastapi_task/complete"

# Peak RSS under the get-session and task load, before sign-in's hashes add their buffers.
field=VmHWM
peak_ours=$(rss_kib "$pid_ours") peak_node=$(rss_kib "$pid_node") peak_fastapi=$(rss_kib "$pid_fastapi")

# Sign-in at each side's default cost: argon2id (OWASP: m=19 MiB, t=2) here, scrypt (N=16384, r=16) there.
cat > "$tmp/signin.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-1"}'
LUA
compare "POST sign-in/email (argon2id here, scrypt there)" "Better Auth" "-s|$tmp/signin.lua|$o/api/auth/sign-in/email" "-s|$tmp/signin.lua|$n/api/auth/sign-in/email"
compare "SQLite: POST sign-in/email (argon2id here, scrypt there)" "Better Auth on SQLite" "-s|$tmp/signin.lua|$ol/api/auth/sign-in/email" "-s|$tmp/signin.lua|$nl/api/auth/sign-in/email"


mib() { echo "$(( $1 / 1024 )) MiB"; }

echo
echo "| scenario | ours req/s | peer req/s | ours / peer |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "$pgbench_row"
echo
echo "| server | RSS idle | peak RSS (get-session and task load) |"
echo "|---|---|---|"
echo "| ours (cache-off instance) | $(mib "$idle_ours") | $(mib "$peak_ours") |"
echo "| Better Auth 1.7.25 on Node (cache-off instance) | $(mib "$idle_node") | $(mib "$peak_node") |"
echo "| FastAPI, 2 uvicorn workers | $(mib "$idle_fastapi") | $(mib "$peak_fastapi") |"
