// SQLite only (INTEROP_DATABASE=sqlite): ours and Better Auth 1.7.25 on better-sqlite3 sharing one
// SQLite file. Proves what a shared PostgreSQL database gets from its types for free:
// - our migrations/sqlite/*/up.sql create exactly Better Auth's SQLite schema, and adopt a file Better
//   Auth migrated (its sqlite_master entries and rows byte for byte unchanged);
// - ours writes Better Auth's storage formats: dates as Date#toISOString() text, booleans 0/1,
//   rateLimit.lastRequest integer milliseconds (Better Auth compares these as TEXT in SQL);
// - sessions either side wrote are listed and revoked by the other (the text-comparison path);
// - rate-limit rows (storage "database") are shared;
// - under mixed load on the one file ours answers no 5xx (Node's SQLITE_BUSY failures are counted).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { BA_TABLES, snapshotRows } from "../lib/db-inspect.mjs";
import { INTEROP_DIR, NOTHING_TO_MIGRATE, OURS_KIND, SECRET, betterAuthMigrationPlan, createDatabase, runBetterAuthMigrator, saveArtifact, skipOnPostgres, startOracle, startOurs } from "../lib/harness.mjs";
import { rawRequest } from "../lib/http.mjs";
import { ISO_DATE_RE } from "../lib/sqlite.mjs";

const SKIP = skipOnPostgres("SQLite-only checks (run with INTEROP_DATABASE=sqlite)");
const MIGRATIONS_DIR = path.resolve(INTEROP_DIR, "..", "..", "migrations", "sqlite");
const RATE_LIMIT_TABLES = [...BA_TABLES, "rateLimit"];
/** Every `date` column of Better Auth's SQLite schema (§1.1 of the design note), per table. */
const DATE_COLUMNS = {
  user: ["createdAt", "updatedAt"],
  session: ["expiresAt", "createdAt", "updatedAt"],
  account: ["accessTokenExpiresAt", "refreshTokenExpiresAt", "createdAt", "updatedAt"],
  verification: ["expiresAt", "createdAt", "updatedAt"],
  jwks: ["createdAt", "expiresAt"],
};
/** Ours and the oracle (or its stand-in) with rate limiting on, database storage, X-Forwarded-For from 127.0.0.1. */
const RATE_LIMIT_ENV = { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_STORAGE: "database", TRUSTED_PROXIES: "127.0.0.1", ORACLE_RATE_LIMIT: "database" };

let seq = 0;
const newUser = (tag) => ({ name: `SQLite ${tag}`, email: `sqlite-${tag}-${++seq}-${process.pid}@example.com`, password: `pw-${tag}-${seq}-0123` });
let ipSeq = 0;
/** A fresh client address per call site, so that rate limits (when on) never interfere. */
const freshIp = () => `198.18.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;
const ago = (ms) => new Date(Date.now() - ms);

const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

// --- HTTP helpers --------------------------------------------------------------------------------
async function call(server, p, { cookie, body, headers = {}, ip } = {}) {
  return rawRequest(server.baseUrl, {
    method: body === undefined ? "GET" : "POST",
    path: `/api/auth${p}`,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json", origin: server.baseUrl }),
      ...(ip ? { "x-forwarded-for": ip } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const cookieOf = (res) => res.setCookie.map((c) => c.split(";")[0]).filter((c) => !/=$/.test(c)).join("; ");

async function signUp(server, user, opts = {}) {
  const res = await call(server, "/sign-up/email", { body: user, ...opts });
  assert.equal(res.status, 200, `${server.label} sign-up: ${res.status} ${res.text}`);
  return { cookie: cookieOf(res), token: res.json.token, userId: res.json.user.id };
}

async function signIn(server, user, opts = {}) {
  const res = await call(server, "/sign-in/email", { body: { email: user.email, password: user.password }, ...opts });
  assert.equal(res.status, 200, `${server.label} sign-in: ${res.status} ${res.text}`);
  return { cookie: cookieOf(res), token: res.json.token, userId: res.json.user.id };
}

async function sessionOf(server, cookie) {
  const res = await call(server, "/get-session", { cookie });
  assert.equal(res.status, 200, `${server.label} get-session: ${res.status} ${res.text}`);
  return res.json;
}

// --- SQLite helpers (better-sqlite3 on the file itself) ------------------------------------------
/** Our SQLite migrations' up.sql files, in version (directory name) order. */
function ourUpSql() {
  const dirs = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.ok(dirs.length >= 2, `migrations in ${MIGRATIONS_DIR}`);
  return dirs.map((d) => ({ version: d, sql: readFileSync(path.join(MIGRATIONS_DIR, d, "up.sql"), "utf8") }));
}

function withFile(file, fn) {
  const conn = new Database(file, { fileMustExist: true });
  try {
    return fn(conn);
  } finally {
    conn.close();
  }
}

/** Applies our up.sql files in order, each in its own transaction (as Diesel's migration harness does). */
function applyOurMigrations(file) {
  withFile(file, (conn) => {
    for (const { sql } of ourUpSql()) conn.transaction(() => conn.exec(sql))();
  });
}

/** sqlite_master entries (type, name, tbl_name, sql) of `tables` and their indexes, byte for byte. */
function masterEntries(file, tables = RATE_LIMIT_TABLES) {
  return withFile(file, (conn) =>
    conn
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN (${tables.map(() => "?").join(", ")}) ORDER BY tbl_name, type DESC, name`)
      .all(...tables),
  );
}


