// JWT keys shared both ways between ours and the real Better Auth on one database, with a single
// secret and with versioned BETTER_AUTH_SECRETS ($ba$<version>$ envelopes): whoever mints the key,
// the other signs with it, and each server's /jwks verifies the other's tokens.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { OURS_KIND, SECRET, createDatabase, startOracle, startOurs } from "../lib/harness.mjs";
import { rawRequest } from "../lib/http.mjs";
import { verifyWithJwks } from "../lib/tokens.mjs";

const NEW_SECRET = "rotated-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const VERSIONED = `2:${NEW_SECRET},1:${SECRET}`;
let seq = 0;

const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** One database, ours (migrating) and the oracle on it, both with `env`. */
async function pair(label, env = {}) {
  const db = await createDatabase(label);
  const ours = await startOurs({ databaseUrl: db.url, label: `${label}-ours-${OURS_KIND}`, env, passwordHasher: "scrypt" });
  const oracle = await startOracle({ databaseUrl: db.url, label: `${label}-oracle`, env, migrate: false });
  cleanup.push(() => db.drop(), () => oracle.stop(), () => ours.stop());
  return { db, ours, oracle };
}

async function signUp(server) {
  const n = ++seq;
  const body = JSON.stringify({ name: `Keys ${n}`, email: `keys-${n}-${process.pid}@example.com`, password: `pw-keys-${n}-0123` });
  const res = await rawRequest(server.baseUrl, { method: "POST", path: "/api/auth/sign-up/email", headers: { "content-type": "application/json" }, body });
  assert.equal(res.status, 200, res.text);
  const cookie = res.setCookie.find((c) => c.startsWith("better-auth.session_token=")).split(";")[0];
  return { cookie, user: res.json.user };
}

async function token(server, cookie) {
  const res = await rawRequest(server.baseUrl, { path: "/api/auth/token", headers: { cookie } });
  assert.equal(res.status, 200, `${server.label} /token: ${res.text}`);
  return res.json.token;
}

/** `first` mints the key (through /jwks); `second` then signs with it; both /jwks verify both tokens. */
async function mintedByOneUsedByTheOther(servers, first, second, envelope) {
  const { db } = servers;
  const jwks = await rawRequest(first.baseUrl, { path: "/api/auth/jwks" });
  assert.equal(jwks.status, 200, jwks.text);
  const { rows } = await db.query(`SELECT "id", "privateKey" FROM "jwks"`);
  assert.equal(rows.length, 1);
  assert.match(rows[0].privateKey, envelope);
  const { cookie, user } = await signUp(first);
  for (const signer of [second, first]) {
    const jwt = await token(signer, cookie);
    for (const verifier of [first, second]) {
      const { payload, protectedHeader } = await verifyWithJwks(verifier.baseUrl, jwt, { issuer: signer.baseUrl, audience: signer.baseUrl });
      assert.equal(protectedHeader.kid, rows[0].id, `${signer.label} signed with the shared key`);
      assert.equal(payload.sub, user.id);
    }
  }
  const { rows: after } = await db.query(`SELECT CAST(count(*) AS integer) AS n FROM "jwks"`);
  assert.equal(after[0].n, 1, "nobody minted a second key");
}

describe("jwks shared with Better Auth", () => {
  it("a key minted by ours (single secret, bare hex) is used by Better Auth", async () => {
    const s = await pair("jwks-ours-first");
    await mintedByOneUsedByTheOther(s, s.ours, s.oracle, /^"[0-9a-f]+"$/);
  });

  it("a key minted by ours under BETTER_AUTH_SECRETS ($ba$2$) is used by Better Auth", async () => {
    const s = await pair("jwks-ours-versioned", { BETTER_AUTH_SECRETS: VERSIONED });
    await mintedByOneUsedByTheOther(s, s.ours, s.oracle, /^"\$ba\$2\$[0-9a-f]+"$/);
  });

  it("a key minted by Better Auth under BETTER_AUTH_SECRETS ($ba$2$) is used by ours", async () => {
    const s = await pair("jwks-node-versioned", { BETTER_AUTH_SECRETS: VERSIONED });
    await mintedByOneUsedByTheOther(s, s.oracle, s.ours, /^"\$ba\$2\$[0-9a-f]+"$/);
  });

  // The task API (/api/tasks) is ours only: the Node stand-in of the self-check (OURS=node) has none.
  it("a token from Better Auth's /token is accepted by our task API, and a tampered one is not", { skip: OURS_KIND === "node" && "OURS=node: the Node stand-in has no task API" }, async () => {
    const db = await createDatabase("node-token-tasks");
    const oracle = await startOracle({ databaseUrl: db.url, label: "node-token-oracle" });
    // Better Auth's tokens name its own origin as issuer and audience; ours is told to expect them.
    const env = { JWT_ISSUER: oracle.baseUrl, JWT_AUDIENCE: oracle.baseUrl };
    const ours = await startOurs({ databaseUrl: db.url, label: `node-token-ours-${OURS_KIND}`, env, passwordHasher: "scrypt" });
    cleanup.push(() => db.drop(), () => oracle.stop(), () => ours.stop());
    const { cookie, user } = await signUp(oracle);
    const jwt = await token(oracle, cookie);
    const auth = { authorization: `Bearer ${jwt}` };
    const created = await rawRequest(ours.baseUrl, {
      method: "POST",
      path: "/api/tasks",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ title: "signed by Node" }),
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.user_id, user.id);
    const listed = await rawRequest(ours.baseUrl, { path: "/api/tasks", headers: auth });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.map((t) => t.title), ["signed by Node"]);
    const [h, p, sig] = jwt.split(".");
    const tampered = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    const refused = await rawRequest(ours.baseUrl, { path: "/api/tasks", headers: { authorization: `Bearer ${tampered}` } });
    assert.equal(refused.status, 401, refused.text);
  });
});
