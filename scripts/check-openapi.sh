#!/usr/bin/env bash
# Independent checks of the committed OpenAPI document (openapi/openapi.json):
#   1. openapi-spec-validator (PyPI) validates it as OpenAPI 3.1, from a venv outside the repo;
#   2. openapi-typescript generates TypeScript types from it and `tsc --noEmit` compiles a small
#      file that uses them (openapi/ts-check; versions pinned by its package-lock.json);
#   3. Swagger UI in Debian's Chromium: the server binary (BA_BIN, default the debug build) on a
#      fresh database, "Authorize" with a bearer token, "Try it out" GET /api/tasks -> 200.
#      Skipped with --no-browser.
#   4. schemathesis against the served document: the server binary (BA_BIN) on a fresh database,
#      rate limiting off, a signed-up user's session token as the bearer; every operation, the
#      examples, coverage and fuzzing phases (100 examples per operation); fails on any 5xx, any
#      undocumented status or content type, and any response that does not match its schema.
#      Skipped with --no-schemathesis.
# That the file matches the routes is checked by `cargo test --test api openapi::`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="$root/openapi/openapi.json"
browser=1
schemathesis=1
for arg in "$@"; do
    case "$arg" in
        --no-browser) browser=0 ;;
        --no-schemathesis) schemathesis=0 ;;
        *) echo "usage: $0 [--no-browser] [--no-schemathesis]" >&2; exit 2 ;;
    esac
done
# The same venv and pins as scripts/setup.sh.
venv="${BAT_VENV:-${CARGO_TARGET_DIR:-$root/target}/venv}"
validator_version="0.7.2"
schemathesis_version="4.32.5"

if [[ ! -x "$venv/bin/openapi-spec-validator" ]]; then
    echo "installing openapi-spec-validator $validator_version into $venv"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "openapi-spec-validator==$validator_version"
fi
echo "== openapi-spec-validator (OpenAPI 3.1)"
grep -q '"openapi": "3.1.' "$spec" || { echo "$spec is not OpenAPI 3.1" >&2; exit 1; }
"$venv/bin/openapi-spec-validator" --schema 3.1.0 "$spec"

echo "== openapi-typescript + tsc"
cd "$root/openapi/ts-check"
[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
npm run -s generate
npm run -s typecheck
echo "generated types compile"

if [[ $browser == 1 ]]; then
    echo "== Swagger UI in Chromium"
    node --test swagger-ui.test.mjs
fi

if [[ $schemathesis == 1 ]]; then
    echo "== schemathesis $schemathesis_version against the served document"
    if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q " $schemathesis_version\$"; then
        echo "installing schemathesis $schemathesis_version into $venv"
        "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
    fi
    bash "$root/scripts/schemathesis.sh" "$venv/bin/schemathesis"
fi