/** Every value of every `date` column (with its storage class), and the booleans/integers, as stored. */
async function storedFormats(db) {
  const out = { dates: [], declared: {} };
  for (const [table, expected] of Object.entries(DATE_COLUMNS)) {
    const { rows: cols } = await db.queryRaw(`SELECT name FROM pragma_table_info($1) WHERE lower(type) = 'date' ORDER BY cid`, [table]);
    out.declared[table] = cols.map((c) => c.name);
    for (const column of expected) {
      const { rows } = await db.queryRaw(`SELECT "${column}" AS v, typeof("${column}") AS t FROM "${table}" WHERE "${column}" IS NOT NULL`);
      for (const r of rows) out.dates.push({ at: `${table}.${column}`, value: r.v, type: r.t });
    }
  }
  out.emailVerified = (await db.queryRaw(`SELECT "emailVerified" AS v, typeof("emailVerified") AS t FROM "user"`)).rows;
  out.ids = (await db.queryRaw(BA_TABLES.map((t) => `SELECT '${t}' AS "table", typeof("id") AS t, length("id") AS n FROM "${t}"`).join(" UNION ALL "))).rows;
  return out;
}

describe("SQLite: our migrations and Better Auth's migrator agree", { skip: SKIP }, () => {
  it("our up.sql files, on a fresh file: Better Auth's migrator has nothing to create or add and logs no warning", async () => {
    const db = await createDatabase("sqlite-ours-first");
    cleanup.push(() => db.drop());
    applyOurMigrations(db.file);
    assert.deepEqual(await betterAuthMigrationPlan(db.url), NOTHING_TO_MIGRATE, "reference configuration");
    assert.deepEqual(await betterAuthMigrationPlan(db.url, { rateLimitTable: true }), NOTHING_TO_MIGRATE, "with rateLimit.storage = database");
    // And applying them again changes nothing (IF NOT EXISTS everywhere).
    const before = masterEntries(db.file, [...RATE_LIMIT_TABLES, "task"]);
    applyOurMigrations(db.file);
    assert.deepEqual(masterEntries(db.file, [...RATE_LIMIT_TABLES, "task"]), before, "idempotent");
  });

  it("our up.sql files create Better Auth's tables and indexes exactly as its migrator does (sqlite_master byte for byte)", async () => {
    const [ours, theirs] = await Promise.all([createDatabase("sqlite-ddl-ours"), createDatabase("sqlite-ddl-ba")]);
    cleanup.push(() => ours.drop(), () => theirs.drop());
    applyOurMigrations(ours.file);
    await runBetterAuthMigrator(theirs.url, { rateLimitTable: true });
    const expected = masterEntries(theirs.file);
    assert.equal(expected.filter((e) => e.type === "table").length, RATE_LIMIT_TABLES.length, "Better Auth created all six tables");
    assert.deepEqual(masterEntries(ours.file), expected);
    // Foreign keys, with ON DELETE CASCADE, as pragma_foreign_key_list reports them.
    const fks = (file) => withFile(file, (c) => c.prepare(`SELECT m.name AS t, f.* FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1, 2`).all());
    assert.deepEqual(fks(ours.file).filter((f) => f.t !== "task"), fks(theirs.file));
  });

  it("Better Auth's migrator first, then our up.sql: its sqlite_master entries and its rows are unchanged", async () => {
    const db = await createDatabase("sqlite-ba-first");
    cleanup.push(() => db.drop());
    await runBetterAuthMigrator(db.url, { rateLimitTable: true });
    // Rows written by Better Auth itself: users, sessions, an account, a JWT key, a verification row, a rate-limit row.
    const oracle = await startOracle({ databaseUrl: db.url, label: "sqlite-ba-first-oracle", migrate: false, env: RATE_LIMIT_ENV });
    try {
      const u = newUser("ba-first");
      const { cookie } = await signUp(oracle, u, { ip: freshIp() });
      await signIn(oracle, u, { ip: freshIp() });
      assert.equal((await call(oracle, "/token", { cookie })).status, 200);
      assert.equal((await call(oracle, "/request-password-reset", { body: { email: u.email, redirectTo: "/reset" }, ip: freshIp() })).status, 200);
    } finally {
      await oracle.stop();
    }
    const schemaBefore = masterEntries(db.file);
    const rowsBefore = await snapshotRows(db, RATE_LIMIT_TABLES);
    for (const t of RATE_LIMIT_TABLES) assert.ok(rowsBefore[t].length > 0, `Better Auth wrote ${t} rows`);
    applyOurMigrations(db.file);
    assert.deepEqual(masterEntries(db.file), schemaBefore, "Better Auth's sqlite_master entries byte-identical");
    assert.deepEqual(await snapshotRows(db, RATE_LIMIT_TABLES), rowsBefore, "rows unchanged (quote() of every value)");
    const tables = masterEntries(db.file, ["task"]).map((e) => `${e.type}:${e.name}`);
    assert.ok(tables.includes("table:task"), `our task table added: ${tables}`);
    assert.deepEqual(await betterAuthMigrationPlan(db.url, { rateLimitTable: true }), NOTHING_TO_MIGRATE, "Better Auth still sees its own schema");
  });
});

