#!/usr/bin/env bash
# Independent checks of the committed OpenAPI document (openapi/openapi.json):
#   1. openapi-spec-validator (PyPI) validates it as OpenAPI 3.1, in a venv outside the repo;
#   2. openapi-typescript generates TypeScript types from it and `tsc --noEmit` compiles a small
#      file that uses them (openapi/ts-check, versions pinned by its package-lock.json).
# That the file matches the routes is checked by `cargo test --test openapi`.
# Usage: scripts/check-openapi.sh   (needs python3 and npm; network only for the first install)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="$root/openapi/openapi.json"
validator_version="0.9.0"
venv="${OPENAPI_VENV:-${CARGO_TARGET_DIR:-/tmp}/openapi-venv}"

if [[ ! -x "$venv/bin/openapi-spec-validator" ]] ||
    ! "$venv/bin/pip" show openapi-spec-validator 2>/dev/null | grep -qx "Version: $validator_version"; then
    echo "installing openapi-spec-validator $validator_version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$validator_version"
fi
echo "== openapi-spec-validator"
"$venv/bin/python" - "$spec" <<'PY'
import json, sys
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

with open(sys.argv[1]) as f:
    spec = json.load(f)
assert spec["openapi"].startswith("3.1."), f"not OpenAPI 3.1: {spec['openapi']}"
validate(spec, cls=OpenAPIV31SpecValidator)
print(f"{sys.argv[1]}: valid OpenAPI {spec['openapi']}")
PY

echo "== openapi-typescript + tsc"
cd "$root/openapi/ts-check"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
    npm ci --no-audit --no-fund
fi
npm run -s generate
npm run -s typecheck
echo "generated types compile"
