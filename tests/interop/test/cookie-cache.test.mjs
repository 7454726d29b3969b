// The cookie cache (`session.cookieCache`) shared both ways: ours and the Node oracle on the SAME
// database with the same secret and SESSION_COOKIE_CACHE strategy. A `session_data` cookie issued
// by either side must be accepted by the other's get-session FROM THE CACHE: the session row is
// deleted first, so only the cookie can answer (and no Set-Cookie comes back). Both sides must
// then give the same body, byte for byte, and `disableCookieCache=true` must read the (empty) table.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OURS_KIND, createDatabase, startOracle, startOurs } from "../lib/harness.mjs";
import { rawRequest } from "../lib/http.mjs";

const DATA = "better-auth.session_data";
let seq = 0;
const newUser = (tag) => ({ name: `Cache ${tag}`, email: `cache-${tag}-${++seq}-${process.pid}@example.com`, password: `pw-${tag}-${seq}-0123` });

/** Signs up on `server`; returns the `Cookie` header built from its Set-Cookie lines. */
async function signUp(server, user) {
  const res = await rawRequest(server.baseUrl, {
    method: "POST",
    path: "/api/auth/sign-up/email",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(user),
  });
  assert.equal(res.status, 200, `${server.label} sign-up: ${res.status} ${res.text}`);
  const pairs = res.setCookie.map((c) => c.split(";")[0]);
  assert.ok(pairs.some((p) => p.startsWith(`${DATA}=`) && p.length > DATA.length + 1), `${server.label} set no cache: ${res.setCookie}`);
  return { cookie: pairs.join("; "), token: res.json.token, setCookie: res.setCookie };
}

const getSession = (server, cookie, query = "") => rawRequest(server.baseUrl, { path: `/api/auth/get-session${query}`, headers: { cookie } });

for (const strategy of ["compact", "jwt", "jwe"]) {
  describe(`cookie cache shared both ways: ${strategy}`, () => {
    let db;
    let ours;
    let oracle;
    const env = { SESSION_COOKIE_CACHE: strategy, SESSION_COOKIE_CACHE_MAX_AGE: "300", SESSION_COOKIE_CACHE_VERSION: "1" };

    before(async () => {
      db = await createDatabase(`cache-${strategy}`);
      ours = await startOurs({ databaseUrl: db.url, label: `cache-${strategy}-ours-${OURS_KIND}`, passwordHasher: "scrypt", env, smtp: false });
      oracle = await startOracle({ databaseUrl: db.url, label: `cache-${strategy}-oracle`, migrate: false, env, smtp: false });
    });

    after(async () => {
      await Promise.all([ours, oracle].filter(Boolean).map((s) => s.stop()));
      await db?.drop();
    });

    for (const [issuerName, readerName] of [["ours", "oracle"], ["oracle", "ours"]]) {
      it(`a cache cookie ${issuerName} issued answers ${readerName}'s get-session without the session row`, async () => {
        const servers = { ours, oracle };
        const [issuer, reader] = [servers[issuerName], servers[readerName]];
        const { cookie, token, setCookie } = await signUp(issuer, newUser(`${strategy}-${issuerName}`));
        const data = setCookie.find((c) => c.startsWith(`${DATA}=`));
        assert.match(data, /; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax$/);
        // Both answer from the cookie alone once the row is gone.
        await db.query(`DELETE FROM "session" WHERE "token" = $1`, [token]);
        const fromReader = await getSession(reader, cookie);
        assert.equal(fromReader.status, 200, fromReader.text);
        assert.deepEqual(fromReader.setCookie, [], `${readerName} answered from the database`);
        assert.equal(fromReader.json?.session?.token, token, fromReader.text);
        const fromIssuer = await getSession(issuer, cookie);
        assert.deepEqual(fromIssuer.setCookie, []);
        // Same cookie, same cache-hit body on both sides (key order included).
        assert.equal(fromReader.text, fromIssuer.text);
        // Bypassing the cache reads the table: no session, cookies expired.
        const bypass = await getSession(reader, cookie, "?disableCookieCache=true");
        assert.equal(bypass.text, "null");
        assert.ok(bypass.setCookie.some((c) => c.startsWith(`${DATA}=;`)), bypass.setCookie.join("\n"));
      });
    }

    it("a tampered cache cookie falls back to the database on both sides and each re-issues one the other accepts", async () => {
      const { cookie } = await signUp(oracle, newUser(`${strategy}-tampered`));
      const tampered = cookie.replace(new RegExp(`${DATA}=([^;]*)`), (_, v) => `${DATA}=${v.slice(0, 40)}${v[40] === "A" ? "B" : "A"}${v.slice(41)}`);
      for (const [name, server, other] of [["ours", ours, oracle], ["oracle", oracle, ours]]) {
        const res = await getSession(server, tampered);
        assert.equal(res.status, 200, `${name}: ${res.text}`);
        assert.ok(res.json?.session, `${name}: ${res.text}`);
        const fresh = res.setCookie.filter((c) => c.startsWith(`${DATA}=`)).map((c) => c.split(";")[0]);
        assert.equal(fresh.length, 2, `${name}: ${res.setCookie.join("\n")}`);
        assert.equal(fresh[0], `${DATA}=`);
        const reissued = tampered.replace(new RegExp(`${DATA}=[^;]*`), fresh[1]);
        const accepted = await getSession(other, reissued);
        assert.deepEqual(accepted.setCookie, [], `${name}'s re-issued cache was refused by the other side`);
      }
    });
  });
}
