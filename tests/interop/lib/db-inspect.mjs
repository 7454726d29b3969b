// Read-only views of a database for schema/row comparisons in the shared-database tests, for both
// flavours of harness database (`db.kind` "postgres": information_schema/pg_catalog; "sqlite":
// sqlite_master and the pragma table-valued functions, values exactly as stored).

/** Better Auth's tables in the reference configuration (rateLimit only exists with database storage). */
export const BA_TABLES = ["user", "session", "account", "verification", "jwks"];

/**
 * Columns (in ordinal order), constraints and indexes of the Better Auth tables, in a form that can be
 * compared with deepEqual. `db` is a harness database ({ kind, query }). On SQLite also `ddl`: the
 * `sqlite_master` entries (type, name, table, sql) of those tables and their indexes, byte for byte.
 */
export async function describeSchema(db, tables = BA_TABLES) {
  if (db.kind === "sqlite") return describeSqliteSchema(db, tables);
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

/** SQLite: `tables` as `IN (@p1, …)` placeholders. */
const inList = (tables) => tables.map((_, i) => `$${i + 1}`).join(", ");

async function describeSqliteSchema(db, tables) {
  const q = (sql) => db.queryRaw(sql, tables).then((r) => r.rows);
  const columns = await q(
    `SELECT m.name AS "table", p.name AS "column", p.type AS "type", p."notnull" AS "notnull", p.dflt_value AS "default", p.pk AS "pk"
       FROM sqlite_master m JOIN pragma_table_info(m.name) p
      WHERE m.type = 'table' AND m.name IN (${inList(tables)})
      ORDER BY m.name, p.cid`,
  );
  const foreignKeys = await q(
    `SELECT m.name AS "table", 'fk' AS "type", f."from" || ' -> ' || f."table" || '(' || f."to" || ') ON UPDATE ' || f.on_update || ' ON DELETE ' || f.on_delete || ' MATCH ' || f."match" AS "definition"
       FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
      WHERE m.type = 'table' AND m.name IN (${inList(tables)})
      ORDER BY 1, 3`,
  );
  // Primary keys and UNIQUE constraints are indexes on SQLite (origin pk / u); CREATE INDEX ones are origin c.
  const indexList = await q(
    `SELECT m.name AS "table", l.name AS "name", l."unique" AS "unique", l.origin AS "origin", l.partial AS "partial",
            (SELECT group_concat(i.name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno) i) AS "columns"
       FROM sqlite_master m JOIN pragma_index_list(m.name) l
      WHERE m.type = 'table' AND m.name IN (${inList(tables)})
      ORDER BY 1, 2`,
  );
  const ddl = await q(
    `SELECT type AS "type", name AS "name", tbl_name AS "table", sql AS "sql"
       FROM sqlite_master WHERE tbl_name IN (${inList(tables)}) ORDER BY tbl_name, type DESC, name`,
  );
  const constraints = [
    ...indexList.filter((i) => i.origin !== "c").map((i) => ({ table: i.table, name: i.name, type: i.origin, definition: `${i.unique ? "UNIQUE " : ""}(${i.columns})` })),
    ...foreignKeys.map((f) => ({ table: f.table, name: "(foreign key)", type: f.type, definition: f.definition })),
  ];
  const indexes = indexList.filter((i) => i.origin === "c").map(({ table, name, unique, partial, columns }) => ({ table, name, unique, partial, columns }));
  return { columns, constraints, indexes, ddl };
}

/** All tables (to report extra tables such as ours' migration bookkeeping). */
export async function listTables(db) {
  if (db.kind === "sqlite") {
    const { rows } = await db.queryRaw(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1`);
    return rows.map((r) => r.name);
  }
  const { rows } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  return rows.map((r) => r.table_name);
}

/**
 * Every row of every Better Auth table, ordered by id, as JSON-comparable values. On SQLite each value
 * is its SQL literal (`quote()`: 'text', 1, 1.0, NULL, X'…'), so a changed storage class shows too.
 */
export async function snapshotRows(db, tables = BA_TABLES) {
  const out = {};
  for (const t of tables) {
    let sql = `SELECT * FROM "${t}" ORDER BY "id"`;
    if (db.kind === "sqlite") {
      const { rows: cols } = await db.queryRaw(`SELECT name FROM pragma_table_info($1) ORDER BY cid`, [t]);
      sql = `SELECT ${cols.map(({ name }) => `quote("${name}") AS "${name}"`).join(", ")} FROM "${t}" ORDER BY "id"`;
    }
    const { rows } = await db.query(sql);
    out[t] = JSON.parse(JSON.stringify(rows));
  }
  return out;
}
