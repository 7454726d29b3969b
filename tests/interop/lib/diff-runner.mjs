// Differential runner: plays one scripted request sequence against "ours" and the Node oracle
// (each with its own fresh database, same secret and trusted origins), normalizes every
// response and makes one node:test case per step that compares the two records.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALLOWED_DIFFERENCES } from "./allowed-differences.mjs";
import { CookieJar, rawRequest } from "./http.mjs";
import { DB_KIND, OURS_DB_KIND, OURS_KIND, SECRET, createDatabase, saveArtifact, startOracle, startOurs } from "./harness.mjs";
import { Normalizer, lineDiff, render } from "./normalize.mjs";

export const USER_AGENT = "better-auth-interop/1.0";
const AUTH = "/api/auth";

/**
 * A scripted step. `spec` (or `spec(ctx)`) fields:
 * - `method` (GET), `path` (appended verbatim to /api/auth) or `rawPath` (the whole request target), `query` (object)
 * - `json` (serialized, content-type application/json) | `form` (urlencoded object) | `body` (raw string) + `contentType`
 * - `origin`: string (may contain `<BASE>`), `null` to omit; default: `<BASE>` for non-GET requests, none for GET
 * - `cookie`: `true` (default: send the jar), `false`, or a literal Cookie header (may contain `<BASE>`)
 * - `jar`: name of the cookie jar to use/update (default "main"); `store: false` to not update it
 * - `headers`: extra request headers
 * - or `sql` (+ `params`): a database step whose rows (normalized) are compared instead of a response
 * Step options: `expect` (status the oracle must return — guards the script itself),
 * `prepare(ctx)` (async, before the request: DB tweaks...), `save(res, ctx)` (keep values in ctx.state),
 * `check(res, ctx)` (behavioural assertions run on BOTH servers).
 */
export function step(name, spec, options = {}) {
  return { name, spec, ...options };
}

/**
 * A mail step: waits (bounded, 5 s) until `count` more messages have reached this server's SMTP
 * listener since the previous mail step, then a short settle time for unexpected extra ones, and
 * compares the new messages (see `mailRecord`). The oracle must have sent exactly `count` (guards the
 * script). `save({ mails }, ctx)` / `check({ mails }, ctx)` get the decoded mails (harness.decodeMail),
 * sorted by recipient and kind.
 */
export function mailStep(name, count, options = {}) {
  return { name, spec: { mails: count }, ...options };
}

const MAIL_WAIT_MS = 5000;

/** Token alphabet and length, e.g. `[a-z0-9]{32}` or `jwt`. */
function tokenFormat(token) {
  if (typeof token !== "string") return undefined;
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return "jwt";
  if (/^[a-z0-9]+$/.test(token)) return `[a-z0-9]{${token.length}}`;
  if (/^[A-Za-z0-9]+$/.test(token)) return `[A-Za-z0-9]{${token.length}}`;
  return `other{${token.length}}`;
}

/** Addresses in a To/From header value (display names dropped). */
function headerAddresses(value) {
  if (!value) return [];
  return value.split(",").map((part) => (/<([^>]+)>/.exec(part)?.[1] ?? part).trim().toLowerCase());
}

/**
 * One decoded mail → comparable record: envelope sender and recipients, header recipients, the
 * flow (`kind`, from the link), the link's shape with the base URL as <BASE> and the token as
 * <token> (encoding kept exactly: callbackURL=%2F vs callbackURL=/ differ), and the token itself,
 * normalized (JWT header + payload with <$savedIds>, 24/32-char ids) plus its alphabet and length.
 * Subjects and wording are not compared: the templates are each server's own.
 */
