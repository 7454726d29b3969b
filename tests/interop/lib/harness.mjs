// Test harness: one fresh database per test (PostgreSQL, or with INTEROP_DATABASE=sqlite a SQLite
// file in a temp directory), and real server processes
// (better-auth-actix = "ours", the Better Auth Node oracle = "node") on random ports,
// with stdout/stderr captured under an artifacts directory for debugging.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getMigrations } from "better-auth/db/migration";
import pg from "pg";
import { closeDatabase, oracleOptions } from "../oracle/options.mjs";
import { parseMessage, startSmtpListener } from "./smtp.mjs";
import { sqliteQuery } from "./sqlite.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const INTEROP_DIR = path.resolve(HERE, "..");

/** Same secret for every server so that cookies/JWTs are interchangeable on a shared database. */
export const SECRET = process.env.INTEROP_SECRET ?? "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
/** Extra trusted origins (the base URL of each server is always trusted as well). */
export const TRUSTED_ORIGINS = ["http://localhost:3001", "https://app.example.com"];
/** Admin connection used to create/drop databases. */
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The sender both servers are configured with (EMAIL_FROM). */
export const EMAIL_FROM = "Better Auth Interop <no-reply@interop.test>";

/** Where logs, mail outboxes and request transcripts go. */
export const ARTIFACTS_DIR =
  process.env.INTEROP_ARTIFACTS ??
  path.join(os.tmpdir(), "ba-interop", `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);

/**
 * Which database the suites run on: "postgres" (default) or "sqlite" (INTEROP_DATABASE=sqlite: every
 * createDatabase() is a fresh SQLite file, and both servers get `DATABASE_URL=sqlite:///abs/path.db`).
 */
export const DB_KIND = parseDbKind(process.env.INTEROP_DATABASE ?? "postgres", "INTEROP_DATABASE");

function parseDbKind(value, name) {
  const v = value.toLowerCase();
  if (v === "postgres" || v === "postgresql" || v === "pg") return "postgres";
  if (v === "sqlite") return "sqlite";
  throw new Error(`${name}=${value}: expected postgres or sqlite`);
}

/**
 * Differential only (lib/diff-runner.mjs): the flavour of ours' own database, default DB_KIND.
 * `OURS=node INTEROP_DATABASE=sqlite INTEROP_OURS_DATABASE=postgres` plays Node-on-PostgreSQL (the
 * behaviour ours keeps on both backends) against Node-on-SQLite: it shows Node's SQLite quirks.
 */
export const OURS_DB_KIND = process.env.INTEROP_OURS_DATABASE ? parseDbKind(process.env.INTEROP_OURS_DATABASE, "INTEROP_OURS_DATABASE") : DB_KIND;

/** A test's `skip` option: the reason when the suite runs on SQLite, else false. */
export const skipOnSqlite = (reason) => (DB_KIND === "sqlite" ? `INTEROP_DATABASE=sqlite: ${reason}` : false);
/** A test's `skip` option: the reason when the suite runs on PostgreSQL, else false. */
export const skipOnPostgres = (reason) => (DB_KIND === "postgres" ? `INTEROP_DATABASE=postgres: ${reason}` : false);

/** "rust" (default) or "node" (OURS=node: a second oracle stands in for better-auth-actix). */
export const OURS_KIND = process.env.OURS === "node" ? "node" : "rust";

/** Path of the better-auth-actix binary: $BA_BIN, else $CARGO_TARGET_DIR/release/..., else ../../target/release/... */
export function oursBinary() {
  if (process.env.BA_BIN) return path.resolve(process.env.BA_BIN);
  const candidates = [];
  if (process.env.CARGO_TARGET_DIR) candidates.push(path.join(process.env.CARGO_TARGET_DIR, "release", "better-auth-actix"));
  candidates.push(path.resolve(INTEROP_DIR, "..", "..", "target", "release", "better-auth-actix"));
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function artifactsDir() {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return ARTIFACTS_DIR;
}

let dbCounter = 0;
function uniqueDbName(label) {
  const slug = (label ?? "t").toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 20);
  const rand = Math.random().toString(36).slice(2, 8);
  return `ba_it_${slug}_${process.pid}_${++dbCounter}_${rand}`;
}

/** Connection URL of database `name` on the admin server. */
export function databaseUrl(name) {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

let swept = false;
/** Drops `ba_it_*` databases left behind by test processes that no longer exist (killed runs). */
async function sweepOrphans() {
  if (swept || process.env.INTEROP_KEEP_DB === "1") return;
  swept = true;
  const { rows } = await admin(`SELECT datname FROM pg_database WHERE datname LIKE 'ba\\_it\\_%'`);
  for (const { datname } of rows) {
    const pid = Number(/_(\d+)_\d+_[a-z0-9]+$/.exec(datname)?.[1]);
    if (pid && pid !== process.pid && !pidAlive(pid)) await admin(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

/**
 * Creates an empty database (PostgreSQL, or a SQLite file with INTEROP_DATABASE=sqlite; `kind`
 * overrides the flavour); returns
 * `{ kind, name, url, file?, query(sql, params), queryRaw(sql, params), drop() }`.
 * `query` opens a short-lived connection (the servers keep their own pools) and answers like pg on
 * both flavours (see lib/sqlite.mjs: `$1` placeholders; SQLite dates/booleans come back as Date/boolean);
 * `queryRaw` gives the values exactly as stored (on PostgreSQL the same as `query`).
 */
export async function createDatabase(label, { kind = DB_KIND } = {}) {
  if (kind === "sqlite") return createSqliteDatabase(label);
  await sweepOrphans();
  const name = uniqueDbName(label);
  await admin(`CREATE DATABASE "${name}"`);
  const url = databaseUrl(name);
  const db = {
    kind: "postgres",
    name,
    url,
    async query(sql, params = []) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
    queryRaw(sql, params = []) {
      return db.query(sql, params);
    },
    async drop() {
      if (process.env.INTEROP_KEEP_DB === "1") return;
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
  return db;
}

const SQLITE_DIR_PREFIX = "ba-it-sqlite-";
let sqliteSwept = false;
/** Removes SQLite temp directories of test processes that no longer exist (killed runs). */
function sweepSqliteOrphans() {
  if (sqliteSwept || process.env.INTEROP_KEEP_DB === "1") return;
  sqliteSwept = true;
  for (const entry of readdirSync(os.tmpdir())) {
    if (!entry.startsWith(SQLITE_DIR_PREFIX)) continue;
    const pid = Number(/^ba-it-sqlite-(\d+)-/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !pidAlive(pid)) rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
}

/**
 * A fresh SQLite database: an empty file (0 bytes, a valid empty database) in its own temp directory,
 * as `sqlite:///abs/path.db`. drop() removes the directory, so also `-wal`, `-shm` and `-journal`.
 */
async function createSqliteDatabase(label) {
  sweepSqliteOrphans();
  const name = uniqueDbName(label);
  const dir = mkdtempSync(path.join(os.tmpdir(), `${SQLITE_DIR_PREFIX}${process.pid}-`));
  const file = path.join(dir, `${name}.db`);
  writeFileSync(file, "", { flag: "wx" }); // 0 bytes: an empty database, as CREATE DATABASE gives one
  const db = {
    kind: "sqlite",
    name,
    file,
    url: `sqlite://${file}`,
    async query(sql, params = []) {
      return sqliteQuery(file, sql, params);
    },
    async queryRaw(sql, params = []) {
      return sqliteQuery(file, sql, params, { raw: true });
    },
    async drop() {
      if (process.env.INTEROP_KEEP_DB === "1") return;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return db;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const PORT_LOCKS = path.join(os.tmpdir(), "ba-interop-ports");
const PORT_LOCK_TTL_MS = 10 * 60_000;

/**
 * A free port no other test process of this suite has just been handed: between freePort() and the
 * child's listen() the port is free again, and a parallel test file (--test-concurrency=2) could get
 * the same one from the kernel; its server would then answer our health check while ours dies with
 * EADDRINUSE. A lock file per port (`$TMPDIR/ba-interop-ports/<port>`, holding the pid) prevents that;
 * release() removes it once the server has stopped. Stale locks (dead pid, or older than 10 min) are taken over.
 */
async function reservePort() {
  mkdirSync(PORT_LOCKS, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const lock = path.join(PORT_LOCKS, String(port));
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
    } catch (err) {
      if (err.code !== "EEXIST" || attempt > 50) throw err;
      let stale = false;
      try {
        const owner = Number(readFileSync(lock, "utf8"));
        stale = !pidAlive(owner) || Date.now() - statSync(lock).mtimeMs > PORT_LOCK_TTL_MS;
      } catch {
        stale = true;
      }
      if (!stale) continue;
      writeFileSync(lock, String(process.pid));
    }
    return { port, release: () => rmSync(lock, { force: true }) };
  }
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitHealthy(baseUrl, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited early (code ${child.exitCode}, signal ${child.signalCode}); log ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server at ${baseUrl} not healthy after ${timeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
}

/** The part of an e-mail link that identifies the flow, and its token (contract §11). */
function linkKind(link) {
  let url;
  try {
    url = new URL(link);
  } catch {
    return {};
  }
  const reset = /\/reset-password\/([^/?#]+)$/.exec(url.pathname);
  if (reset) return { kind: "reset-password", token: decodeURIComponent(reset[1]) };
  if (url.pathname.endsWith("/delete-user/callback")) return { kind: "delete-account", token: url.searchParams.get("token") ?? undefined };
  if (url.pathname.endsWith("/verify-email")) {
    const token = url.searchParams.get("token") ?? undefined;
    let requestType;
    try {
      requestType = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).requestType;
    } catch {
      // not a JWT: keep the plain kind
    }
    const kind = requestType === "change-email-verification" ? "change-email" : requestType === "change-email-confirmation" ? "change-email-confirmation" : "verify-email";
    return { kind, token };
  }
  return {};
}

/**
 * A message received by a server's SMTP listener, decoded: `{ kind, to[], from, subject, url, token,
 * links, text, html, parts, raw, receivedAt }`. `url` is the message's one link into the auth API
 * (`undefined`, with every candidate in `links`, when there is none or more than one distinct one);
 * `kind` (verify-email | change-email | change-email-confirmation | reset-password | delete-account)
 * and `token` are read from that link (for verify-email links from the JWT's `requestType`).
 */
export function decodeMail(message) {
  const parsed = parseMessage(message.raw);
  const authLinks = parsed.links.filter((l) => /\/api\/auth\//.test(l));
  const url = authLinks.length === 1 ? authLinks[0] : undefined;
  return {
    ...(url ? linkKind(url) : { kind: undefined, token: undefined }),
    to: message.to,
    from: message.from,
    subject: parsed.subject,
    headerFrom: parsed.headerFrom,
    headerTo: parsed.headerTo,
    url,
    links: parsed.links,
    text: parsed.text,
    html: parsed.html,
    parts: parsed.parts,
    raw: message.raw,
    receivedAt: message.receivedAt,
  };
}

/**
 * Starts a server process of `kind` ("rust" | "node") on `databaseUrl`. Options:
 * `label` (log file name), `env` (extra environment), `passwordHasher` (ours only),
 * `migrate` (node only; default true = run Better Auth's migrator at start),
 * `smtp` (default true: a fresh SMTP listener for this server, passed as SMTP_URL + EMAIL_FROM;
 * false: ours writes .eml files to ./outbox, the oracle JSON lines to `outboxFile`).
 * Resolves to `{ kind, baseUrl, authUrl, port, pid, logFile, outboxFile, smtp, mails(), waitForMails(), waitForMail(), stop() }`.
 */
export async function startServer(kind, { databaseUrl: dbUrl, label = kind, env = {}, passwordHasher, migrate = true, smtp: withSmtp = true, timeoutMs = 30_000 } = {}) {
  const { port, release: releasePort } = await reservePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = artifactsDir();
  const stem = `${label}-${port}`;
  const logFile = path.join(dir, `${stem}.log`);
  const outboxFile = path.join(dir, `${stem}.outbox.jsonl`);
  const smtp = withSmtp ? await startSmtpListener() : undefined;
  const common = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: dbUrl,
    BETTER_AUTH_SECRET: SECRET,
    BETTER_AUTH_URL: baseUrl,
    BETTER_AUTH_TRUSTED_ORIGINS: TRUSTED_ORIGINS.join(","),
    HOST: "127.0.0.1",
    PORT: String(port),
    ...(smtp ? { SMTP_URL: smtp.url, EMAIL_FROM } : { OUTBOX_FILE: outboxFile }),
  };
  let command;
  let args;
  let childEnv;
  if (kind === "node") {
    command = process.execPath;
    args = [path.join(INTEROP_DIR, "oracle", "server.mjs")];
    childEnv = { ...common, ORACLE_MIGRATE: migrate ? "1" : "0", ...env };
  } else if (kind === "rust") {
    command = oursBinary();
    if (!existsSync(command)) {
      releasePort();
      await smtp?.close();
      throw new Error(`better-auth-actix binary not found at ${command}; build it (cargo build --release) or set BA_BIN, or run with OURS=node`);
    }
    args = ["serve"];
    childEnv = {
      ...common,
      PASSWORD_HASHER: passwordHasher ?? "scrypt",
      // The contract's reference configuration enables both (Better Auth's defaults disable them).
      DELETE_USER_ENABLED: "true",
      CHANGE_EMAIL_ENABLED: "true",
      // The oracle runs without NODE_ENV=production, so Better Auth's rate limiter is off there too.
      RATE_LIMIT_ENABLED: "false",
      RUST_LOG: process.env.RUST_LOG ?? "info",
      LOG_LEVEL: process.env.LOG_LEVEL ?? process.env.RUST_LOG ?? "info",
      ...env,
    };
  } else {
    releasePort();
    await smtp?.close();
    throw new Error(`unknown server kind ${kind}`);
  }
  const log = createWriteStream(logFile);
  // cwd = artifacts dir: keeps a developer's .env (dotenvy searches parent directories) out of the test.
  const child = spawn(command, args, { cwd: dir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.on("exit", () => children.delete(child));

  const server = {
    kind,
    label,
    baseUrl,
    authUrl: `${baseUrl}/api/auth`,
    port,
    pid: child.pid,
    logFile,
    outboxFile,
    smtp,
    /**
     * Mails this server has sent so far (decoded, see decodeMail), in order of arrival. Without an
     * SMTP listener: the oracle's $OUTBOX_FILE lines (`{kind, to, userId, url, token, at}`).
     */
    mails() {
      if (smtp) return smtp.received().map(decodeMail);
      if (!existsSync(outboxFile)) return [];
      return readFileSync(outboxFile, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    },
    /**
     * Waits (bounded poll, default 5 s: ours sends after the response) until at least `count` mails
     * matching `filter(decodedMail)` have arrived; resolves to all matching mails.
     */
    async waitForMails(count, { filter = () => true, timeoutMs = 5000 } = {}) {
      if (!smtp) throw new Error(`${label}: started without an SMTP listener`);
      const matching = await smtp.waitFor(count, { filter: (m) => filter(decodeMail(m)), timeoutMs });
      return matching.map(decodeMail);
    },
    /** The first mail matching `filter`, waiting for it like waitForMails. */
    async waitForMail(filter = () => true, opts = {}) {
      return (await this.waitForMails(1, { ...opts, filter }))[0];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      releasePort();
      await smtp?.close();
    },
  };
  try {
    await waitHealthy(baseUrl, child, logFile, timeoutMs);
    // Listening now: the port is the child's, nobody else can be handed it.
    releasePort();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** better-auth-actix, or a Node oracle standing in for it when OURS=node. */
export function startOurs(opts = {}) {
  return startServer(OURS_KIND, { label: `ours-${OURS_KIND}`, ...opts });
}

/** The reference Better Auth server. */
export function startOracle(opts = {}) {
  return startServer("node", { label: "oracle", ...opts });
}

/** Runs Better Auth's own migrator (oracle/migrate.mjs) against `dbUrl` in a child process (optionally with the rateLimit table). */
export async function runBetterAuthMigrator(dbUrl, { rateLimitTable = false } = {}) {
  const child = spawn(process.execPath, [path.join(INTEROP_DIR, "oracle", "migrate.mjs")], {
    env: { PATH: process.env.PATH, DATABASE_URL: dbUrl, BETTER_AUTH_SECRET: SECRET, ORACLE_RATELIMIT_TABLE: rateLimitTable ? "1" : "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`migrate.mjs failed (${code}):\n${out}`);
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * Better Auth's own migration planner on `dbUrl` (in process): what it would create or add, and every
 * warning it logs. An empty plan with no warnings means Better Auth sees exactly its schema.
 */
export async function betterAuthMigrationPlan(dbUrl, { rateLimitTable = false } = {}) {
  const logged = [];
  const options = {
    ...oracleOptions({ DATABASE_URL: dbUrl, BETTER_AUTH_SECRET: SECRET, BETTER_AUTH_URL: "http://127.0.0.1:1", ORACLE_RATELIMIT_TABLE: rateLimitTable ? "1" : "0" }),
    logger: { level: "warn", log: (level, message) => logged.push(`${level}: ${message}`) },
  };
  try {
    const m = await getMigrations(options, { throwOnUnsafe: false });
    return {
      toBeCreated: m.toBeCreated.map((t) => t.table),
      toBeAdded: m.toBeAdded.map((t) => `${t.table}(${Object.keys(t.fields)})`),
      toBeAddedIndexes: (m.toBeAddedIndexes ?? []).map((i) => i.name),
      unsafeChanges: m.unsafeChanges ?? [],
      warnings: logged,
    };
  } finally {
    await closeDatabase(options.database);
  }
}

/** What [`betterAuthMigrationPlan`] returns for a schema Better Auth needs nothing more of. */
export const NOTHING_TO_MIGRATE = { toBeCreated: [], toBeAdded: [], toBeAddedIndexes: [], unsafeChanges: [], warnings: [] };

/** Writes `data` as JSON to the artifacts dir; returns the path. */
export async function saveArtifact(name, data) {
  const { writeFile } = await import("node:fs/promises");
  const file = path.join(artifactsDir(), name);
  await writeFile(file, typeof data === "string" ? data : JSON.stringify(data, null, 2));
  return file;
}
