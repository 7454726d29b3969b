#!/usr/bin/env bash
# Proves src/db/schema.rs is what `diesel print-schema` generates from the migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
db="bat_schema_check_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
createdb -h 127.0.0.1 -U postgres "$db"
trap 'dropdb -h 127.0.0.1 -U postgres --if-exists "$db"' EXIT
DATABASE_URL="$server/$db" diesel migration run >/dev/null
DATABASE_URL="$server/$db" diesel print-schema > "${TMPDIR:-/tmp}/schema.$$.rs"
if ! diff -u src/db/schema.rs "${TMPDIR:-/tmp}/schema.$$.rs"; then
  echo "src/db/schema.rs is stale: run 'DATABASE_URL=... diesel migration run && diesel print-schema > src/db/schema.rs'" >&2
  exit 1
fi
echo "schema.rs matches the migrations"
