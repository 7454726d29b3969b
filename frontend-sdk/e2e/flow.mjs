// The browser flow run once per deployment mode. Each step is one named check; after a failing
// step the rest of the mode is reported as not run.
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** The user-facing text lib/auth-errors.ts maps a code to (read from the source, not duplicated). */
function mappedMessage(code) {
  const source = readFileSync(new URL("../lib/auth-errors.ts", import.meta.url), "utf8");
  const match = source.match(new RegExp(`^\\s*${code}:\\s*"((?:[^"\\\\]|\\\\.)*)"`, "m"));
  if (!match) throw new Error(`no message for ${code} in lib/auth-errors.ts`);
  return JSON.parse(`"${match[1]}"`);
}

async function until(what, probe, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last === true) return;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A direct call to the API, as a script on `origin` would make it (Node's fetch sends Sec-Fetch-Mode, so Origin is checked). */
async function apiJson(origin, url, init = {}) {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", origin, ...init.headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export async function runFlow({ mode, origin, api, chromiumPath, artifacts, log }) {
  mkdirSync(artifacts, { recursive: true });
  const tag = `${mode.replace(/\W/g, "")}${Date.now().toString(36)}`;
  const alice = { name: "Alice Example", email: `alice-${tag}@example.com`, password: "correct horse battery" };
  const bob = { name: "Bob Example", email: `bob-${tag}@example.com`, password: "another good password" };
  const wrongPasswordMessage = mappedMessage("INVALID_EMAIL_OR_PASSWORD");

  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const apiOrigin = new URL(api).origin;
  const traffic = { toApi: [], toFrontend: [] };
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith("/api/")) return;
    (url.origin === apiOrigin ? traffic.toApi : traffic.toFrontend).push(`${req.method()} ${url.pathname}`);
  });
  // Ids of the tasks Alice creates, read from the API's answers to the browser.
  const aliceTaskIds = new Set();
  let bobToken;
  page.on("response", async (res) => {
    if (res.request().method() === "POST" && new URL(res.url()).pathname === "/api/tasks" && res.status() === 201) {
      aliceTaskIds.add((await res.json()).id);
    }
  });
  const consoleErrors = [];
  page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));

  let shot = 0;
  const screenshot = (name, target = page) =>
    target.screenshot({ path: `${artifacts}/${String(++shot).padStart(2, "0")}-${name}.png`, fullPage: true });

  const addSection = page.locator('section[aria-labelledby="add-task-heading"]');
  const list = page.getByRole("list", { name: "Task list" });
  const titles = () => list.locator(".task-title").allTextContents();
  const item = (title) => list.getByRole("listitem").filter({ has: page.locator(".task-title", { hasText: title }) });
  const statusText = () => page.getByRole("status").textContent();

  async function addTask(title, { priority, tags, description, due } = {}) {
    await addSection.getByLabel("Title", { exact: true }).fill(title);
    if (description) await addSection.getByLabel("Description").fill(description);
    if (priority) await addSection.getByLabel("Priority").selectOption(priority);
    if (tags) await addSection.getByLabel("Tags").fill(tags);
    if (due) await addSection.getByLabel("Due date").fill(due);
    await addSection.getByRole("button", { name: "Add task" }).click();
    await item(title).waitFor();
    await until(
      "the add form to clear",
      async () => (await addSection.getByLabel("Title", { exact: true }).inputValue()) === "",
    );
  }

  async function setFilters({ q, status, priority, sort, order }) {
    const toolbar = page.getByRole("search", { name: "Filter tasks" });
    if (q !== undefined) await toolbar.getByLabel("Search").fill(q);
    if (status) await toolbar.getByLabel("Status").selectOption(status);
    if (priority !== undefined) await toolbar.getByLabel("Priority").selectOption(priority);
    if (sort) await toolbar.getByLabel("Sort by").selectOption(sort);
    if (order) await toolbar.getByLabel("Order").selectOption(order);
  }

  async function signIn(user, password = user.password) {
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  const steps = [
    [
      "1 sign up, land on the dashboard",
      async () => {
        const pre = await apiJson(origin, `${api}/api/auth/sign-up/email`, {
          method: "POST",
          body: JSON.stringify(bob),
        });
        if (pre.status !== 200) throw new Error(`creating the second user: ${pre.status} ${JSON.stringify(pre.body)}`);
        bobToken = pre.body.token;
        await page.goto(`${origin}/signup`);
        await page.getByLabel("Name").fill(alice.name);
        await page.getByLabel("Email").fill(alice.email);
        await page.getByLabel("Password").fill(alice.password);
        await screenshot("signup-form");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(`${origin}/dashboard`);
        await page.getByRole("heading", { name: "Your tasks" }).waitFor();
        await page.getByText("No tasks yet").waitFor();
        await page.getByText(alice.name).waitFor();
        await screenshot("dashboard-empty");
      },
    ],
    [
      "2 add three tasks, toggle one, edit one, delete one",
      async () => {
        await addTask("Buy milk", { priority: "high", tags: "errands, home", due: "2026-12-01" });
        await addTask("Write report", { description: "Quarterly numbers" });
        await addTask("Call mom", { priority: "low" });
        await until("three tasks", async () => (await titles()).length === 3);
        await screenshot("three-tasks");

        await page.getByRole("checkbox", { name: "Mark “Buy milk” as done" }).click();
        await page.getByRole("checkbox", { name: "Mark “Buy milk” as not done" }).waitFor();
        await until("Buy milk to be checked", () => page.getByRole("checkbox", { name: /Buy milk/ }).isChecked());

        await page.getByRole("button", { name: "Edit “Write report”" }).click();
        const editor = list.locator("li.editing");
        await editor.getByLabel("Title", { exact: true }).fill("Write quarterly report");
        await editor.getByLabel("Priority").selectOption("medium");
        await editor.getByLabel("Tags").fill("work");
        await screenshot("editing");
        await editor.getByRole("button", { name: "Save" }).click();
        await item("Write quarterly report").waitFor();
        await editor.waitFor({ state: "detached" });

        await page.getByRole("button", { name: "Delete “Call mom”" }).click();
        await item("Call mom").waitFor({ state: "detached" });
        await until("two tasks left", async () =>
          same((await titles()).sort(), ["Buy milk", "Write quarterly report"]),
        );
        await item("Write quarterly report").getByText("#work").waitFor();
        await screenshot("after-edits");
      },
    ],
    [
      "2b filter, search and sort",
      async () => {
        await setFilters({ q: "milk" });
        await until("search for milk", async () => same(await titles(), ["Buy milk"]));
        await setFilters({ q: "" });
        await setFilters({ status: "completed" });
        await until("completed filter", async () => same(await titles(), ["Buy milk"]));
        await setFilters({ status: "pending" });
        await until("pending filter", async () => same(await titles(), ["Write quarterly report"]));
        await setFilters({ status: "all", priority: "high" });
        await until("priority filter", async () => same(await titles(), ["Buy milk"]));
        await setFilters({ priority: "", sort: "title", order: "asc" });
        await until("title ascending", async () => same(await titles(), ["Buy milk", "Write quarterly report"]));
        await setFilters({ order: "desc" });
        await until("title descending", async () => same(await titles(), ["Write quarterly report", "Buy milk"]));
        await until("the count", async () => (await statusText()) === "2 tasks");
      },
    ],
    [
      "3 reload: state persists",
      async () => {
        await page.reload();
        await until("the tasks after reload", async () =>
          same((await titles()).sort(), ["Buy milk", "Write quarterly report"]),
        );
        if (!(await page.getByRole("checkbox", { name: /Buy milk/ }).isChecked()))
          throw new Error("Buy milk is no longer done");
        if (await page.getByRole("checkbox", { name: /Write quarterly report/ }).isChecked())
          throw new Error("the wrong task is done");
        await item("Write quarterly report").getByText("Quarterly numbers").waitFor();
        await item("Buy milk").locator('time[datetime="2026-12-01"]').waitFor();
        await item("Buy milk").getByText("#errands").waitFor();
        await screenshot("after-reload");

        const phone = await context.newPage();
        await phone.setViewportSize({ width: 390, height: 844 });
        await phone.goto(`${origin}/dashboard`);
        await phone.getByRole("list", { name: "Task list" }).getByText("Buy milk").waitFor();
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        await screenshot("dashboard-phone", phone);
        await phone.close();
        if (overflow > 0) throw new Error(`the dashboard scrolls sideways on a phone by ${overflow}px`);
      },
    ],
    [
      "4 sign out, then /dashboard redirects to /signin",
      async () => {
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${origin}/signin`);
        await page.goto(`${origin}/dashboard`);
        await page.waitForURL(`${origin}/signin`);
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        await screenshot("signed-out");
      },
    ],
    [
      "5 a second user sees none of the first user's tasks",
      async () => {
        await signIn(bob);
        await page.waitForURL(`${origin}/dashboard`);
        await page.getByText("No tasks yet").waitFor();
        await page.getByText(bob.name).waitFor();
        if ((await titles()).length) throw new Error(`Bob sees ${await titles()}`);
        await screenshot("second-user");
        // And the API agrees: each of Alice's tasks is "not found" for Bob.
        if (aliceTaskIds.size !== 3) throw new Error(`expected 3 created task ids, saw ${[...aliceTaskIds]}`);
        for (const id of aliceTaskIds) {
          const other = await apiJson(origin, `${api}/api/tasks/${id}`, {
            headers: { authorization: `Bearer ${bobToken}` },
          });
          if (other.status !== 404)
            throw new Error(`Bob GET /api/tasks/${id}: ${other.status} ${JSON.stringify(other.body)}`);
        }
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${origin}/signin`);
      },
    ],
    [
      "6 a wrong password shows the mapped message, not a raw code",
      async () => {
        await signIn(alice, "not the password");
        const alert = page.locator("main").getByRole("alert");
        await alert.waitFor();
        const text = (await alert.textContent())?.trim();
        if (text !== wrongPasswordMessage) throw new Error(`alert says ${JSON.stringify(text)}`);
        if (await page.getByText("INVALID_EMAIL_OR_PASSWORD").count()) throw new Error("the raw code is on the page");
        if (page.url() !== `${origin}/signin`) throw new Error(`left the sign-in page for ${page.url()}`);
        await screenshot("wrong-password");
      },
    ],
    [
      `${mode}: the browser talked to the API the way the mode says`,
      async () => {
        const authCalls = (list) => list.filter((r) => r.includes("/api/auth/"));
        const taskCalls = (list) => list.filter((r) => r.includes("/api/tasks"));
        const [direct, proxied] =
          mode === "split-origin" ? [traffic.toApi, traffic.toFrontend] : [traffic.toFrontend, traffic.toApi];
        if (!authCalls(direct).length || !taskCalls(direct).length)
          throw new Error(`expected auth and task calls, saw ${direct}`);
        if (proxied.length) throw new Error(`unexpected calls: ${proxied}`);
        const cookies = await context.cookies();
        const names = cookies.map((c) => `${c.name}@${c.domain}`);
        log(`${mode}: ${direct.length} API calls; cookies now: ${names.join(", ") || "none"}`);
      },
    ],
  ];

  const results = [];
  let failed = false;
  for (const [name, body] of steps) {
    const label = `${mode}: ${name.replace(`${mode}: `, "")}`;
    if (failed) {
      results.push({ name: label, ok: false, error: "not run: an earlier step failed" });
      continue;
    }
    const t0 = Date.now();
    try {
      await body();
      results.push({ name: label, ok: true });
      log(`ok ${label} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed = true;
      results.push({ name: label, ok: false, error: e.message.split("\n")[0] });
      log(`FAIL ${label}: ${e.message}`);
      await screenshot("failure").catch(() => {});
    }
  }
  if (consoleErrors.length) log(`${mode}: browser console errors:\n  ${consoleErrors.join("\n  ")}`);
  await browser.close();
  return results;
}