describe(`SQLite: ours writes Better Auth's storage formats (ours = ${OURS_KIND})`, { skip: SKIP }, () => {
  let db;
  let ours;
  let formats;
  let rateLimitRows;

  before(async () => {
    db = await createDatabase("sqlite-formats");
    ours = await startOurs({ databaseUrl: db.url, label: `sqlite-formats-ours-${OURS_KIND}`, env: RATE_LIMIT_ENV, passwordHasher: "scrypt" });
    cleanup.push(() => db.drop(), () => ours.stop());
    const u = newUser("formats");
    const v = newUser("formats-verified");
    const ip = freshIp();
    // sign-up (user, account, session), sign-in (a second session), get-session, /token (jwks), reset (verification)
    const { cookie } = await signUp(ours, u, { ip });
    const second = await signIn(ours, u, { ip: freshIp() });
    assert.ok((await sessionOf(ours, cookie))?.session, "get-session");
    assert.equal((await call(ours, "/token", { cookie, ip })).status, 200, "token");
    assert.equal((await call(ours, "/request-password-reset", { body: { email: u.email, redirectTo: "/reset" }, ip: freshIp() })).status, 200);
    // A session refresh (updateAge 1 day): ours rewrites expiresAt/updatedAt of the second session.
    await db.query(`UPDATE "session" SET "expiresAt" = $2, "updatedAt" = $3 WHERE "token" = $1`, [second.token, ago(-5 * 86_400_000), ago(2 * 86_400_000)]);
    const refreshed = await sessionOf(ours, second.cookie);
    assert.ok(Date.parse(refreshed.session.expiresAt) > Date.now() + 6 * 86_400_000, `session refreshed: ${refreshed.session.expiresAt}`);
    // A verified user through the mailed link (emailVerified = 1), next to an unverified one (0).
    await signUp(ours, v, { ip: freshIp() });
    assert.equal((await call(ours, "/send-verification-email", { body: { email: v.email }, ip: freshIp() })).status, 200);
    const mail = await ours.waitForMail((m) => m.kind === "verify-email" && m.to.includes(v.email));
    const link = new URL(mail.url);
    assert.equal((await call(ours, `${link.pathname.replace(/^\/api\/auth/, "")}${link.search}`, { ip: freshIp() })).status, 302);
    formats = await storedFormats(db);
    rateLimitRows = (await db.queryRaw(`SELECT "key", "count", typeof("count") AS "countType", "lastRequest", typeof("lastRequest") AS "lastRequestType", typeof("id") AS "idType" FROM "rateLimit"`)).rows;
    await saveArtifact(`sqlite-formats-${OURS_KIND}.json`, { formats, rateLimitRows });
  });

  it("the date columns are declared `date`", () => {
    assert.deepEqual(formats.declared, DATE_COLUMNS);
  });

  it("every date value is Date#toISOString() text (YYYY-MM-DDTHH:MM:SS.sssZ, typeof text)", () => {
    const seen = new Set(formats.dates.map((d) => d.at));
    for (const [table, columns] of Object.entries(DATE_COLUMNS)) {
      for (const c of columns) if (!/TokenExpiresAt$/.test(c) && !(table === "jwks" && c === "expiresAt")) assert.ok(seen.has(`${table}.${c}`), `some ${table}.${c} was written`);
    }
    const bad = formats.dates.filter((d) => d.type !== "text" || !ISO_DATE_RE.test(d.value));
    assert.deepEqual(bad, [], "dates not in Better Auth's text format");
  });

  it("emailVerified is INTEGER 0/1 (both values seen)", () => {
    assert.ok(formats.emailVerified.length >= 2);
    for (const r of formats.emailVerified) {
      assert.equal(r.t, "integer", JSON.stringify(r));
      assert.ok(r.v === 0 || r.v === 1, JSON.stringify(r));
    }
    assert.deepEqual([...new Set(formats.emailVerified.map((r) => r.v))].sort(), [0, 1]);
  });

  it("ids are 32-character TEXT", () => {
    for (const r of formats.ids) assert.deepEqual({ t: r.t, n: r.n }, { t: "text", n: 32 }, `${r.table}.id`);
  });

  it("rateLimit rows: count INTEGER, lastRequest INTEGER epoch milliseconds", () => {
    assert.ok(rateLimitRows.length > 0, "rate limiting with database storage wrote rows");
    for (const r of rateLimitRows) {
      assert.equal(r.countType, "integer", JSON.stringify(r));
      assert.equal(r.lastRequestType, "integer", JSON.stringify(r));
      assert.equal(r.idType, "text", JSON.stringify(r));
      assert.ok(Math.abs(r.lastRequest - Date.now()) < 10 * 60_000, `lastRequest ${r.lastRequest} is ms since the epoch (now ${Date.now()})`);
    }
  });
});

