// Read-only views of a database for schema/row comparisons in the shared-database tests.

/** Better Auth's tables in the reference configuration (rateLimit only exists with database storage). */
export const BA_TABLES = ["user", "session", "account", "verification", "jwks"];

/**
 * Columns (in ordinal order), constraints and indexes of the Better Auth tables, in a form that can be
 * compared with deepEqual. `db` is a harness database ({ query }).
 */
export async function describeSchema(db, tables = BA_TABLES) {
  const columns = await db.query(
    `SELECT table_name AS "table", column_name AS "column", data_type AS "type", is_nullable AS "nullable", column_default AS "default"
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1)
      ORDER BY table_name, ordinal_position`,
    [tables],
  );
  const constraints = await db.query(
    `SELECT c.conrelid::regclass::text AS "table", c.conname AS "name", c.contype AS "type", pg_get_constraintdef(c.oid) AS "definition"
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.connamespace = 'public'::regnamespace AND t.relname = ANY($1)
      ORDER BY 1, 2`,
    [tables],
  );
  const indexes = await db.query(
    `SELECT tablename AS "table", indexname AS "name", indexdef AS "definition"
       FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1, 2`,
    [tables],
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}

/** All public tables (to report extra tables such as ours' migration bookkeeping). */
export async function listTables(db) {
  const { rows } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  return rows.map((r) => r.table_name);
}

/** Every row of every Better Auth table, ordered by id, as JSON-comparable values. */
export async function snapshotRows(db, tables = BA_TABLES) {
  const out = {};
  for (const t of tables) {
    const { rows } = await db.query(`SELECT * FROM "${t}" ORDER BY "id"`);
    out[t] = JSON.parse(JSON.stringify(rows));
  }
  return out;
}
