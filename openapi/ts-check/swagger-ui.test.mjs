// Swagger UI in a real browser: the server binary on a fresh database, /docs/ rendered by Debian's
// Chromium (never a downloaded browser), the task operations listed, "Authorize" given a bearer
// session token, and an authorized "Try it out" of GET /api/tasks answering 200.
//
// Run: node --test swagger-ui.test.mjs   (env: BA_BIN, CARGO_TARGET_DIR, TEST_DATABASE_SERVER,
// CHROMIUM, ARTIFACTS_DIR)

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
const binary = process.env.BA_BIN ?? join(targetDir, "debug", "better-auth-actix");
const dbServer = process.env.TEST_DATABASE_SERVER ?? "postgres://postgres@127.0.0.1:5432";
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = process.env.ARTIFACTS_DIR ?? join(repo, "test-artifacts");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Chromium may still be installing (apt): wait for the executable, up to 10 minutes. */
async function waitForChromium() {
  for (let i = 0; i < 600 && !existsSync(chromiumPath); i++) await sleep(1000);
  assert.ok(existsSync(chromiumPath), `${chromiumPath} not found (apt-get install -y chromium)`);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function psql(sql) {
  execFileSync("psql", [`${dbServer}/postgres`, "-v", "ON_ERROR_STOP=1", "-qc", sql], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function waitForHealth(base, server) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error("server did not become healthy");
}

let server;
let database;
let base;
let browser;
let serverLog = "";

before(async () => {
  assert.ok(existsSync(binary), `${binary} not found: run cargo build first (or set BA_BIN)`);
  database = `bat_swagger_${process.pid}_${Date.now()}`;
  psql(`CREATE DATABASE ${database}`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(binary, ["serve"], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `${dbServer}/${database}`,
      BETTER_AUTH_SECRET: "swagger-ui-test-secret-0123456789abcdefghij",
      BETTER_AUTH_URL: base,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_FORMAT: "json",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  await waitForHealth(base, server);
  await waitForChromium();
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  if (database) psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

/** Signs up outside the browser, so the page has no session cookie: only Authorize can help. */
async function signUp() {
  const email = `swagger-${Date.now()}@example.com`;
  const res = await fetch(`${base}/api/auth/sign-up/email`, {
    method: "POST",
    // Node's fetch sends Sec-Fetch-Mode, so Better Auth's form CSRF check wants a trusted Origin.
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ name: "Swagger", email, password: "password123" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { token, user } = await res.json();
  const created = await fetch(`${base}/api/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "Seen through Swagger UI" }),
  });
  assert.equal(created.status, 201);
  return { token, user };
}

const TASK_OPERATIONS = [
  "list_tasks", "create_task", "get_task", "replace_task", "update_task", "complete_task", "delete_task",
  "list_user_tasks", "create_user_task", "get_user_task", "replace_user_task", "update_user_task",
  "complete_user_task", "delete_user_task",
];

test("Swagger UI lists the task API and runs an authorized GET /api/tasks", { timeout: 180_000 }, async () => {
  const { token } = await signUp();
  const page = await browser.newPage();
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  try {
    await page.goto(`${base}/docs/`);
    await page.locator(".swagger-ui .info .title").filter({ hasText: "better-auth-actix" }).waitFor();
    for (const id of TASK_OPERATIONS) {
      await page.locator(`#operations-tasks-${id}`).waitFor({ state: "attached" });
    }

    // Without authorization the same call is a 401 (the page holds no session cookie).
    const op = page.locator("#operations-tasks-list_tasks");
    await op.locator(".opblock-summary").first().click();
    await op.locator("button.try-out__btn").click();
    await op.locator("button.execute").click();
    const status = op.locator(".live-responses-table .response .response-col_status").first();
    await status.filter({ hasText: "401" }).waitFor();

    await page.locator(".auth-wrapper button.authorize").click();
    const scheme = page.locator(".modal-ux .auth-container").filter({ hasText: "bearerSession" });
    await scheme.locator("input").first().fill(token);
    await scheme.locator("button.authorize").click();
    await scheme.locator("button", { hasText: "Logout" }).waitFor();
    await scheme.locator("button.btn-done").click();

    await op.locator("button.btn-clear").click();
    await op.locator("button.execute").click();
    await status.filter({ hasText: "200" }).waitFor();
    const curl = await op.locator(".curl-command").innerText();
    assert.match(curl, new RegExp(`Authorization: Bearer ${token}`));
    assert.doesNotMatch(curl, /[?&](q|tag)=/, "no filter is pre-filled");
    const body = await op.locator(".live-responses-table .response-col_description pre").first().innerText();
    assert.match(body, /Seen through Swagger UI/);
    mkdirSync(artifacts, { recursive: true });
    await status.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, "swagger-ui.png"), fullPage: false });
    assert.deepEqual(failed, [], "every asset is served by the binary");
  } catch (e) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "swagger-ui-failure.png"), fullPage: true }).catch(() => {});
    throw new Error(`${e.message}\n--- server log ---\n${serverLog}`);
  } finally {
    await page.close();
  }
});