describe(`SQLite: sessions written by one side are listed and revoked by the other (ours = ${OURS_KIND})`, { skip: SKIP }, () => {
  let db;
  let ours;
  let oracle;

  before(async () => {
    db = await createDatabase("sqlite-sessions");
    ours = await startOurs({ databaseUrl: db.url, label: `sqlite-sessions-ours-${OURS_KIND}`, passwordHasher: "scrypt", smtp: false });
    oracle = await startOracle({ databaseUrl: db.url, label: "sqlite-sessions-oracle", migrate: false, smtp: false });
    cleanup.push(() => db.drop(), () => oracle.stop(), () => ours.stop());
  });

  const liveTokens = async (server, cookie) => {
    const res = await call(server, "/list-sessions", { cookie });
    assert.equal(res.status, 200, `${server.label} list-sessions: ${res.text}`);
    return res.json.map((s) => s.token).sort();
  };

  for (const [writerName, readerName] of [["ours", "oracle"], ["oracle", "ours"]]) {
    it(`sessions ${writerName} created: ${readerName} lists them (not the expired one) and revokes one, the others, then all`, async () => {
      const servers = { ours, oracle };
      const [writer, reader] = [servers[writerName], servers[readerName]];
      const u = newUser(`sessions-${writerName}`);
      const a = await signUp(writer, u);
      const b = await signIn(writer, u);
      const c = await signIn(writer, u);
      const expired = await signIn(writer, u);
      await db.query(`UPDATE "session" SET "expiresAt" = $2 WHERE "token" = $1`, [expired.token, ago(60_000)]);
      const live = [a.token, b.token, c.token].sort();
      assert.deepEqual(await liveTokens(reader, a.cookie), live, `${readerName} lists exactly the live sessions ${writerName} wrote`);
      assert.deepEqual(await liveTokens(writer, a.cookie), live, `${writerName} agrees`);

      // revoke-session (one, by token) on the reader
      const one = await call(reader, "/revoke-session", { cookie: a.cookie, body: { token: b.token } });
      assert.equal(one.status, 200, one.text);
      assert.equal(await sessionOf(writer, b.cookie), null, `${writerName} no longer accepts the revoked session`);
      assert.deepEqual(await liveTokens(writer, a.cookie), [a.token, c.token].sort());

      // revoke-other-sessions on the reader: only a survives
      const d = await signIn(writer, u);
      const others = await call(reader, "/revoke-other-sessions", { cookie: a.cookie, body: {} });
      assert.equal(others.status, 200, others.text);
      for (const s of [c, d]) assert.equal(await sessionOf(writer, s.cookie), null, `${writerName}: ${s.token} revoked by ${readerName}`);
      assert.equal((await sessionOf(writer, a.cookie))?.session.token, a.token, "the current session survives");
      assert.deepEqual(await liveTokens(writer, a.cookie), [a.token]);

      // revoke-sessions on the reader: all gone, on both sides
      const e = await signIn(writer, u);
      const all = await call(reader, "/revoke-sessions", { cookie: a.cookie, body: {} });
      assert.equal(all.status, 200, all.text);
      for (const s of [a, e]) {
        assert.equal(await sessionOf(writer, s.cookie), null, `${writerName}: ${s.token} revoked`);
        assert.equal(await sessionOf(reader, s.cookie), null, `${readerName}: ${s.token} revoked`);
      }
      const { rows } = await db.query(`SELECT CAST(count(*) AS integer) AS n FROM "session" WHERE "userId" = $1 AND "expiresAt" > $2`, [a.userId, new Date()]);
      assert.equal(rows[0].n, 0, "no live session row left");
    });
  }
});