export function mailRecord(mail, normalizer, baseUrl, { serverKind } = {}) {
  const record = {
    to: mail.to.map((a) => a.toLowerCase()),
    from: mail.from,
    headerTo: headerAddresses(mail.headerTo),
    headerFrom: headerAddresses(mail.headerFrom),
    kind: mail.kind,
  };
  if (!mail.url) {
    record.link = "<NO SINGLE AUTH LINK>";
    record.links = mail.links.map((l) => normalizer.string(l));
    return record;
  }
  let shape = mail.url.split(baseUrl).join("<BASE>");
  if (mail.token) shape = shape.split(mail.token).join("<token>");
  record.link = shape;
  record.tokenFormat = tokenFormat(mail.token);
  record.token = mail.token === undefined ? undefined : normalizer.string(mail.token);
  if (serverKind === "node" && record.tokenFormat === "jwt") {
    // Better Auth's signJWT reads the clock twice (jose's setIssuedAt(), then Date.now() for exp), so
    // a second boundary in between gives exp = iat + 3601. That is a race inside Better Auth, not
    // behaviour: normalize it for the Node side only (ours' own value is compared as is).
    record.token = record.token.replace(/"<iat\+3601>"/, '"<iat+3600>"');
  }
  return record;
}

async function collectMails(ctx, count) {
  const { server } = ctx;
  const cursor = ctx.mailCursor ?? 0;
  await server.smtp.waitFor(cursor + count, { timeoutMs: MAIL_WAIT_MS }).catch(() => {});
  // Extra (unexpected) messages: give an asynchronous sender a moment to show them.
  await new Promise((r) => setTimeout(r, count === 0 ? 400 : 150));
  const fresh = server.mails().slice(cursor);
  ctx.mailCursor = cursor + fresh.length;
  const key = (m) => `${m.to.join(",")}|${m.kind}|${m.url}`;
  return fresh.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function buildRequest(ctx, spec) {
  const method = spec.method ?? "GET";
  const sub = (s) => (typeof s === "string" ? s.replaceAll("<BASE>", ctx.baseUrl) : s);
  const subDeep = (v) =>
    Array.isArray(v) ? v.map(subDeep) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, subDeep(x)])) : sub(v);
  let path = spec.rawPath ?? `${AUTH}${spec.path}`;
  if (spec.query) path += `?${new URLSearchParams(subDeep(spec.query))}`;
  const headers = { "user-agent": USER_AGENT };
  let body;
  if (spec.json !== undefined) {
    body = JSON.stringify(subDeep(spec.json));
    headers["content-type"] = "application/json";
  } else if (spec.form !== undefined) {
    body = new URLSearchParams(subDeep(spec.form)).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else if (spec.body !== undefined) {
    body = spec.body;
  }
  if (spec.contentType !== undefined) headers["content-type"] = spec.contentType;
  if (spec.contentType === null) delete headers["content-type"];
  const origin = spec.origin === undefined ? (method === "GET" || method === "HEAD" ? undefined : "<BASE>") : spec.origin;
  if (origin !== null && origin !== undefined) headers.origin = sub(origin);
  const jar = ctx.jar(spec.jar);
  if (spec.cookie === undefined || spec.cookie === true) {
    const c = jar.header();
    if (c) headers.cookie = c;
  } else if (typeof spec.cookie === "string") headers.cookie = sub(spec.cookie);
  for (const [k, v] of Object.entries(spec.headers ?? {})) {
    if (v === null) delete headers[k.toLowerCase()];
    else headers[k.toLowerCase()] = sub(v);
  }
  return { method, path, headers, body };
}

function makeContext(server, db) {
  const jars = new Map();
  return {
    server,
    db,
    baseUrl: server.baseUrl,
    secret: SECRET,
    state: {},
    normalizer: new Normalizer({ baseUrl: server.baseUrl, secret: SECRET }),
    jar(name = "main") {
      if (!jars.has(name)) jars.set(name, new CookieJar());
      return jars.get(name);
    },
    sql: (text, params) => db.query(text, params),
  };
}

