#!/usr/bin/env bash
# The whole test suite: lint, schema check, Rust unit and integration tests, then the JS suites that
# run the release binary (Better Auth interop and differential, OpenAPI validation, Swagger UI, frontend).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export BAT_VENV="${BAT_VENV:-$CARGO_TARGET_DIR/venv}"
# Cases per property of the fuzz targets (tests/fuzz): bounds their time (a few seconds in a debug build).
export PROPTEST_CASES="${PROPTEST_CASES:-512}"
# The suite checks snapshots (insta, tests/api) and never writes them, in CI or not.
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
export PATH="$BAT_VENV/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step setup
bash scripts/setup.sh

step "format and lints"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

step "schema.rs matches the migrations"
bash scripts/check-schema.sh

step "leftover per-test databases"
psql -h 127.0.0.1 -U postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'bat\_%' AND datname NOT LIKE 'bat\_template\_%'" postgres \
  | while read -r db; do dropdb -h 127.0.0.1 -U postgres --if-exists "$db" 2>/dev/null || true; done
rm -f "${TMPDIR:-/tmp}"/bat-sqlite-tests/bat_* 2>/dev/null || true

if command -v cargo-nextest >/dev/null || cargo nextest --version >/dev/null 2>&1; then
  step "Rust tests on PostgreSQL (unit, fuzz and integration, one database per test)"
  cargo nextest run --no-fail-fast
  step "Rust integration tests on SQLite (the whole suite, one file per test)"
  TEST_DATABASE=sqlite cargo nextest run --no-fail-fast -E 'binary(api)'
else
  step "Rust tests on PostgreSQL (unit, fuzz and integration, one database per test)"
  cargo test --no-fail-fast
  step "Rust integration tests on SQLite (the whole suite, one file per test)"
  TEST_DATABASE=sqlite cargo test --no-fail-fast --test api
fi

step "release build for the end-to-end suites"
cargo build --release --quiet
export BA_BIN="$CARGO_TARGET_DIR/release/better-auth-actix"

if [ -f scripts/check-openapi.sh ]; then
  step "OpenAPI: independent validation, TypeScript types, Swagger UI in Chromium"
  bash scripts/check-openapi.sh
fi

if [ -f tests/interop/package.json ]; then
  step "Better Auth interop and differential tests on PostgreSQL (real better-auth npm package)"
  (cd tests/interop && npm test)
  if grep -q '"test:sqlite"' tests/interop/package.json; then
    step "Better Auth interop and differential tests on one SQLite file (better-sqlite3)"
    (cd tests/interop && npm run test:sqlite)
  fi
fi

if [ -f frontend-sdk/package.json ]; then
  step "frontend-sdk: typecheck, unit tests, end to end in Chromium"
  (cd frontend-sdk && npm run check && npm test && npm run test:e2e)
fi

step "all suites passed"