describe(`SQLite: rate-limit rows shared with Better Auth (storage "database", ours = ${OURS_KIND})`, { skip: SKIP }, () => {
  let db;
  let servers = [];

  before(async () => {
    db = await createDatabase("sqlite-rate-limit");
    const ours = await startOurs({ databaseUrl: db.url, label: `sqlite-rl-ours-${OURS_KIND}`, env: RATE_LIMIT_ENV, smtp: false });
    const oracle = await startOracle({ databaseUrl: db.url, label: "sqlite-rl-oracle", migrate: false, env: RATE_LIMIT_ENV, smtp: false });
    servers = [ours, oracle];
    cleanup.push(() => db.drop(), () => oracle.stop(), () => ours.stop());
  });

  it("sign-in (3 per 10 s) lets exactly 3 of 8 requests through across both servers; both answer 429 with X-Retry-After", async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const server = servers[i % 2];
      const res = await call(server, "/sign-in/email", { body: { email: "nobody@example.com", password: "wrong-password-0" }, ip: "203.0.113.77" });
      statuses.push(`${server.label}:${res.status}`);
      if (res.status === 429) assert.match(res.headers["x-retry-after"] ?? "", /^\d+$/, `${server.label} X-Retry-After`);
    }
    const codes = statuses.map((s) => Number(s.split(":").pop()));
    assert.deepEqual(codes.slice(0, 3), [401, 401, 401], statuses.join(", "));
    assert.deepEqual(codes.slice(3), [429, 429, 429, 429, 429], statuses.join(", "));
    const { rows } = await db.queryRaw(`SELECT "key", "count", typeof("lastRequest") AS "lastRequestType" FROM "rateLimit" WHERE "key" LIKE '203.0.113.77%'`);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].lastRequestType, "integer");
  });
});

