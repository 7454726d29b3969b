#!/usr/bin/env bash
# schemathesis against the document the server serves (step 4 of scripts/check-openapi.sh).
#
# Starts the server binary (BA_BIN, default the debug build) on a fresh database with rate limiting
# off (429 is documented on every /api/auth operation, but a limited run would test the limiter
# instead of the routes), signs a user up, and runs every operation of /api/openapi.json as that
# user (openapi/schemathesis.toml). Exits non-zero on any failure; the database is dropped after.
#
# Usage: scripts/schemathesis.sh [path/to/schemathesis]
# Env: BA_BIN, CARGO_TARGET_DIR, TEST_DATABASE_SERVER, ARTIFACTS_DIR, SCHEMATHESIS_EXAMPLES (100),
#      SCHEMATHESIS_SEED (random).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
st="${1:-${BAT_VENV:-${CARGO_TARGET_DIR:-$root/target}/venv}/bin/schemathesis}"
bin="${BA_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/better-auth-actix}"
db_server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
artifacts="${ARTIFACTS_DIR:-$root/test-artifacts}"
examples="${SCHEMATHESIS_EXAMPLES:-100}"
[[ -x "$bin" ]] || { echo "$bin not found: cargo build --release, or set BA_BIN" >&2; exit 1; }

work="$(mktemp -d)"
database="bat_schemathesis_$$_$(date +%s)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    psql "$db_server/postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

psql "$db_server/postgres" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $database"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# A clean environment, run from an empty directory: no developer `.env` is read.
(cd "$work" && exec env -i PATH="$PATH" \
    DATABASE_URL="$db_server/$database" \
    BETTER_AUTH_SECRET="schemathesis-secret-0123456789abcdefghijklmnop" \
    BETTER_AUTH_URL="$base" HOST=127.0.0.1 PORT="$port" \
    RATE_LIMIT_ENABLED=false EMAIL_OUTBOX_DIR="$work/outbox" \
    LOG_FORMAT=json LOG_LEVEL=warn \
    "$bin" serve >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 300); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

# The signed-in user: its session token is the bearer (no HS256 JWT is involved).
export SCHEMATHESIS_EMAIL="schemathesis-$$@example.com" SCHEMATHESIS_PASSWORD="schemathesis-password-1"
status="$(curl -sS -o "$work/sign-up.json" -w '%{http_code}' "$base/api/auth/sign-up/email" \
    -H 'content-type: application/json' \
    -d "{\"name\":\"Schemathesis\",\"email\":\"$SCHEMATHESIS_EMAIL\",\"password\":\"$SCHEMATHESIS_PASSWORD\"}")"
[[ "$status" == 200 ]] || { echo "sign-up failed: $status $(cat "$work/sign-up.json")" >&2; exit 1; }
SCHEMATHESIS_USER_ID="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])' <"$work/sign-up.json")"
export SCHEMATHESIS_USER_ID

mkdir -p "$artifacts"
set +e
# Checks: openapi/schemathesis.toml (all but three, each with its reason). The stateful phase is
# off: the document declares no links, and the run must stay bounded. One worker: with two threads,
# hypothesis's `ast.parse` can hit CPython 3.11's "AST constructor recursion depth mismatch".
# From the artifacts directory: schemathesis keeps its crash cache (.schemathesis/, what
# `st replay <id>` reads) in its working directory.
(cd "$artifacts" && exec timeout 900 "$st" --config-file "$root/openapi/schemathesis.toml" run "$base/api/openapi.json" \
    --phases examples,coverage,fuzzing \
    --max-examples "$examples" \
    ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
    --request-timeout 10 \
    --workers 1 \
    --header "Origin: $base" \
    --suppress-health-check too_slow \
    --generation-database none \
    --report junit --report-junit-path "$artifacts/schemathesis.xml" \
    --no-color)
rc=$?
set -e
if [[ $rc != 0 ]]; then
    echo "--- server log: errors ---" >&2
    grep '"level":"ERROR"' "$work/server.log" | tail -n 20 >&2 || true
fi
exit $rc
