#!/usr/bin/env bash
# Installs and starts what the test suite needs on a fresh machine of this kind; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL (trust auth on 127.0.0.1:5432), started if down.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Redis on 127.0.0.1:6379 (the secondary-storage tests), started if down; its server binary also
# runs the restart and freeze tests' own instances.
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# Debian packages: Chromium for browser tests, libpq for diesel_cli, python venv for PyJWT.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
[ -e /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
python3 -c 'import venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# diesel_cli, to prove src/db/schema.rs matches the migrations.
if ! command -v diesel >/dev/null; then
  cargo install diesel_cli --version 2.3.14 --no-default-features --features postgres --locked
fi

# Node packages of the JS test suites (lockfiles pinned; no browser downloads).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
for dir in tests/interop openapi/ts-check frontend-sdk; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Python tools (PyJWT, openapi-spec-validator, schemathesis) in a venv outside the repo.
venv="${BAT_VENV:-${CARGO_TARGET_DIR:-target}/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check pyjwt==2.10.1 cryptography==46.0.3 openapi-spec-validator==0.7.2 schemathesis==4.32.5