describe(`SQLite: mixed load on one file (ours = ${OURS_KIND})`, { skip: SKIP }, () => {
  const DURATION_MS = Number(process.env.SQLITE_SMOKE_MS ?? 4000);
  const WORKERS_PER_SERVER = 3;
  let db;
  let ours;
  let oracle;

  before(async () => {
    db = await createDatabase("sqlite-mixed-load");
    ours = await startOurs({ databaseUrl: db.url, label: `sqlite-load-ours-${OURS_KIND}`, passwordHasher: "scrypt", smtp: false });
    oracle = await startOracle({ databaseUrl: db.url, label: "sqlite-load-oracle", migrate: false, smtp: false });
    cleanup.push(() => db.drop(), () => oracle.stop(), () => ours.stop());
  });

  it(`both servers sign up, sign in and get-session concurrently for ${DURATION_MS} ms: ours answers no 5xx; Node's are counted`, async (t) => {
    const stats = new Map();
    const record = (server, what, status) => {
      const key = server.label;
      if (!stats.has(key)) stats.set(key, { requests: 0, ok: 0, "4xx": 0, "5xx": 0, errors: 0, failures: {} });
      const s = stats.get(key);
      s.requests++;
      if (status >= 200 && status < 400) s.ok++;
      else {
        const bucket = status === "error" ? "errors" : status >= 500 ? "5xx" : "4xx";
        s[bucket]++;
        s.failures[`${what} ${status}`] = (s.failures[`${what} ${status}`] ?? 0) + 1;
      }
      return status;
    };
    const attempt = async (server, what, fn) => {
      try {
        const res = await fn();
        record(server, what, res.status);
        return res;
      } catch (err) {
        record(server, what, "error");
        return undefined;
      }
    };
    const deadline = Date.now() + DURATION_MS;
    const worker = async (server, other, w) => {
      while (Date.now() < deadline) {
        const u = newUser(`load-${server === ours ? "o" : "n"}${w}`);
        const up = await attempt(server, "sign-up", () => call(server, "/sign-up/email", { body: u }));
        if (up?.status !== 200) continue;
        const inRes = await attempt(server, "sign-in", () => call(server, "/sign-in/email", { body: { email: u.email, password: u.password } }));
        const cookie = inRes?.status === 200 ? cookieOf(inRes) : cookieOf(up);
        await attempt(server, "get-session", () => call(server, "/get-session", { cookie }));
        // The session the other server wrote a moment ago, read here (and vice versa by the other workers).
        await attempt(other, "get-session (other's session)", () => call(other, "/get-session", { cookie }));
      }
    };
    await Promise.all(
      Array.from({ length: WORKERS_PER_SERVER }, (_, w) => [worker(ours, oracle, w), worker(oracle, ours, w)]).flat(),
    );
    const busyLines = (file) => {
      try {
        return readFileSync(file, "utf8").split("\n").filter((l) => /SQLITE_BUSY/.test(l)).length;
      } catch {
        return 0;
      }
    };
    const journal = withFile(db.file, (c) => c.pragma("journal_mode", { simple: true }));
    const report = {
      durationMs: DURATION_MS,
      workersPerServer: WORKERS_PER_SERVER,
      journalMode: journal,
      stats: Object.fromEntries(stats),
      busyLogLines: { [ours.label]: busyLines(ours.logFile), [oracle.label]: busyLines(oracle.logFile) },
    };
    const file = await saveArtifact(`sqlite-mixed-load-${OURS_KIND}.json`, report);
    t.diagnostic(`mixed load (${file}): ${JSON.stringify(report)}`);
    const o = stats.get(ours.label);
    const n = stats.get(oracle.label);
    assert.ok(o?.ok > 0 && n?.ok > 0, "both servers answered requests");
    // The file is sound afterwards.
    withFile(db.file, (c) => {
      assert.equal(c.pragma("integrity_check", { simple: true }), "ok");
      assert.deepEqual(c.pragma("foreign_key_check"), []);
    });
    if (OURS_KIND === "rust") {
      assert.equal(o["5xx"], 0, `ours answered 5xx under mixed load: ${JSON.stringify(o.failures)}`);
      assert.equal(o.errors, 0, `ours dropped connections: ${JSON.stringify(o.failures)}`);
      assert.equal(o.ok, o.requests, `every request to ours succeeds: ${JSON.stringify(o.failures)}`);
    } else {
      // OURS=node: the stand-in is Better Auth on better-sqlite3 too, with the same known limitation.
      t.diagnostic(`OURS=node: the stand-in's failures are Node's (deferred transactions → SQLITE_BUSY), not asserted: ${JSON.stringify(o)}`);
    }
    // Node's failures are a known Better Auth-on-SQLite limitation (a deferred BEGIN that must upgrade
    // to a write lock while the other process holds it gets SQLITE_BUSY at once): counted, not failed.
    t.diagnostic(`Node (Better Auth on better-sqlite3): ${n["5xx"]} 5xx, ${n["4xx"]} 4xx of ${n.requests} requests; ${report.busyLogLines[oracle.label]} SQLITE_BUSY log lines`);
  });
});
