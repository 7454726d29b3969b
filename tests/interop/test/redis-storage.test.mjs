// Better Auth's secondaryStorage shared with the real thing: ours (SECONDARY_STORAGE_URL) and a Node
// Better Auth 1.7.25 on the official @better-auth/redis-storage (ioredis) share one PostgreSQL
// database and one Redis, under a key prefix of this run's own. A session created on either side is
// found, listed and revoked by the other; the keys have Better Auth's names, JSON shapes and TTLs;
// revoke-all and update-user on one side reach the other; and two of ours plus the Node server let
// exactly the configured rate limit through.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { OURS_KIND, createDatabase, skipOnSqlite, startOracle, startOurs } from "../lib/harness.mjs";
import { rawRequest } from "../lib/http.mjs";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
let seq = 0;
const newUser = (tag) => ({ name: `Redis ${tag}`, email: `redis-${tag}-${++seq}-${process.pid}@example.com`, password: `pw-${tag}-${seq}-0123` });

async function call(server, path, { cookie, body, headers = {} } = {}) {
  return rawRequest(server.baseUrl, {
    method: body === undefined ? "GET" : "POST",
    path: `/api/auth${path}`,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json", origin: server.baseUrl }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Signs up (or in) on `server`; returns `{cookie, token, userId}`. */
async function signUp(server, user, path = "/sign-up/email") {
  const res = await call(server, path, { body: path === "/sign-up/email" ? user : { email: user.email, password: user.password } });
  assert.equal(res.status, 200, `${server.label} ${path}: ${res.status} ${res.text}`);
  const cookie = res.setCookie.map((c) => c.split(";")[0]).join("; ");
  return { cookie, token: res.json.token, userId: res.json.user.id };
}

// PostgreSQL only: the Redis scenarios are about the secondary storage, not the database, and stay on
// the production backend (their raw SQL is PostgreSQL's).
const SKIP = { skip: skipOnSqlite("redis-storage stays PostgreSQL-only (secondary storage is orthogonal to the database; covered on PostgreSQL)") };

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe(`secondary storage shared with @better-auth/redis-storage (ours = ${OURS_KIND})`, SKIP, () => {
  const prefix = `bat-${randomBytes(6).toString("hex")}:`;
  const env = { SECONDARY_STORAGE_URL: REDIS_URL, SECONDARY_STORAGE_PREFIX: prefix };
  let db;
  let ours;
  let oracle;
  let redis;

  before(async () => {
    db = await createDatabase("redis");
    redis = new Redis(REDIS_URL);
    ours = await startOurs({ databaseUrl: db.url, label: `redis-ours-${OURS_KIND}`, env, smtp: false });
    oracle = await startOracle({ databaseUrl: db.url, label: "redis-oracle", migrate: false, env, smtp: false });
  });

  after(async () => {
    await Promise.all([ours, oracle].filter(Boolean).map((s) => s.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
  });

  for (const [creatorName, otherName] of [["oracle", "ours"], ["ours", "oracle"]]) {
    it(`a session ${creatorName} created is stored as Better Auth stores it, and ${otherName} finds, lists and revokes it`, async () => {
      const servers = { ours, oracle };
      const [creator, other] = [servers[creatorName], servers[otherName]];
      const user = newUser(creatorName);
      const first = await signUp(creator, user);
      const second = await signUp(creator, user, "/sign-in/email");
      // Keys: <token>, active-sessions-<userId>; TTL = seconds to expiresAt; no session row (secondary-only).
      const raw = await redis.get(`${prefix}${first.token}`);
      assert.ok(raw, "the session key");
      const stored = JSON.parse(raw);
      assert.deepEqual(Object.keys(stored), ["session", "user"]);
      assert.deepEqual(Object.keys(stored.session).sort(), ["createdAt", "expiresAt", "id", "ipAddress", "token", "updatedAt", "userAgent", "userId"]);
      assert.deepEqual(Object.keys(stored.user).sort(), ["createdAt", "email", "emailVerified", "id", "image", "name", "updatedAt"]);
      for (const d of [stored.session.expiresAt, stored.session.createdAt, stored.user.updatedAt]) assert.match(d, ISO);
      const ttl = await redis.ttl(`${prefix}${first.token}`);
      assert.ok(ttl > 604_790 && ttl <= 604_800, `ttl ${ttl}`);
      const list = JSON.parse(await redis.get(`${prefix}active-sessions-${first.userId}`));
      assert.deepEqual(list.map((e) => e.token).sort(), [first.token, second.token].sort());
      assert.ok(list.every((e) => typeof e.expiresAt === "number"));
      // (Better Auth's own migrator omits the table in this mode: OURS=node.)
      const rows = await db.query(`SELECT count(*)::int AS n FROM "session"`).then((r) => r.rows, (e) => (e.code === "42P01" ? [{ n: 0 }] : Promise.reject(e)));
      assert.equal(rows[0].n, 0);
      // The other side finds it...
      const found = await call(other, "/get-session", { cookie: first.cookie });
      assert.equal(found.status, 200, found.text);
      assert.equal(found.json?.session?.token, first.token, found.text);
      assert.equal(found.json.user.email, user.email);
      // ...lists both...
      const listed = await call(other, "/list-sessions", { cookie: first.cookie });
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.json.map((s) => s.token).sort(), [first.token, second.token].sort());
      // ...and revokes one, which the creator then no longer finds.
      const revoked = await call(other, "/revoke-session", { cookie: first.cookie, body: { token: second.token } });
      assert.equal(revoked.status, 200, revoked.text);
      assert.equal(await redis.get(`${prefix}${second.token}`), null);
      assert.equal((await call(creator, "/get-session", { cookie: second.cookie })).text, "null");
      assert.equal((await call(creator, "/get-session", { cookie: first.cookie })).json?.session?.token, first.token);
      // Sign-out on the other side ends it for the creator.
      const out = await call(other, "/sign-out", { cookie: first.cookie, body: {} });
      assert.equal(out.status, 200, out.text);
      assert.equal((await call(creator, "/get-session", { cookie: first.cookie })).text, "null");
      assert.equal(await redis.get(`${prefix}active-sessions-${first.userId}`), null);
    });
  }

  for (const [actorName, otherName] of [["ours", "oracle"], ["oracle", "ours"]]) {
    it(`revoke-sessions on ${actorName} writes revoked-sessions-before, and ${otherName} honours it`, async () => {
      const servers = { ours, oracle };
      const [actor, other] = [servers[actorName], servers[otherName]];
      const user = newUser(`revoke-${actorName}`);
      const mine = await signUp(actor, user);
      const theirs = await signUp(other, user, "/sign-in/email");
      const before = Date.now();
      const res = await call(actor, "/revoke-sessions", { cookie: mine.cookie, body: {} });
      assert.equal(res.status, 200, res.text);
      const mark = await redis.get(`${prefix}revoked-sessions-before-${mine.userId}`);
      assert.match(mark, /^\d+$/);
      assert.ok(Number(mark) >= before - 5);
      const ttl = await redis.ttl(`${prefix}revoked-sessions-before-${mine.userId}`);
      assert.ok(ttl > 604_790 && ttl <= 604_800, `ttl ${ttl}`);
      assert.equal((await call(other, "/get-session", { cookie: theirs.cookie })).text, "null");
      // A session created afterwards is not revoked.
      await new Promise((r) => setTimeout(r, 5));
      const fresh = await signUp(other, user, "/sign-in/email");
      assert.equal((await call(actor, "/get-session", { cookie: fresh.cookie })).json?.session?.token, fresh.token);
    });

    it(`update-user on ${actorName} rewrites the cached user that ${otherName} serves`, async () => {
      const servers = { ours, oracle };
      const [actor, other] = [servers[actorName], servers[otherName]];
      const user = newUser(`update-${actorName}`);
      const mine = await signUp(other, user);
      const res = await call(actor, "/update-user", { cookie: mine.cookie, body: { name: `Renamed by ${actorName}` } });
      assert.equal(res.status, 200, res.text);
      const stored = JSON.parse(await redis.get(`${prefix}${mine.token}`));
      assert.equal(stored.user.name, `Renamed by ${actorName}`);
      const seen = await call(other, "/get-session", { cookie: mine.cookie });
      assert.equal(seen.json?.user?.name, `Renamed by ${actorName}`);
    });
  }
  for (const [issuerName, redeemerName] of [["ours", "oracle"], ["oracle", "ours"]]) {
    it(`a reset token ${issuerName} put in Redis (verification:<identifier>) is consumed once by ${redeemerName}`, async () => {
      const servers = { ours, oracle };
      const [issuer, redeemer] = [servers[issuerName], servers[redeemerName]];
      const user = newUser(`reset-${issuerName}`);
      const { userId } = await signUp(issuer, user);
      const before = new Set(await redis.keys(`${prefix}verification:*`));
      const sent = await call(issuer, "/request-password-reset", { body: { email: user.email } });
      assert.equal(sent.status, 200, sent.text);
      const key = (await redis.keys(`${prefix}verification:*`)).find((k) => !before.has(k));
      assert.ok(key, "the verification key");
      const stored = JSON.parse(await redis.get(key));
      assert.equal(stored.value, userId);
      assert.equal(`${prefix}verification:${stored.identifier}`, key);
      assert.match(stored.expiresAt, ISO);
      const ttl = await redis.ttl(key);
      assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
      const token = stored.identifier.replace(/^reset-password:/, "");
      const reset = await call(redeemer, "/reset-password", { body: { token, newPassword: "brand-new-pass-1" } });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(await redis.get(key), null);
      const again = await call(issuer, "/reset-password", { body: { token, newPassword: "brand-new-pass-2" } });
      assert.equal(again.status, 400, again.text);
      const signIn = await call(issuer, "/sign-in/email", { body: { email: user.email, password: "brand-new-pass-1" } });
      assert.equal(signIn.status, 200, signIn.text);
    });
  }
});

describe(`rate limits shared through Redis: two of ours and a Node Better Auth (ours = ${OURS_KIND})`, SKIP, () => {
  const prefix = `bat-${randomBytes(6).toString("hex")}:`;
  const env = {
    SECONDARY_STORAGE_URL: REDIS_URL,
    SECONDARY_STORAGE_PREFIX: prefix,
    RATE_LIMIT_ENABLED: "true",
    RATE_LIMIT_STORAGE: "secondary-storage",
    TRUSTED_PROXIES: "127.0.0.1",
    ORACLE_RATE_LIMIT: "secondary-storage",
  };
  let db;
  let servers = [];
  let redis;

  before(async () => {
    db = await createDatabase("redis-rl");
    redis = new Redis(REDIS_URL);
    servers = [
      await startOurs({ databaseUrl: db.url, label: `redis-rl-ours1-${OURS_KIND}`, env, smtp: false }),
      await startOurs({ databaseUrl: db.url, label: `redis-rl-ours2-${OURS_KIND}`, env, smtp: false }),
      await startOracle({ databaseUrl: db.url, label: "redis-rl-oracle", migrate: false, env, smtp: false }),
    ];
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
  });

  it("sign-in (3 per 10 s) lets exactly 3 of 9 requests through across the three servers", async () => {
    const statuses = [];
    for (let i = 0; i < 9; i++) {
      const server = servers[i % 3];
      const res = await call(server, "/sign-in/email", {
        body: { email: "nobody@example.com", password: "wrong-password-0" },
        headers: { "x-forwarded-for": "203.0.113.77" },
      });
      statuses.push(res.status);
      if (res.status === 429) assert.equal(res.headers["x-retry-after"], "10", `${server.label}`);
    }
    assert.deepEqual(statuses.filter((s) => s !== 429).length, 3, statuses.join(","));
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    const key = `${prefix}203.0.113.77|/sign-in/email`;
    assert.equal(await redis.get(key), "9");
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 0 && ttl <= 10, `ttl ${ttl}`);
  });
});

for (const preserve of [false, true]) {
  const mode = preserve ? "preserveSessionInDatabase" : "storeSessionInDatabase";
  describe(`${mode}: sessions in PostgreSQL and Redis, shared with Node (ours = ${OURS_KIND})`, SKIP, () => {
    const prefix = `bat-${randomBytes(6).toString("hex")}:`;
    const env = {
      SECONDARY_STORAGE_URL: REDIS_URL,
      SECONDARY_STORAGE_PREFIX: prefix,
      SESSION_STORE_IN_DATABASE: "true",
      SESSION_PRESERVE_IN_DATABASE: String(preserve),
    };
    let db;
    let ours;
    let oracle;
    let redis;

    before(async () => {
      db = await createDatabase(preserve ? "redis-preserve" : "redis-store");
      redis = new Redis(REDIS_URL);
      ours = await startOurs({ databaseUrl: db.url, label: `redis-${mode}-ours-${OURS_KIND}`, env, smtp: false });
      oracle = await startOracle({ databaseUrl: db.url, label: `redis-${mode}-oracle`, migrate: false, env, smtp: false });
    });

    after(async () => {
      await Promise.all([ours, oracle].filter(Boolean).map((s) => s.stop()));
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db?.drop();
    });

    for (const [creatorName, otherName] of [["oracle", "ours"], ["ours", "oracle"]]) {
      it(`a session ${creatorName} created has a row and a key; both sides read, list and end it alike`, async () => {
        const servers = { ours, oracle };
        const [creator, other] = [servers[creatorName], servers[otherName]];
        const user = newUser(`${mode}-${creatorName}`);
        const first = await signUp(creator, user);
        const second = await signUp(creator, user, "/sign-in/email");
        const row = await db.query(`SELECT id FROM "session" WHERE token = $1`, [first.token]);
        assert.equal(row.rows.length, 1);
        const stored = JSON.parse(await redis.get(`${prefix}${first.token}`));
        assert.equal(stored.session.id, row.rows[0].id);
        for (const server of [ours, oracle]) {
          const listed = await call(server, "/list-sessions", { cookie: first.cookie });
          assert.deepEqual(listed.json.map((s) => s.token).sort(), [first.token, second.token].sort(), `${server.label}`);
        }
        // Without the key: the database answers (store), or nobody does (preserve): the same on both sides.
        await redis.del(`${prefix}${first.token}`);
        for (const server of [ours, oracle]) {
          const found = await call(server, "/get-session", { cookie: first.cookie });
          assert.equal(found.json?.session?.token ?? null, preserve ? null : first.token, `${server.label}: ${found.text}`);
        }
        // Sign-out on the other side: the key goes; the row goes (store) or is ended (preserve).
        const out = await call(other, "/sign-out", { cookie: second.cookie, body: {} });
        assert.equal(out.status, 200, out.text);
        assert.equal(await redis.get(`${prefix}${second.token}`), null);
        const left = await db.query(`SELECT "expiresAt" <= now() AS ended FROM "session" WHERE token = $1`, [second.token]);
        assert.deepEqual(left.rows, preserve ? [{ ended: true }] : []);
        assert.equal((await call(creator, "/get-session", { cookie: second.cookie })).text, "null");
      });
    }
  });
}
