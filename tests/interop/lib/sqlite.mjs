// The SQLite side of the harness (INTEROP_DATABASE=sqlite): `sqlite://` URLs, and a `query(sql,
// params)` on a SQLite file that answers like `pg` does, so that one SQL text and one assertion work
// on both flavours. Tests write portable SQL: `$1` placeholders, CAST(count(*) AS integer), dates as
// JS Date parameters (never now()/interval).
import Database from "better-sqlite3";

/** Better Auth's (and our) date text: `Date.prototype.toISOString()`, milliseconds, `Z`. */
export const ISO_DATE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The boolean columns (INTEGER 0/1 on SQLite) that PostgreSQL returns as true/false. */
export const BOOLEAN_COLUMNS = { user: ["emailVerified"], task: ["completed"] };

/** True for `sqlite:` URLs (`sqlite:///abs/path.db`, `sqlite://rel.db`, `sqlite:rel.db`). */
export const isSqliteUrl = (url) => typeof url === "string" && /^sqlite:/i.test(url);

/** `sqlite:///abs` → `/abs`, `sqlite://rel` → `rel`, `sqlite:rel` → `rel` (query strings are not supported). */
export function sqlitePath(url) {
  const m = /^sqlite:(?:\/\/)?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new Error(`not a sqlite:// URL with a file path: ${url}`);
  if (m[1] === ":memory:") throw new Error("sqlite::memory: cannot be shared between processes");
  return decodeURIComponent(m[1]);
}

/** `$1`, `$2` … outside quotes → `@p1`, `@p2` … (better-sqlite3 binds named parameters from an object). */
export function toSqlitePlaceholders(sql) {
  let out = "";
  let quote = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
      continue;
    }
    const m = ch === "$" ? /^\$(\d+)/.exec(sql.slice(i)) : null;
    if (m) {
      out += `@p${m[1]}`;
      i += m[0].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

/** A JS value as Better Auth stores it on SQLite: Date → ISO text, boolean → 0/1. */
export function toSqliteValue(v) {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

/**
 * Runs one statement on the SQLite file at `file` (a connection per call, like the pg helper: the
 * servers keep their own). Returns `{ rows, rowCount }`. With `raw: false` (the default) rows look like
 * pg's: a `date` column holding Better Auth's exact ISO text becomes a Date, a known boolean column
 * holding 0/1 becomes a boolean; anything else (other date text included) stays as stored, so a wrong
 * format shows up as a failing assertion. With `raw: true` every value is exactly as stored.
 */
export function sqliteQuery(file, sql, params = [], { raw = false } = {}) {
  const conn = new Database(file, { fileMustExist: true });
  try {
    conn.pragma("busy_timeout = 5000");
    const stmt = conn.prepare(toSqlitePlaceholders(sql));
    const bind = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, toSqliteValue(v)]));
    const args = params.length ? [bind] : [];
    if (!stmt.reader) return { rows: [], rowCount: stmt.run(...args).changes };
    const rows = stmt.all(...args);
    if (!raw) {
      const columns = stmt.columns();
      for (const row of rows) {
        for (const col of columns) {
          const v = row[col.name];
          if (col.type?.toLowerCase() === "date" && typeof v === "string" && ISO_DATE_RE.test(v)) row[col.name] = new Date(v);
          else if (BOOLEAN_COLUMNS[col.table]?.includes(col.column) && (v === 0 || v === 1)) row[col.name] = v === 1;
        }
      }
    }
    return { rows, rowCount: rows.length };
  } finally {
    conn.close();
  }
}