async function runScript(ctx, steps, { checks = true } = {}) {
  const results = [];
  for (const s of steps) {
    const result = { name: s.name, request: undefined, response: undefined, record: undefined, errors: [] };
    try {
      if (s.prepare) await s.prepare(ctx);
      const spec = typeof s.spec === "function" ? s.spec(ctx) : s.spec;
      if (spec.mails !== undefined) {
        // A mail step: the messages that reached this server's SMTP listener since the last one.
        result.request = { method: "MAILS", path: `(${spec.mails} new message(s) at this server's SMTP listener)`, headers: {} };
        result.mailCount = spec.mails;
        const mails = await collectMails(ctx, spec.mails);
        result.mails = mails.map(({ kind, to, from, subject, url, raw, receivedAt }) => ({ kind, to, from, subject, url, receivedAt, raw }));
        for (const [key, value] of Object.entries(ctx.state)) ctx.normalizer.name(value, key);
        ctx.normalizer.ids = new Map();
        result.record = { mails: mails.map((m) => mailRecord(m, ctx.normalizer, ctx.baseUrl, { serverKind: ctx.server.kind })) };
        if (s.save) await s.save({ mails }, ctx);
        for (const [key, value] of Object.entries(ctx.state)) ctx.normalizer.name(value, key);
        if (s.check && checks) await Promise.resolve(s.check({ mails }, ctx)).catch((err) => result.errors.push(`check failed: ${err.message}`));
        results.push(result);
        continue;
      }
      if (spec.sql) {
        // A database step: its (normalized) rows are compared like a response.
        result.request = { method: "SQL", path: spec.sql, headers: {}, body: JSON.stringify(spec.params ?? []) };
        const { rows } = await ctx.sql(spec.sql, spec.params ?? []);
        result.record = { rows: ctx.normalizer.value(JSON.parse(JSON.stringify(rows))) };
        if (s.check && checks) await s.check({ rows }, ctx).catch((err) => result.errors.push(`check failed: ${err.message}`));
        results.push(result);
        continue;
      }
      result.request = buildRequest(ctx, spec);
      const started = performance.now();
      const res = await rawRequest(ctx.baseUrl, result.request);
      result.ms = Math.round(performance.now() - started);
      result.response = res;
      if (spec.store !== false) ctx.jar(spec.jar).store(res.setCookie);
      result.record = ctx.normalizer.response(res);
      if (s.save) await s.save(res, ctx);
      for (const [key, value] of Object.entries(ctx.state)) ctx.normalizer.name(value, key);
      if (s.check && checks) {
        try {
          await s.check(res, ctx);
        } catch (err) {
          result.errors.push(`check failed: ${err.message}`);
        }
      }
    } catch (err) {
      result.errors.push(`request failed: ${err.stack ?? err}`);
    }
    results.push(result);
  }
  return results;
}

function describeRequest(req) {
  if (!req) return "(request not built)";
  const lines = [`${req.method} ${req.path}`];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  if (req.body !== undefined) lines.push("", req.body.length > 400 ? `${req.body.slice(0, 400)}… (${req.body.length} bytes)` : req.body);
  return lines.join("\n");
}

/**
 * Compares one step. Matching ALLOWED_DIFFERENCES entries with `reconcile` first remove an accepted
 * partial difference from (copies of) both records; entries with `accept` may then accept the whole
 * step. Returns undefined when equal, `{ allowed: [entries] }` when only allowed differences remain,
 * else `{ message }` with the request and a readable diff.
 */
export function compareStep(title, ours, node) {
  const problems = [];
  if (node.errors.length) problems.push(`oracle: ${node.errors.join("; ")}`);
  if (ours.errors.length) problems.push(`ours: ${ours.errors.join("; ")}`);
  const applied = [];
  if (node.record && ours.record) {
    const args = { ours: structuredClone(ours.record), oracle: structuredClone(node.record), oursRaw: ours.response, oracleRaw: node.response, request: ours.request };
    const matching = ALLOWED_DIFFERENCES.filter((d) => d.step.test(`${title} › ${ours.name}`) && (!d.databases || d.databases.includes(DB_KIND)));
    for (const d of matching) if (d.reconcile?.(args)) applied.push(d);
    const expected = render(args.oracle);
    const actual = render(args.ours);
    if (expected !== actual) {
      const accepted = matching.find((d) => d.accept?.(args));
      if (accepted && !problems.length) return { allowed: [...applied, accepted] };
      problems.push(`response differs (- oracle, + ours):\n${lineDiff(expected, actual)}`);
      if (applied.length) problems.push(`(after removing allowed differences: ${applied.map((d) => d.id).join(", ")})`);
    }
  }
  if (!problems.length) return applied.length ? { allowed: applied } : undefined;
  return { message: [`step "${ours.name}"`, "request (ours):", describeRequest(ours.request), "", ...problems].join("\n") };
}

