#!/usr/bin/env node
// End-to-end test: a fresh PostgreSQL database, our release server, one `next build`, and for each
// deployment mode a `next start` driven by Debian's Chromium through playwright-core.
//
//   npm run test:e2e
//
// Environment (all optional):
//   SERVER_BIN        the Rust server binary (default: $CARGO_TARGET_DIR or ../target, release/better-auth-actix)
//   E2E_PG_URL        PostgreSQL server to create the database on (default postgres://postgres@127.0.0.1:5432)
//   CHROMIUM_PATH     the browser (default /usr/bin/chromium)
//   E2E_MODES         comma list of modes to run (default same-origin,split-origin)
//   E2E_KEEP_DB=1     keep the database afterwards
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runFlow } from "./flow.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(root, "..");
const artifacts = join(root, "test-artifacts");
const serverBin =
  process.env.SERVER_BIN ||
  join(
    process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, "target"),
    "release",
    "better-auth-actix",
  );
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const pgUrl = (process.env.E2E_PG_URL || "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");
const modes = (process.env.E2E_MODES || "same-origin,split-origin").split(",").map((m) => m.trim());
const started = Date.now();
const children = new Set();
const log = (msg) => console.log(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function psql(sql) {
  const r = spawnSync("psql", [`${pgUrl}/postgres`, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr || r.error}`);
}

/** Starts a long-running child with its output in test-artifacts/logs; returns it. */
function start(name, command, args, env, cwd = root) {
  mkdirSync(join(artifacts, "logs"), { recursive: true });
  const out = createWriteStream(join(artifacts, "logs", `${name}.log`));
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.name = name;
  children.add(child);
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (!child.stopping)
      log(`${name} (pid ${child.pid}) exited early: ${signal ?? code}; see test-artifacts/logs/${name}.log`);
  });
  log(`started ${name} (pid ${child.pid})`);
  return child;
}

/** Stops one child by its own PID: SIGTERM, then SIGKILL after 5 s. */
async function stop(child) {
  if (!children.has(child)) return;
  child.stopping = true;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  log(`stopped ${child.name} (pid ${child.pid})`);
}

async function waitFor(url, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!children.has(child)) throw new Error(`${child.name} exited before ${url} answered`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function run(command, args, env) {
  const r = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status ?? r.signal})`);
}

async function main() {
  for (const [what, path] of [
    ["server binary", serverBin],
    ["Chromium", chromiumPath],
  ]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path}`);
  }
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });

  const db = `frontend_e2e_${randomBytes(6).toString("hex")}`;
  psql(`CREATE DATABASE ${db}`);
  log(`created database ${db}`);
  try {
    const [apiPort, samePort, splitPort] = [await freePort(), await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    // Same origin: the browser only ever talks to Next on 127.0.0.1. Split origin: the frontend is on
    // `localhost`, another site than the API's 127.0.0.1, so cookies cannot leak between them.
    const origins = { "same-origin": `http://127.0.0.1:${samePort}`, "split-origin": `http://localhost:${splitPort}` };

    const server = start("server", serverBin, ["serve"], {
      DATABASE_URL: `${pgUrl}/${db}`,
      BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
      BETTER_AUTH_URL: api,
      BETTER_AUTH_TRUSTED_ORIGINS: Object.values(origins).join(","),
      HOST: "127.0.0.1",
      PORT: String(apiPort),
      // Every browser session signs in from 127.0.0.1; Better Auth's 3-per-10-s sign-in rule would trip.
      RATE_LIMIT_ENABLED: "false",
      // The seed's Better Auth config turns the cookie cache on (compact, 5 min); so does this run.
      SESSION_COOKIE_CACHE: process.env.E2E_COOKIE_CACHE || "compact",
      LOG_LEVEL: process.env.LOG_LEVEL || "info",
    });
    await waitFor(`${api}/health`, server);
    log(`server is up on ${api}`);

    // One build serves both modes: rewrites point at API_URL; the browser-facing API origin is read per request.
    log("next build");
    run(join(root, "node_modules", ".bin", "next"), ["build"], { API_URL: api, NEXT_TELEMETRY_DISABLED: "1" });
    log("next build done");

    const results = [];
    for (const mode of modes) {
      const origin = origins[mode];
      if (!origin) throw new Error(`unknown mode ${mode}`);
      const port = mode === "same-origin" ? samePort : splitPort;
      // Spawned directly (what `exec ./node_modules/.bin/next start` does in a shell), so this PID is next-server's own.
      const next = start(
        `next-${mode}`,
        join(root, "node_modules", ".bin", "next"),
        ["start", "-p", String(port), "-H", "127.0.0.1"],
        {
          API_URL: api,
          NEXT_PUBLIC_API_URL: mode === "split-origin" ? api : "",
          NEXT_TELEMETRY_DISABLED: "1",
        },
      );
      try {
        await waitFor(`http://127.0.0.1:${port}/signin`, next);
        log(`${mode}: next is up on ${origin}`);
        results.push(...(await runFlow({ mode, origin, api, chromiumPath, artifacts: join(artifacts, mode), log })));
      } finally {
        await stop(next);
      }
    }
    await stop(server);

    const failed = results.filter((r) => !r.ok);
    console.log("");
    for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : `\n     ${r.error}`}`);
    console.log(`\nscreenshots: ${artifacts}`);
    console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
    log("done");
    return failed.length === 0;
  } finally {
    await Promise.all([...children].map(stop));
    if (!process.env.E2E_KEEP_DB) {
      try {
        psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        log(`dropped database ${db}`);
      } catch (e) {
        log(String(e));
      }
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    console.error(e);
    console.log("e2e: 0 passed, 1 failed");
    process.exit(1);
  },
);