/**
 * Declares a describe() block: fresh DB + server for each side, run `steps` on both, one it() per step.
 * `options.skip` skips the block; `options.oursEnv` / `options.oracleEnv` add environment to each server
 * (with OURS=node the stand-in gets `oracleEnv`). `options.checks: false` skips the steps' own `check`s
 * `expect`s and mail counts (written for another configuration), so that only ours-vs-oracle comparisons count.
 */
export function diffScenario(title, steps, options = {}) {
  const names = new Set();
  for (const s of steps) {
    if (names.has(s.name)) throw new Error(`duplicate step name ${s.name}`);
    names.add(s.name);
  }
  describe(title, { skip: options.skip }, () => {
    const sides = {};
    let ours;
    let node;
    before(async () => {
      const [dbOurs, dbNode] = await Promise.all([createDatabase("diff_ours", { kind: OURS_DB_KIND }), createDatabase("diff_node", { kind: DB_KIND })]);
      sides.dbs = [dbOurs, dbNode];
      const [sOurs, sNode] = await Promise.all([
        startOurs({ databaseUrl: dbOurs.url, label: `diff-ours-${OURS_KIND}`, env: OURS_KIND === "node" ? options.oracleEnv : options.oursEnv }),
        startOracle({ databaseUrl: dbNode.url, label: "diff-oracle", env: options.oracleEnv }),
      ]);
      sides.servers = [sOurs, sNode];
      [ours, node] = await Promise.all([
        runScript(makeContext(sOurs, dbOurs), steps, options),
        runScript(makeContext(sNode, dbNode), steps, options),
      ]);
      const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      const clip = (text) => (typeof text === "string" && text.length > 4096 ? `${text.slice(0, 4096)}… (${text.length} bytes)` : text);
      const forFile = (steps) =>
        steps.map(({ name, ms, request, response, mails, record, errors }) => ({
          name,
          ms,
          request: request && { ...request, body: clip(request.body) },
          response: response && { ...response, text: clip(response.text), json: undefined },
          mails,
          record,
          errors,
        }));
      await saveArtifact(`transcript-${slug}.json`, {
        ours: { kind: sOurs.kind, baseUrl: sOurs.baseUrl, log: sOurs.logFile, steps: forFile(ours) },
        oracle: { baseUrl: sNode.baseUrl, log: sNode.logFile, steps: forFile(node) },
      });
    });
    after(async () => {
      await Promise.all((sides.servers ?? []).map((s) => s.stop()));
      await Promise.all((sides.dbs ?? []).map((d) => d.drop()));
    });
    steps.forEach((s, i) => {
      it(s.name, (t) => {
        assert.ok(ours && node, "scenario did not run (see before hook)");
        const n = node[i];
        if (s.expect !== undefined && n.response && options.checks !== false) {
          assert.equal(n.response.status, s.expect, `script bug: oracle returned ${n.response.status} for "${s.name}", script expects ${s.expect}\n${n.response.text.slice(0, 500)}`);
        }
        if (n.mailCount !== undefined && n.record && options.checks !== false) {
          assert.equal(n.record.mails.length, n.mailCount, `script bug: the oracle sent ${n.record.mails.length} mail(s) for "${s.name}", script expects ${n.mailCount}\n${render(n.record)}`);
        }
        const outcome = compareStep(title, ours[i], n);
        if (outcome?.allowed) {
          for (const d of outcome.allowed) t.diagnostic(`allowed difference ${d.id}`);
          return;
        }
        if (outcome) assert.fail(outcome.message);
      });
    });
  });
}
