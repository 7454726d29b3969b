// Differential test: the same scripted requests go to better-auth-actix ("ours") and to the real
// Better Auth 1.7.25 ("oracle"), each on its own fresh database with the same secret and trusted
// origins. Every step compares status, contract headers, Set-Cookie attributes and the JSON body
// (key order included) after normalizing volatile values. Deliberate differences: lib/allowed-differences.mjs.
//
//   node --test test/differential.test.mjs            # ours = $BA_BIN
//   OURS=node node --test test/differential.test.mjs  # harness self-check: must show zero differences
//   DIFF_EXTENDED=0 ...                                # only the core group (§3.0–§3.5)
import assert from "node:assert/strict";
import { ALLOWED_DIFFERENCES } from "../lib/allowed-differences.mjs";
import { diffScenario, mailStep, step } from "../lib/diff-runner.mjs";
import { DB_KIND } from "../lib/harness.mjs";
import { DATE_RE, ID_RE } from "../lib/normalize.mjs";
import { randomId, signedCookieValue, tokenFromCookieValue, verificationJwt, verifyWithJwks } from "../lib/tokens.mjs";

export { ALLOWED_DIFFERENCES };

const SESSION_COOKIE = "better-auth.session_token";
const ISO = { cookie: false, store: false }; // an anonymous client: no cookies sent or kept
const post = (path, json, extra = {}) => ({ method: "POST", path, json, ...extra });
const pw = (n, ch = "p") => ch.repeat(n);
/** `n` lowercase letters from a fixed pseudo-random sequence: text PostgreSQL cannot compress. */
const incompressible = (n) => {
  let x = 2463534242;
  return Array.from({ length: n }, () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return String.fromCharCode(97 + (x % 26));
  }).join("");
};

/** The oracle's status for text PostgreSQL cannot store (NUL, oversized unique key): 422 there, stored (200) on SQLite. */
const UNSTORABLE = DB_KIND === "sqlite" ? 200 : 422;

const ALICE = { name: "Alice", email: "alice@example.com", password: "password-alice-1" };

/** Raw session token currently in jar `name`. */
const jarToken = (ctx, name = "main") => {
  const v = ctx.jar(name).get(SESSION_COOKIE);
  return v ? tokenFromCookieValue(v) : undefined;
};

function cookieOf(res, name) {
  return res.setCookie.find((c) => c.startsWith(`${name}=`));
}

function assertNear(dateString, expectedMs, toleranceMs, what) {
  assert.match(dateString, DATE_RE, `${what} format`);
  const delta = Math.abs(Date.parse(dateString) - expectedMs);
  assert.ok(delta <= toleranceMs, `${what} = ${dateString}, expected ≈ ${new Date(expectedMs).toISOString()} (off by ${delta} ms)`);
}

const DAY = 86_400_000;
/** A Date `ms` milliseconds ago (negative: in the future). Portable SQL: dates are parameters, never now()/interval. */
const ago = (ms) => new Date(Date.now() - ms);

async function sessionRowCount(ctx, token) {
  const { rows } = await ctx.sql('SELECT CAST(count(*) AS integer) AS n FROM "session" WHERE "token" = $1', [token]);
  return rows[0].n;
}

// ---------------------------------------------------------------------------------------------
// Core group: routing, body parsing, sign-up, sign-in, CSRF/origin, get-session, sign-out
// ---------------------------------------------------------------------------------------------
const core = [
  // §3.0 routing
  step("GET /ok", { path: "/ok" }, { expect: 200 }),
  step("GET /error with code and description", { path: "/error", query: { error: "SOME_CODE", error_description: "hello there" } }, { expect: 200 }),
  step(
    "GET /error with HTML in code and description",
    { path: "/error", query: { error: "<script>alert(1)</script>", error_description: "<b>x</b>" } },
    {
      expect: 200,
      check: (res) => {
        assert.doesNotMatch(res.text, /<script>alert|<b>x<\/b>/, "error page must escape query input");
      },
    },
  ),
  step("GET /error without query", { path: "/error" }, { expect: 200 }),
  step("unknown path → 404 empty", { path: "/does-not-exist" }, { expect: 404 }),
  step("POST unknown path → 404", post("/does-not-exist", {}), { expect: 404 }),
  step("GET on POST route /sign-up/email → 404", { path: "/sign-up/email" }, { expect: 404 }),
  step("POST on GET route /ok → 404", post("/ok", {}), { expect: 404 }),
  step("PUT /sign-in/email → 404", { method: "PUT", path: "/sign-in/email", json: {} }, { expect: 404 }),
  step("trailing slash /ok/ → 404", { path: "/ok/" }, { expect: 404 }),
  step("double slash //ok → 404", { path: "//ok" }, { expect: 404 }),
  step("path is case-sensitive /OK → 404", { path: "/OK" }, { expect: 404 }),
  step("GET /ok with query string", { path: "/ok", query: { x: "1" } }, { expect: 200 }),
  step("HEAD /ok", { method: "HEAD", path: "/ok" }, { expect: 404 }),
  step("percent-encoded path /%6Fk", { path: "/%6Fk" }),
  step(
    "CORS preflight from trusted origin",
    {
      method: "OPTIONS",
      path: "/sign-in/email",
      origin: "http://localhost:3001",
      headers: { "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    },
    { expect: 404 },
  ),
  step(
    "CORS preflight from untrusted origin",
    {
      method: "OPTIONS",
      path: "/sign-in/email",
      origin: "https://evil.example",
      headers: { "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    },
    { expect: 404 },
  ),

  // §3.2 sign-up
  step("sign-up: ok", post("/sign-up/email", ALICE), {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.aliceId = res.json?.user?.id;
    },
    check: async (res, ctx) => {
      assert.match(res.json.token, ID_RE);
      assert.match(res.json.user.id, ID_RE);
      assert.match(res.headers["set-auth-token"] ?? "", /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/);
      assert.match(cookieOf(res, SESSION_COOKIE) ?? "", /; Max-Age=604800;/);
      const { rows } = await ctx.sql(
        'SELECT u."id", u."email", a."providerId", a."accountId", a."password" FROM "user" u JOIN "account" a ON a."userId" = u."id" WHERE u."id" = $1',
        [res.json.user.id],
      );
      assert.equal(rows.length, 1, "one credential account");
      assert.equal(rows[0].providerId, "credential");
      assert.equal(rows[0].accountId, rows[0].id, "account.accountId = user.id");
      assert.match(rows[0].password, /^[0-9a-f]{32}:[0-9a-f]{128}$/, "scrypt hash format (PASSWORD_HASHER=scrypt)");
    },
  }),
  step("sign-up: duplicate email → 422", post("/sign-up/email", ALICE, ISO), { expect: 422 }),
  step("sign-up: duplicate email in other case → 422", post("/sign-up/email", { ...ALICE, email: "ALICE@Example.com" }, ISO), { expect: 422 }),
  step("sign-up: mixed-case email is stored lowercase", post("/sign-up/email", { name: "Bob", email: "Bob.Mixed@Example.COM", password: "password-bob-1" }, ISO), {
    expect: 200,
  }),
  step("sign-up: missing name", post("/sign-up/email", { email: "n1@example.com", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: missing email", post("/sign-up/email", { name: "N", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: missing password", post("/sign-up/email", { name: "N", email: "n2@example.com" }, ISO), { expect: 400 }),
  step("sign-up: empty object", post("/sign-up/email", {}, ISO), { expect: 400 }),
  step("sign-up: empty name is allowed", post("/sign-up/email", { name: "", email: "noname@example.com", password: "password123" }, ISO), { expect: 200 }),
  step("sign-up: empty password", post("/sign-up/email", { name: "N", email: "n3@example.com", password: "" }, ISO), { expect: 400 }),
  step("sign-up: invalid email", post("/sign-up/email", { name: "N", email: "not-an-email", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: email with surrounding spaces", post("/sign-up/email", { name: "N", email: " sp@example.com ", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: email without TLD", post("/sign-up/email", { name: "N", email: "user@localhost", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: password of 7 chars → PASSWORD_TOO_SHORT", post("/sign-up/email", { name: "N", email: "short@example.com", password: pw(7) }, ISO), { expect: 400 }),
  step("sign-up: password of 8 chars", post("/sign-up/email", { name: "N", email: "eight@example.com", password: pw(8) }, ISO), { expect: 200 }),
  step("sign-up: password of 128 chars", post("/sign-up/email", { name: "N", email: "max@example.com", password: pw(128) }, ISO), { expect: 200 }),
  step("sign-up: password of 129 chars → PASSWORD_TOO_LONG", post("/sign-up/email", { name: "N", email: "long@example.com", password: pw(129) }, ISO), { expect: 400 }),
  step("sign-up: 4 emoji = 8 UTF-16 units is long enough", post("/sign-up/email", { name: "E", email: "emoji@example.com", password: "😀😀😀😀" }, ISO), { expect: 200 }),
  step("sign-up: 65 emoji = 130 UTF-16 units is too long", post("/sign-up/email", { name: "E", email: "emoji2@example.com", password: "😀".repeat(65) }, ISO), { expect: 400 }),
  step("sign-up: name is a number", post("/sign-up/email", { name: 123, email: "t1@example.com", password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: email is a number", post("/sign-up/email", { name: "N", email: 123, password: "password123" }, ISO), { expect: 400 }),
  step("sign-up: password is a number", post("/sign-up/email", { name: "N", email: "t2@example.com", password: 12345678 }, ISO), { expect: 400 }),
  step("sign-up: image is a number", post("/sign-up/email", { name: "N", email: "t3@example.com", password: "password123", image: 5 }, ISO), { expect: 400 }),
  step("sign-up: rememberMe is a string", post("/sign-up/email", { name: "N", email: "t4@example.com", password: "password123", rememberMe: "no" }, ISO), { expect: 400 }),
  step("sign-up: body is a JSON array", { method: "POST", path: "/sign-up/email", body: "[]", contentType: "application/json", ...ISO }, { expect: 400 }),
  step("sign-up: body is JSON null", { method: "POST", path: "/sign-up/email", body: "null", contentType: "application/json", ...ISO }, { expect: 400 }),
  step("sign-up: body is a JSON string", { method: "POST", path: "/sign-up/email", body: '"x"', contentType: "application/json", ...ISO }, { expect: 400 }),
  step("sign-up: no body at all", { method: "POST", path: "/sign-up/email", ...ISO }, { expect: 400 }),
  step("sign-up: form-urlencoded body", { method: "POST", path: "/sign-up/email", form: { name: "Form", email: "form@example.com", password: "password123" }, ...ISO }, { expect: 200 }),
  step("sign-up: text/plain → 415", { method: "POST", path: "/sign-up/email", body: JSON.stringify({ name: "N", email: "tp@example.com", password: "password123" }), contentType: "text/plain", ...ISO }, { expect: 415 }),
  step("sign-up: body without content-type", { method: "POST", path: "/sign-up/email", body: JSON.stringify({ name: "N", email: "nct@example.com", password: "password123" }), ...ISO }, { expect: 400 }),
  step("sign-up: invalid JSON → 400", { method: "POST", path: "/sign-up/email", body: '{"name": "N", "email": ', contentType: "application/json", ...ISO }, { expect: 400 }),
  step("sign-up: content-type with charset", { method: "POST", path: "/sign-up/email", body: JSON.stringify({ name: "C", email: "charset@example.com", password: "password123" }), contentType: "application/json; charset=utf-8", ...ISO }, { expect: 200 }),
  step("sign-up: client-supplied id/emailVerified/createdAt are ignored", post("/sign-up/email", { name: "Sneaky", email: "sneaky@example.com", password: "password123", id: "x".repeat(32), emailVerified: true, createdAt: "2000-01-01T00:00:00.000Z" }, ISO), {
    expect: 200,
    check: (res) => {
      assert.equal(res.json.user.emailVerified, false);
      assert.notEqual(res.json.user.id, "x".repeat(32));
    },
  }),
  step("sign-up: with image and relative callbackURL", post("/sign-up/email", { name: "Img", email: "img@example.com", password: "password123", image: "https://img.example/x.png", callbackURL: "/welcome" }, ISO), { expect: 200 }),
  step("sign-up: untrusted callbackURL → 403", post("/sign-up/email", { name: "N", email: "cb@example.com", password: "password123", callbackURL: "https://evil.example/x" }, ISO), { expect: 403 }),
  step("sign-up: rememberMe false → dont_remember cookie", post("/sign-up/email", { name: "F", email: "forget-su@example.com", password: "password123", rememberMe: false }, ISO), { expect: 200 }),
  step("sign-up: 10 000-character name", post("/sign-up/email", { name: "N".repeat(10_000), email: "longname@example.com", password: "password123" }, ISO), { expect: 200 }),
  // PostgreSQL refuses these (NUL in text; a unique-index row over 2,704 bytes): Better Auth answers 422.
  // SQLite stores them, so Better Auth on better-sqlite3 answers 200 (see lib/allowed-differences.mjs).
  step("sign-up: NUL in name (text the database refuses)", post("/sign-up/email", { name: "a\u0000b", email: "nul-name@example.com", password: "password123" }, ISO), { expect: UNSTORABLE }),
  step("sign-up: NUL in image (text the database refuses)", post("/sign-up/email", { name: "N", email: "nul-image@example.com", password: "password123", image: "\u0000" }, ISO), { expect: UNSTORABLE }),
  step("sign-up: 2 800-character e-mail address (text the database refuses)", post("/sign-up/email", { name: "L", email: `${incompressible(2_800)}@example.com`, password: "password123" }, ISO), { expect: UNSTORABLE }),
  step("sign-up: unicode name", post("/sign-up/email", { name: "Zoë 山田 😀", email: "unicode-name@example.com", password: "password123" }, ISO), { expect: 200 }),
  step("sign-up: whitespace-only password of 8 spaces", post("/sign-up/email", { name: "S", email: "spaces@example.com", password: "        " }, ISO), { expect: 200 }),
  ...[
    ["plus and apostrophe are valid", "o'neil+tag@example.com", 200],
    ["subdomains are valid", "a@mail.sub.example.co.uk", 200],
    ["non-ASCII local part is invalid", "zoë@example.com", 400],
    ["consecutive dots are invalid", "a..b@example.com", 400],
    ["dot before @ is invalid", "a.@example.com", 400],
    ["one-letter TLD is invalid", "a@example.c", 400],
    ["hyphen-led domain is invalid", "a@-example.com", 400],
    ["trailing dot is invalid", "a@example.com.", 400],
    ["IP literal is invalid", "a@[127.0.0.1]", 400],
  ].map(([what, email, status]) => step(`sign-up: email ${what} (${email})`, post("/sign-up/email", { name: "E", email, password: "password123" }, ISO), { expect: status })),
  step("sign-up: duplicate JSON keys (last one wins in JS)", { method: "POST", path: "/sign-up/email", body: '{"name":"Dup","email":"dup-first@example.com","email":"dup-last@example.com","password":"password123"}', contentType: "application/json", ...ISO }, { expect: 200 }),
  step("sign-up: content-type in upper case", { method: "POST", path: "/sign-up/email", body: JSON.stringify({ name: "U", email: "upper-ct@example.com", password: "password123" }), contentType: "Application/JSON", ...ISO }, { expect: 200 }),
  step("sign-up: application/vnd.api+json → 415", { method: "POST", path: "/sign-up/email", body: JSON.stringify({ name: "V", email: "vnd@example.com", password: "password123" }), contentType: "application/vnd.api+json", ...ISO }, { expect: 415 }),
  step("sign-up: multipart/form-data → 415", { method: "POST", path: "/sign-up/email", body: "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nM\r\n--x--\r\n", contentType: "multipart/form-data; boundary=x", ...ISO }, { expect: 415 }),
  step("sign-up: cross-site navigation → 403", post("/sign-up/email", { name: "N", email: "csrf@example.com", password: "password123" }, { ...ISO, origin: null, headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } }), { expect: 403 }),
  step("sign-up: with cookie but without Origin → 403", post("/sign-up/email", { name: "N", email: "noorigin@example.com", password: "password123" }, { origin: null, store: false }), { expect: 403 }),

  // §3.3 sign-in
  step("sign-in: ok", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }), {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.aliceToken = res.json?.token;
      ctx.state.aliceSigned = res.headers["set-auth-token"];
    },
    check: (res, ctx) => {
      assert.equal(res.json.redirect, false);
      assert.equal(res.json.user.id, ctx.state.aliceId);
    },
  }),
  step("sign-in: wrong password → 401", post("/sign-in/email", { email: ALICE.email, password: "wrong-password" }, ISO), { expect: 401 }),
  step("sign-in: unknown email → 401", post("/sign-in/email", { email: "nobody@example.com", password: "password123" }, ISO), { expect: 401 }),
  step("sign-in: invalid email → 400 INVALID_EMAIL", post("/sign-in/email", { email: "nope", password: "password123" }, ISO), { expect: 400 }),
  step("sign-in: missing password", post("/sign-in/email", { email: ALICE.email }, ISO), { expect: 400 }),
  step("sign-in: missing email", post("/sign-in/email", { password: "password123" }, ISO), { expect: 400 }),
  step("sign-in: empty object", post("/sign-in/email", {}, ISO), { expect: 400 }),
  step("sign-in: no body", { method: "POST", path: "/sign-in/email", ...ISO }, { expect: 400 }),
  step("sign-in: password is a number", post("/sign-in/email", { email: ALICE.email, password: 12345678 }, ISO), { expect: 400 }),
  step("sign-in: password of 129 chars → PASSWORD_TOO_LONG", post("/sign-in/email", { email: ALICE.email, password: pw(129) }, ISO), { expect: 400 }),
  step("sign-in: short wrong password → 401 (no minimum on sign-in)", post("/sign-in/email", { email: ALICE.email, password: "abc" }, ISO), { expect: 401 }),
  step("sign-in: upper-case email", post("/sign-in/email", { email: "ALICE@EXAMPLE.COM", password: ALICE.password }, ISO), { expect: 200 }),
  step("sign-in: rememberMe false", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, rememberMe: false }, { jar: "forgetful" }), {
    expect: 200,
    check: async (res, ctx) => {
      const c = cookieOf(res, SESSION_COOKIE);
      assert.ok(c && !/Max-Age/i.test(c), `session cookie without Max-Age: ${c}`);
      assert.ok(cookieOf(res, "better-auth.dont_remember"), "dont_remember cookie set");
      const { rows } = await ctx.sql('SELECT "expiresAt" FROM "session" WHERE "token" = $1', [res.json.token]);
      assertNear(rows[0].expiresAt.toISOString(), Date.now() + 86400_000, 120_000, "rememberMe=false session expiresAt (now+1d)");
    },
  }),
  step("get-session: rememberMe=false session", { path: "/get-session", jar: "forgetful" }, { expect: 200 }),
  step("sign-in: rememberMe true clears dont_remember", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, rememberMe: true }, { jar: "forgetful" }), { expect: 200 }),
  step("sign-in: rememberMe is a string", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, rememberMe: "false" }, ISO), { expect: 400 }),
  step("sign-in: relative callbackURL → redirect + url + Location", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "/dashboard" }, ISO), { expect: 200 }),
  step("sign-in: trusted absolute callbackURL", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "http://localhost:3001/home?tab=1" }, ISO), { expect: 200 }),
  step("sign-in: callbackURL on own base URL", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "<BASE>/after" }, ISO), { expect: 200 }),
  step("sign-in: untrusted callbackURL → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "https://evil.example/x" }, ISO), { expect: 403 }),
  step("sign-in: protocol-relative callbackURL → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "//evil.example/x" }, ISO), { expect: 403 }),
  step("sign-in: javascript: callbackURL → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "javascript:alert(1)" }, ISO), { expect: 403 }),
  step("sign-in: backslash callbackURL → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: "/\\evil.example" }, ISO), { expect: 403 }),
  step("sign-in: form-urlencoded body", { method: "POST", path: "/sign-in/email", form: { email: ALICE.email, password: ALICE.password }, ...ISO }, { expect: 200 }),
  step("sign-in: form-urlencoded rememberMe=false", { method: "POST", path: "/sign-in/email", form: { email: ALICE.email, password: ALICE.password, rememberMe: "false" }, ...ISO }, { expect: 400 }),
  step("sign-in: text/plain → 415", { method: "POST", path: "/sign-in/email", body: JSON.stringify({ email: ALICE.email, password: ALICE.password }), contentType: "text/plain", ...ISO }, { expect: 415 }),
  step("sign-in: invalid JSON → 400", { method: "POST", path: "/sign-in/email", body: "{", contentType: "application/json", ...ISO }, { expect: 400 }),
  step("sign-in: callbackURL is a number → 400 (origin middleware, before validation)", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, callbackURL: 123 }, ISO), { expect: 400 }),
  step("sign-in: untrusted Origin beats a missing password (origin check before validation)", post("/sign-in/email", { email: ALICE.email }, { origin: "https://evil.example", store: false }), { expect: 403 }),
  step("sign-in: invalid JSON beats a missing Origin (body parsing before origin check)", { method: "POST", path: "/sign-in/email", body: "{", contentType: "application/json", origin: null, store: false }, { expect: 400 }),
  step("sign-in: email with surrounding spaces → 400 INVALID_EMAIL", post("/sign-in/email", { email: ` ${ALICE.email} `, password: ALICE.password }, ISO), { expect: 400 }),
  step("sign-in: rememberMe null", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, rememberMe: null }, ISO), { expect: 400 }),
  step("sign-in: unknown fields are ignored", post("/sign-in/email", { email: ALICE.email, password: ALICE.password, extra: { nested: [1, 2] }, userId: "x" }, ISO), { expect: 200 }),
  step("sign-in: duplicate JSON keys (last one wins in JS)", { method: "POST", path: "/sign-in/email", body: `{"email":"nobody@example.com","email":"${ALICE.email}","password":"${ALICE.password}"}`, contentType: "application/json", ...ISO }, { expect: 200 }),
  step("sign-in: untrusted callbackURL in the query string → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, query: { callbackURL: "https://evil.example/q" } }), { expect: 403 }),
  step("sign-in: oversize body", post("/sign-in/email", { email: ALICE.email, password: pw(3 * 1024 * 1024) }, ISO), { expect: 400 }),

  // §7.1 origin / CSRF on sign-in
  step("sign-in: cookie but no Origin → 403 MISSING_OR_NULL_ORIGIN", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: null, store: false }), { expect: 403 }),
  step("sign-in: cookie and Origin null → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: "null", store: false }), { expect: 403 }),
  step("sign-in: cookie and untrusted Origin → 403 INVALID_ORIGIN", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: "https://evil.example", store: false }), { expect: 403 }),
  step("sign-in: cookie and Origin of a look-alike host → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: "http://localhost:30011", store: false }), { expect: 403 }),
  step("sign-in: cookie and trusted extra Origin", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: "http://localhost:3001", store: false }), { expect: 200 }),
  step("sign-in: cookie and trusted Referer, no Origin", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: null, headers: { referer: "http://localhost:3001/login?x=1" }, store: false }), { expect: 200 }),
  step("sign-in: cookie and untrusted Referer → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: null, headers: { referer: "https://evil.example/login" }, store: false }), { expect: 403 }),
  step("sign-in: cookie, Origin null, Sec-Fetch-Site same-origin", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { origin: "null", headers: { "sec-fetch-site": "same-origin" }, store: false }), { expect: 200 }),
  step("sign-in: no cookie, untrusted Origin → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: "https://evil.example" }), { expect: 403 }),
  step("sign-in: no cookie, cross-site navigation → 403 CROSS_SITE_NAVIGATION_LOGIN_BLOCKED", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null, headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } }), { expect: 403 }),
  step("sign-in: no cookie, cross-site navigation with trusted Origin → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: "http://localhost:3001", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" } }), { expect: 403 }),
  step("sign-in: no cookie, Sec-Fetch-Mode cors without Origin → 403", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null, headers: { "sec-fetch-mode": "cors" } }), { expect: 403 }),
  step("sign-in: no cookie, Sec-Fetch-Site same-origin without Origin", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null, headers: { "sec-fetch-site": "same-origin" } })),
  step("sign-in: no cookie, no Origin (server-to-server)", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null }), { expect: 200 }),
  step("sign-in: bearer but no cookie and no Origin", (ctx) => post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null, headers: { authorization: `Bearer ${ctx.state.aliceSigned}` } }), { expect: 200 }),

  // §3.5 get-session
  step("get-session: with cookie", { path: "/get-session" }, {
    expect: 200,
    check: (res, ctx) => {
      assert.equal(res.json.user.id, ctx.state.aliceId);
      assert.equal(res.json.session.token, jarToken(ctx));
      assert.equal(res.headers["cache-control"], "no-store");
      assertNear(res.json.session.expiresAt, Date.parse(res.json.session.createdAt) + 604800_000, 5_000, "session.expiresAt = createdAt + 7d");
    },
  }),
  step("get-session: cross-origin request from trusted origin", { path: "/get-session", origin: "http://localhost:3001" }, {
    expect: 200,
    check: (res, ctx) => {
      if (ctx.server.kind !== "rust") return; // Better Auth itself sends no CORS headers (contract §9)
      assert.equal(res.headers["access-control-allow-origin"], "http://localhost:3001", "CORS: exact trusted origin echoed");
      assert.equal(res.headers["access-control-allow-credentials"], "true", "CORS: credentials allowed");
      for (const h of ["set-auth-token", "set-auth-jwt"]) assert.match(res.headers["access-control-expose-headers"] ?? "", new RegExp(h), `CORS: ${h} exposed`);
    },
  }),
  step("get-session: cross-origin request from untrusted origin", { path: "/get-session", origin: "https://evil.example" }, {
    expect: 200,
    check: (res) => {
      assert.equal(res.headers["access-control-allow-origin"], undefined, "no CORS grant for an untrusted origin");
      assert.equal(res.headers["access-control-allow-credentials"] === "true" && res.headers["access-control-allow-origin"] === "*", false);
    },
  }),
  step("get-session: no cookie → null", { path: "/get-session", ...ISO }, { expect: 200 }),
  step("get-session: bearer raw token", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `Bearer ${ctx.state.aliceToken}` } }), { expect: 200 }),
  step("get-session: bearer signed token", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `Bearer ${ctx.state.aliceSigned}` } }), { expect: 200 }),
  step("get-session: bearer signed token, percent-encoded", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `Bearer ${encodeURIComponent(ctx.state.aliceSigned ?? "")}` } }), { expect: 200 }),
  step("get-session: bearer scheme in lower case", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `bearer ${ctx.state.aliceToken}` } }), { expect: 200 }),
  step("get-session: bearer with bad signature → null", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `Bearer ${ctx.state.aliceToken}.${"A".repeat(43)}=` } }), { expect: 200 }),
  step("get-session: bearer unknown raw token → null", { path: "/get-session", ...ISO, headers: { authorization: `Bearer ${"Z".repeat(32)}` } }, { expect: 200 }),
  step("get-session: Basic authorization is ignored", { path: "/get-session", ...ISO, headers: { authorization: "Basic dXNlcjpwYXNz" } }, { expect: 200 }),
  step("get-session: bearer beats a tampered cookie", (ctx) => ({ path: "/get-session", cookie: `${SESSION_COOKIE}=garbage.value`, store: false, headers: { authorization: `Bearer ${ctx.state.aliceToken}` } }), { expect: 200 }),
  step("get-session: empty bearer → null", { path: "/get-session", ...ISO, headers: { authorization: "Bearer " } }, { expect: 200 }),
  step("get-session: __Secure- cookie name on an http base URL → null", (ctx) => ({ path: "/get-session", store: false, cookie: `__Secure-${SESSION_COOKIE}=${ctx.jar().get(SESSION_COOKIE)}` }), { expect: 200 }),
  step("get-session: bad cookie first, good cookie second", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=garbage; ${SESSION_COOKIE}=${ctx.jar().get(SESSION_COOKIE)}` }), { expect: 200 }),
  step("get-session: good cookie among unrelated cookies", (ctx) => ({ path: "/get-session", store: false, cookie: `theme=dark; ${SESSION_COOKIE}=${ctx.jar().get(SESSION_COOKIE)}; other="quoted value"` }), { expect: 200 }),
  step("get-session: tampered cookie signature → null", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=${encodeURIComponent(`${jarToken(ctx)}.${"B".repeat(43)}=`)}` }), { expect: 200 }),
  step("get-session: unsigned raw token cookie → null", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=${jarToken(ctx)}` }), { expect: 200 }),
  step("get-session: cookie value not percent-encoded", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=${decodeURIComponent(ctx.jar().get(SESSION_COOKIE) ?? "")}` }), { expect: 200 }),
  step("get-session: validly signed cookie for unknown token → null + cookies cleared", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=${signedCookieValue(randomId(), ctx.secret)}` }), { expect: 200 }),
  step("get-session: disableRefresh=true", { path: "/get-session", query: { disableRefresh: "true" } }, { expect: 200 }),
  step("get-session: disableCookieCache=true", { path: "/get-session", query: { disableCookieCache: "true" } }, { expect: 200 }),
  step("get-session: disableRefresh=false is coerced to true", { path: "/get-session", query: { disableRefresh: "false" } }, { expect: 200 }),
  step("POST get-session → 405", post("/get-session", {}), { expect: 405 }),
  step("POST get-session without cookie → 405", post("/get-session", {}, ISO), { expect: 405 }),
  step(
    "get-session: stale session is refreshed (sliding expiry)",
    { path: "/get-session" },
    {
      expect: 200,
      prepare: async (ctx) => {
        await ctx.sql(`UPDATE "session" SET "expiresAt" = $2, "updatedAt" = $3 WHERE "token" = $1`, [jarToken(ctx), ago(-5 * DAY), ago(2 * DAY)]);
      },
      check: async (res, ctx) => {
        assertNear(res.json.session.expiresAt, Date.now() + 604800_000, 120_000, "refreshed expiresAt (now+7d)");
        assertNear(res.json.session.updatedAt, Date.now(), 120_000, "refreshed updatedAt (now)");
        assert.match(cookieOf(res, SESSION_COOKIE) ?? "", /Max-Age=604800/, "cookie re-sent");
        const { rows } = await ctx.sql('SELECT "expiresAt" FROM "session" WHERE "token" = $1', [jarToken(ctx)]);
        assertNear(rows[0].expiresAt.toISOString(), Date.now() + 604800_000, 120_000, "DB expiresAt after refresh");
      },
    },
  ),
  step(
    "get-session: refresh disabled by disableRefresh",
    { path: "/get-session", query: { disableRefresh: "1" } },
    {
      expect: 200,
      prepare: async (ctx) => {
        await ctx.sql(`UPDATE "session" SET "expiresAt" = $2, "updatedAt" = $3 WHERE "token" = $1`, [jarToken(ctx), ago(-5 * DAY), ago(2 * DAY)]);
      },
      check: (res) => {
        assertNear(res.json.session.expiresAt, Date.now() + 5 * 86400_000, 120_000, "expiresAt unchanged (now+5d)");
        assert.equal(cookieOf(res, SESSION_COOKIE), undefined, "no cookie when refresh is disabled");
      },
    },
  ),
  step("setup: second sign-in for expiry test", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { jar: "expiring", origin: null }), { expect: 200 }),
  step(
    "get-session: expired session → null + cookies cleared + row deleted",
    { path: "/get-session", jar: "expiring", store: false },
    {
      expect: 200,
      prepare: async (ctx) => {
        ctx.state.expiringToken = jarToken(ctx, "expiring");
        await ctx.sql(`UPDATE "session" SET "expiresAt" = $2 WHERE "token" = $1`, [ctx.state.expiringToken, ago(60_000)]);
      },
      check: async (res, ctx) => {
        assert.equal(res.json, null);
        assert.equal(await sessionRowCount(ctx, ctx.state.expiringToken), 0, "expired session row deleted");
      },
    },
  ),

  // §5 ipAddress / userAgent recorded on the session
  ...[
    ["IPv4 x-forwarded-for", { "x-forwarded-for": "198.51.100.9" }],
    ["IPv6 x-forwarded-for is masked to /64", { "x-forwarded-for": "2001:db8:abcd:12:1:2:3:4" }],
    ["IPv4-mapped IPv6 x-forwarded-for", { "x-forwarded-for": "::ffff:203.0.113.7" }],
    ["multi-hop x-forwarded-for is not trusted", { "x-forwarded-for": "203.0.113.1, 198.51.100.2" }],
    ["garbage x-forwarded-for", { "x-forwarded-for": "not-an-ip" }],
    ["no user-agent", { "user-agent": null }],
  ].flatMap(([what, headers], i) => [
    step(`sign-in: ${what}`, post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { jar: `ip${i}`, origin: null, headers }), { expect: 200 }),
    step(`get-session: session recorded with ${what}`, { path: "/get-session", jar: `ip${i}`, query: { disableRefresh: "true" } }, { expect: 200 }),
  ]),

  // §3.4 sign-out
  step("sign-out: cookie but no Origin → 403", post("/sign-out", {}, { origin: null, store: false }), { expect: 403 }),
  step("sign-out: untrusted callbackURL → 403", post("/sign-out", { callbackURL: "https://evil.example/bye" }, { store: false }), { expect: 403 }),
  step("sign-out: text/plain body → 415", { method: "POST", path: "/sign-out", body: "{}", contentType: "text/plain", store: false }, { expect: 415 }),
  step("sign-out: ok", post("/sign-out", {}), {
    expect: 200,
    prepare: (ctx) => {
      ctx.state.signedOutCookie = ctx.jar().get(SESSION_COOKIE);
    },
    check: async (res, ctx) => {
      assert.equal(await sessionRowCount(ctx, tokenFromCookieValue(ctx.state.signedOutCookie)), 0, "session row deleted");
    },
  }),
  step("get-session: after sign-out → null", { path: "/get-session" }, { expect: 200 }),
  step("get-session: replaying the signed-out cookie → null + cookies cleared", (ctx) => ({ path: "/get-session", store: false, cookie: `${SESSION_COOKIE}=${ctx.state.signedOutCookie}` }), { expect: 200 }),
  step("sign-out: without any session", post("/sign-out", {}, ISO), { expect: 200 }),
  step("sign-out: no body", { method: "POST", path: "/sign-out", ...ISO }, { expect: 200 }),
  step("setup: sign-in for bearer sign-out", post("/sign-in/email", { email: ALICE.email, password: ALICE.password }, { ...ISO, origin: null }), {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.bearerSigned = res.headers["set-auth-token"];
      ctx.state.bearerToken = res.json?.token;
    },
  }),
  step("sign-out: with bearer token, no cookie, no Origin", (ctx) => post("/sign-out", {}, { ...ISO, origin: null, headers: { authorization: `Bearer ${ctx.state.bearerSigned}` } }), {
    expect: 200,
    check: async (res, ctx) => {
      assert.equal(await sessionRowCount(ctx, ctx.state.bearerToken), 0, "bearer session deleted");
    },
  }),
  step("get-session: bearer after bearer sign-out → null", (ctx) => ({ path: "/get-session", ...ISO, headers: { authorization: `Bearer ${ctx.state.bearerSigned}` } }), { expect: 200 }),
];

diffScenario("differential core (§3.0–§3.5)", core);

// The same core scenario with the cookie cache on (compact) on both sides: every session_data cookie
// (set, re-issued, expired; its payload and signature) and every answer served from it must match.
// The steps' own checks assume no cache (e.g. a session expired in the table reads as null), so only
// the comparison with the oracle counts here.
const COOKIE_CACHE = { SESSION_COOKIE_CACHE: "compact" };
diffScenario("differential core with the cookie cache (compact)", core, { oursEnv: COOKIE_CACHE, oracleEnv: COOKIE_CACHE, checks: false });

// ---------------------------------------------------------------------------------------------
// Extended group: session management, user management, passwords, e-mail, accounts, JWT
// ---------------------------------------------------------------------------------------------
const CAROL = { name: "Carol", email: "carol@example.com", password: "password-carol-1" };
const DAVE = { name: "Dave", email: "dave@example.com", password: "password-dave-1" };
const signIn = (jar, who, password = who.password) => post("/sign-in/email", { email: who.email, password }, { jar });

/** The request target (path + query) of a mailed link, to follow it on the server that sent it. */
const linkTarget = (url) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/** The JWT payload of a verification link's token. */
const jwtPayloadOf = (url) => JSON.parse(Buffer.from(new URL(url).searchParams.get("token").split(".")[1], "base64url").toString("utf8"));

/** The one mail of a mail step, with its link. */
const onlyMail = (mails) => {
  assert.equal(mails.length, 1, "one mail");
  assert.ok(mails[0].url, `one auth link in the mail (found: ${mails[0].links.join(" ")})`);
  return mails[0];
};

const resetTokenOf = async (ctx, userId) => {
  const { rows } = await ctx.sql(
    `SELECT "identifier" FROM "verification" WHERE "identifier" LIKE 'reset-password:%' AND "value" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
    [userId],
  );
  return rows[0]?.identifier.slice("reset-password:".length);
};

const setupCarol = (...extraJars) => [
  step("setup: sign-up carol", post("/sign-up/email", CAROL), {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.carolId = res.json?.user?.id;
    },
  }),
  ...extraJars.map((jar) => step(`setup: carol ${jar} session`, signIn(jar, CAROL), { expect: 200 })),
];
const setupDave = () =>
  step("setup: sign-up dave", post("/sign-up/email", DAVE, { jar: "dave" }), {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.daveId = res.json?.user?.id;
      ctx.state.daveToken = res.json?.token;
    },
  });

// Independent scenarios (each on fresh databases), so that one missing endpoint does not shift later steps.
const extended = {
  "sessions: list, revoke (§3.6)": [
    ...setupCarol("second", "third"),
    setupDave(),
  // §3.6 sessions
  step("list-sessions: unauthenticated → 401", { path: "/list-sessions", ...ISO }, { expect: 401 }),
  step("list-sessions: ok", { path: "/list-sessions" }, {
    expect: 200,
    check: (res, ctx) => {
      assert.equal(res.json.length, 3, "carol has three sessions");
      assert.ok(res.json.every((s) => s.userId === ctx.state.carolId), "only carol's sessions");
    },
  }),
  step("list-sessions: via bearer", (ctx) => ({ path: "/list-sessions", ...ISO, headers: { authorization: `Bearer ${jarToken(ctx)}` } }), { expect: 200 }),
  step("list-sessions: session not fresh → 403", { path: "/list-sessions", jar: "third" }, {
    expect: 403,
    prepare: async (ctx) => {
      await ctx.sql(`UPDATE "session" SET "createdAt" = $2 WHERE "token" = $1`, [jarToken(ctx, "third"), ago(2 * DAY)]);
    },
  }),
  step("POST list-sessions → 404", post("/list-sessions", {}), { expect: 404 }),

  // §3.6 revoke
  step("setup: carol second session again", signIn("second", CAROL, CAROL.password), { expect: 200 }),
  step("setup: carol third session again", signIn("third", CAROL, CAROL.password), { expect: 200 }),
  step("revoke-session: missing token → 400", post("/revoke-session", {}), { expect: 400 }),
  step("revoke-session: unauthenticated, missing token → 400", post("/revoke-session", {}, ISO), { expect: 400 }),
  step("revoke-session: unauthenticated → 401", post("/revoke-session", { token: "x" }, ISO), { expect: 401 }),
  step("revoke-session: unknown token → status true", post("/revoke-session", { token: "Q".repeat(32) }), { expect: 200 }),
  step("revoke-session: another user's token is not revoked", (ctx) => post("/revoke-session", { token: ctx.state.daveToken }), {
    expect: 200,
    check: async (res, ctx) => {
      assert.equal(await sessionRowCount(ctx, ctx.state.daveToken), 1, "dave's session must survive carol's revoke-session");
    },
  }),
  step("revoke-session: second session", (ctx) => post("/revoke-session", { token: jarToken(ctx, "second") }), {
    expect: 200,
    check: async (res, ctx) => {
      assert.equal(await sessionRowCount(ctx, jarToken(ctx, "second")), 0);
    },
  }),
  step("get-session: revoked second session", { path: "/get-session", jar: "second" }, { expect: 200 }),
  step("revoke-other-sessions: unauthenticated → 401", post("/revoke-other-sessions", {}, ISO), { expect: 401 }),
  step("revoke-other-sessions: ok", post("/revoke-other-sessions", {}), { expect: 200 }),
  step("get-session: third after revoke-other-sessions", { path: "/get-session", jar: "third" }, { expect: 200 }),
  step("get-session: main survives revoke-other-sessions", { path: "/get-session" }, { expect: 200 }),
  step("get-session: dave unaffected", { path: "/get-session", jar: "dave" }, { expect: 200 }),
  step("revoke-session: own current token", (ctx) => post("/revoke-session", { token: jarToken(ctx) }), { expect: 200 }),
  step("get-session: after revoking own token", { path: "/get-session" }, { expect: 200 }),
  step("setup: carol signs in again", signIn("main", CAROL, CAROL.password), { expect: 200 }),
  step("setup: carol second session for revoke-sessions", signIn("second", CAROL, CAROL.password), { expect: 200 }),
  step("revoke-sessions: unauthenticated → 401", post("/revoke-sessions", {}, ISO), { expect: 401 }),
  step("revoke-sessions: ok", post("/revoke-sessions", {}), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT CAST(count(*) AS integer) AS n FROM "session" WHERE "userId" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].n, 0, "all carol sessions deleted");
      assert.equal(await sessionRowCount(ctx, ctx.state.daveToken), 1, "dave's session survives");
    },
  }),
  step("get-session: after revoke-sessions", { path: "/get-session", jar: "second" }, { expect: 200 }),
  step("setup: carol signs in after revoke-sessions", signIn("main", CAROL, CAROL.password), { expect: 200 }),

  ],
  "update-user, verify-password (§3.7)": [
    ...setupCarol(),
  // §3.7 update-user
  step("update-user: unauthenticated → 401", post("/update-user", { name: "X" }, ISO), { expect: 401 }),
  step("update-user: name", post("/update-user", { name: "Carol Updated" }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "name", "createdAt", "updatedAt" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].name, "Carol Updated");
      assert.ok(rows[0].updatedAt > rows[0].createdAt, `updatedAt bumped: ${rows[0].updatedAt} > ${rows[0].createdAt}`);
    },
  }),
  step("update-user: image null", post("/update-user", { image: null }), { expect: 200 }),
  step("update-user: image string", post("/update-user", { image: "https://img.example/c.png" }), { expect: 200 }),
  step("update-user: email is rejected", post("/update-user", { email: "new@example.com" }), { expect: 400 }),
  step("update-user: empty object → No fields to update", post("/update-user", {}), { expect: 400 }),
  step("update-user: only core fields → No fields to update", post("/update-user", { emailVerified: true, id: "x", createdAt: "2000-01-01T00:00:00.000Z" }), { expect: 400 }),
  step("update-user: array body", { method: "POST", path: "/update-user", body: "[1]", contentType: "application/json" }, { expect: 400 }),
  step("update-user: name is a number", post("/update-user", { name: 5 }), { expect: 200 }),
  step("update-user: without Origin → 403", post("/update-user", { name: "Nope" }, { origin: null, store: false }), { expect: 403 }),
  step("update-user: via bearer, no cookie", (ctx) => post("/update-user", { name: "Carol Bearer" }, { ...ISO, origin: null, headers: { authorization: `Bearer ${jarToken(ctx)}` } }), { expect: 200 }),
  step("get-session: reflects update-user", { path: "/get-session" }, {
    expect: 200,
    check: (res) => {
      assert.equal(res.json.user.name, "Carol Bearer");
      assert.equal(res.json.user.image, "https://img.example/c.png");
    },
  }),

  // verify-password
  step("verify-password: correct", post("/verify-password", { password: CAROL.password }), { expect: 200 }),
  step("verify-password: wrong → 400", post("/verify-password", { password: "wrong-password" }), { expect: 400 }),
  step("verify-password: missing → 400", post("/verify-password", {}), { expect: 400 }),
  step("verify-password: unauthenticated → 401", post("/verify-password", { password: CAROL.password }, ISO), { expect: 401 }),

  ],
  "change-password (§3.8)": [
    ...setupCarol("second", "third"),
  // §3.8 change-password
  step("change-password: unauthenticated → 401", post("/change-password", { currentPassword: CAROL.password, newPassword: "new-password-1" }, ISO), { expect: 401 }),
  step("change-password: wrong current → 400 INVALID_PASSWORD", post("/change-password", { currentPassword: "wrong-password", newPassword: "new-password-1" }), { expect: 400 }),
  step("change-password: new too short → 400", post("/change-password", { currentPassword: CAROL.password, newPassword: "short" }), { expect: 400 }),
  step("change-password: new too long → 400", post("/change-password", { currentPassword: CAROL.password, newPassword: pw(129) }), { expect: 400 }),
  step("change-password: missing fields → 400", post("/change-password", {}), { expect: 400 }),
  step("change-password: ok", post("/change-password", { currentPassword: CAROL.password, newPassword: "carol-password-2" }), { expect: 200 }),
  step("sign-in: old password after change → 401", post("/sign-in/email", { email: CAROL.email, password: CAROL.password }, ISO), { expect: 401 }),
  step("sign-in: new password after change", post("/sign-in/email", { email: CAROL.email, password: "carol-password-2" }, ISO), { expect: 200 }),
  step("change-password: revokeOtherSessions", post("/change-password", { currentPassword: "carol-password-2", newPassword: "carol-password-3", revokeOtherSessions: true }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "token" FROM "session" WHERE "userId" = $1', [ctx.state.carolId]);
      assert.deepEqual(rows.map((r) => r.token), [res.json.token], "only the new session survives");
    },
  }),
  step("get-session: new session after revokeOtherSessions", { path: "/get-session" }, { expect: 200 }),
  step("get-session: other session revoked by change-password", { path: "/get-session", jar: "second" }, { expect: 200 }),

  ],
  "accounts and jwt (§3.13, §8)": [
    ...setupCarol(),
  // §3.13 accounts
  step("list-accounts: ok", { path: "/list-accounts" }, {
    expect: 200,
    save: (res, ctx) => {
      ctx.state.carolAccountId = res.json?.[0]?.id;
    },
  }),
  step("list-accounts: unauthenticated → 401", { path: "/list-accounts", ...ISO }, { expect: 401 }),
  step("unlink-account: last account → 400", (ctx) => post("/unlink-account", { accountId: ctx.state.carolAccountId }), { expect: 400 }),
  step("unlink-account: unknown account → 400", post("/unlink-account", { accountId: "nope" }), { expect: 400 }),
  step("unlink-account: missing accountId → 400", post("/unlink-account", {}), { expect: 400 }),
  step("unlink-account: unauthenticated → 401", post("/unlink-account", { accountId: "x" }, ISO), { expect: 401 }),

  // §8 jwt plugin
  step("token: unauthenticated → 401", { path: "/token", ...ISO }, { expect: 401 }),
  step("jwks: first call mints a key", { path: "/jwks" }, { expect: 200 }),
  step("token: ok", { path: "/token" }, {
    expect: 200,
    check: async (res, ctx) => {
      const { payload, protectedHeader } = await verifyWithJwks(ctx.baseUrl, res.json.token);
      assert.equal(payload.sub, ctx.state.carolId);
      assert.equal(protectedHeader.alg, "EdDSA");
      assert.equal(payload.exp - payload.iat, 900);
      const { rows } = await ctx.sql('SELECT "alg", "crv", "privateKey" FROM "jwks"');
      assert.equal(rows.length, 1, "one key minted");
      assert.match(rows[0].privateKey, /^"[0-9a-f]+"$/, "privateKey stored as JSON string of encrypted hex");
    },
  }),
  step("token: via bearer", (ctx) => ({ path: "/token", ...ISO, headers: { authorization: `Bearer ${jarToken(ctx)}` } }), { expect: 200 }),
  step("jwks: ok", { path: "/jwks" }, { expect: 200 }),
  step("get-session: set-auth-jwt verifies against jwks", { path: "/get-session" }, {
    expect: 200,
    check: async (res, ctx) => {
      const { payload } = await verifyWithJwks(ctx.baseUrl, res.headers["set-auth-jwt"]);
      assert.equal(payload.sub, ctx.state.carolId);
      assert.equal(payload.email, CAROL.email);
    },
  }),
  step("POST token → 404", post("/token", {}), { expect: 404 }),

  ],
  "e-mail verification and change-email (§3.12, §3.9)": [
    ...setupCarol(),
    setupDave(),
  // §3.12 e-mail verification
  step("send-verification-email: other email with session → 400 EMAIL_MISMATCH", post("/send-verification-email", { email: DAVE.email }), { expect: 400 }),
  step("send-verification-email: ok with session", post("/send-verification-email", { email: CAROL.email, callbackURL: "/verified" }), { expect: 200 }),
  mailStep("mail: verification link to carol", 1, {
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, [CAROL.email]);
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/verify-email?token=${mail.token}&callbackURL=%2Fverified`);
      assert.equal(jwtPayloadOf(mail.url).userId, ctx.state.carolId);
    },
  }),
  step("send-verification-email: without session", post("/send-verification-email", { email: DAVE.email }, ISO), { expect: 200 }),
  mailStep("mail: verification link to dave (no session, callbackURL defaults to /)", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.daveVerifyUrl = mails[0]?.url;
    },
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, [DAVE.email]);
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/verify-email?token=${mail.token}&callbackURL=%2F`);
    },
  }),
  step("send-verification-email: unknown email without session", post("/send-verification-email", { email: "ghost@example.com" }, ISO), { expect: 200 }),
  step("send-verification-email: invalid email → 400", post("/send-verification-email", { email: "nope" }, ISO), { expect: 400 }),
  step("send-verification-email: untrusted callbackURL → 403", post("/send-verification-email", { email: CAROL.email, callbackURL: "https://evil.example" }), { expect: 403 }),
  mailStep("mail: none for an unknown address, an invalid one or an untrusted callbackURL", 0),
  step("verify-email: the link mailed to dave → 302 to /", (ctx) => ({ rawPath: linkTarget(ctx.state.daveVerifyUrl), ...ISO }), {
    expect: 302,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "emailVerified" FROM "user" WHERE "id" = $1', [ctx.state.daveId]);
      assert.equal(rows[0].emailVerified, true, "dave verified by following the mailed link");
    },
  }),
  step("verify-email: missing token → 400", { path: "/verify-email", ...ISO }, { expect: 400 }),
  step("verify-email: garbage token → 401 INVALID_TOKEN", { path: "/verify-email", query: { token: "garbage" }, ...ISO }, { expect: 401 }),
  step("verify-email: garbage token with callbackURL → 302 ?error=", { path: "/verify-email", query: { token: "garbage", callbackURL: "/verified" }, ...ISO }, { expect: 302 }),
  step("verify-email: garbage token with callbackURL that has a query", { path: "/verify-email", query: { token: "garbage", callbackURL: "/verified?from=mail" }, ...ISO }, { expect: 302 }),
  step("verify-email: untrusted callbackURL → 403", { path: "/verify-email", query: { token: "garbage", callbackURL: "https://evil.example" }, ...ISO }, { expect: 403 }),
  step(
    "verify-email: token signed with another secret → 401",
    (ctx) => ({ path: "/verify-email", query: { token: ctx.state.foreignJwt }, ...ISO }),
    {
      expect: 401,
      prepare: async (ctx) => {
        ctx.state.foreignJwt = await verificationJwt("some-other-secret-0123456789-abcdefghijkl", { email: CAROL.email, userId: ctx.state.carolId });
      },
    },
  ),
  step(
    "verify-email: expired token → 401 TOKEN_EXPIRED",
    (ctx) => ({ path: "/verify-email", query: { token: ctx.state.expiredJwt }, ...ISO }),
    {
      expect: 401,
      prepare: async (ctx) => {
        ctx.state.expiredJwt = await verificationJwt(ctx.secret, { email: CAROL.email, userId: ctx.state.carolId }, { iat: Math.floor(Date.now() / 1000) - 7200 });
      },
    },
  ),
  step(
    "verify-email: token for unknown user → 401 USER_NOT_FOUND",
    (ctx) => ({ path: "/verify-email", query: { token: ctx.state.ghostJwt }, ...ISO }),
    {
      expect: 401,
      prepare: async (ctx) => {
        ctx.state.ghostJwt = await verificationJwt(ctx.secret, { email: "ghost@example.com" });
      },
    },
  ),
  step(
    "verify-email: valid token",
    (ctx) => ({ path: "/verify-email", query: { token: ctx.state.carolJwt }, ...ISO }),
    {
      expect: 200,
      prepare: async (ctx) => {
        ctx.state.carolJwt = await verificationJwt(ctx.secret, { email: CAROL.email, userId: ctx.state.carolId });
      },
      check: async (res, ctx) => {
        const { rows } = await ctx.sql('SELECT "emailVerified" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
        assert.equal(rows[0].emailVerified, true);
      },
    },
  ),
  step("verify-email: same token again (already verified)", (ctx) => ({ path: "/verify-email", query: { token: ctx.state.carolJwt }, ...ISO }), { expect: 200 }),
  step("verify-email: valid token with callbackURL → 302", (ctx) => ({ path: "/verify-email", query: { token: ctx.state.carolJwt, callbackURL: "/verified" }, ...ISO }), { expect: 302 }),
  step("get-session: email verified", { path: "/get-session" }, { expect: 200, check: (res) => assert.equal(res.json.user.emailVerified, true) }),
  step("send-verification-email: already verified → 400", post("/send-verification-email", { email: CAROL.email }), { expect: 400 }),

  // §3.9 change-email
  step("change-email: unauthenticated → 401", post("/change-email", { newEmail: "c2@example.com" }, ISO), { expect: 401 }),
  step("change-email: same email → 400", post("/change-email", { newEmail: CAROL.email }), { expect: 400 }),
  step("change-email: same email in other case → 400", post("/change-email", { newEmail: "CAROL@example.com" }), { expect: 400 }),
  step("change-email: invalid email → 400", post("/change-email", { newEmail: "nope" }), { expect: 400 }),
  step("change-email: address already taken → status true", post("/change-email", { newEmail: DAVE.email }), { expect: 200 }),
  step("change-email: untrusted callbackURL → 403", post("/change-email", { newEmail: "carol2@example.com", callbackURL: "https://evil.example" }), { expect: 403 }),
  step("change-email: ok (verification sent)", post("/change-email", { newEmail: "Carol2@Example.com", callbackURL: "/changed" }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "email" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].email, CAROL.email, "email unchanged until verified");
    },
  }),
  mailStep("mail: change-email link to the new address only (none for the taken address)", 1, {
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, ["carol2@example.com"]);
      assert.equal(mail.kind, "change-email");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/verify-email?token=${mail.token}&callbackURL=%2Fchanged`);
      const payload = jwtPayloadOf(mail.url);
      assert.equal(payload.email, CAROL.email);
      assert.equal(payload.updateTo, "carol2@example.com");
    },
  }),
  step(
    "verify-email: change-email token for another signed-in user → 401 INVALID_USER",
    (ctx) => ({ path: "/verify-email", query: { token: ctx.state.changeJwt }, jar: "dave" }),
    {
      expect: 401,
      prepare: async (ctx) => {
        ctx.state.changeJwt = await verificationJwt(ctx.secret, { email: CAROL.email, updateTo: "carol2@example.com", requestType: "change-email-verification", userId: ctx.state.carolId });
      },
    },
  ),
  step("verify-email: change-email token", (ctx) => ({ path: "/verify-email", query: { token: ctx.state.changeJwt } }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "email", "emailVerified" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].email, "carol2@example.com");
      assert.equal(rows[0].emailVerified, true);
    },
  }),
  step("get-session: email changed", { path: "/get-session" }, { expect: 200 }),
  step("sign-in: with new email", post("/sign-in/email", { email: "carol2@example.com", password: CAROL.password }, ISO), { expect: 200 }),
  mailStep("mail: nothing else was sent", 0),

  ],
  "password reset (§3.11)": [
    ...setupCarol(),
  // §3.11 password reset
  step("request-password-reset: known email", post("/request-password-reset", { email: CAROL.email, redirectTo: "/reset" }, ISO), {
    expect: 200,
    check: async (res, ctx) => {
      const token = await resetTokenOf(ctx, ctx.state.carolId);
      assert.match(token ?? "", /^[A-Za-z0-9]{24}$/, "reset-password:<24 chars> verification row");
    },
  }),
  mailStep("mail: reset link to carol", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.resetMailUrl = mails[0]?.url;
    },
    check: async ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, [CAROL.email]);
      assert.equal(mail.token, await resetTokenOf(ctx, ctx.state.carolId), "the mailed token is the stored one");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/reset-password/${mail.token}?callbackURL=%2Freset`);
    },
  }),
  step("request-password-reset: unknown email", post("/request-password-reset", { email: "ghost@example.com", redirectTo: "/reset" }, ISO), { expect: 200 }),
  step("request-password-reset: invalid email → 400", post("/request-password-reset", { email: "nope" }, ISO), { expect: 400 }),
  step("request-password-reset: untrusted redirectTo → 403", post("/request-password-reset", { email: CAROL.email, redirectTo: "https://evil.example/r" }, ISO), { expect: 403 }),
  mailStep("mail: none for an unknown address, an invalid one or an untrusted redirectTo", 0),
  step("reset-password link: the mailed link → 302 to /reset?token=", (ctx) => ({ rawPath: linkTarget(ctx.state.resetMailUrl), ...ISO }), { expect: 302 }),
  step("forget-password (removed alias) → 404", post("/forget-password", { email: CAROL.email }, ISO), { expect: 404 }),
  step("reset-password link: valid token → 302 with token", (ctx) => ({ path: `/reset-password/${ctx.state.resetToken}`, query: { callbackURL: "/reset" }, ...ISO }), {
    expect: 302,
    prepare: async (ctx) => {
      ctx.state.resetToken = await resetTokenOf(ctx, ctx.state.carolId);
    },
  }),
  step("reset-password link: absolute trusted callbackURL", (ctx) => ({ path: `/reset-password/${ctx.state.resetToken}`, query: { callbackURL: "http://localhost:3001/reset" }, ...ISO }), { expect: 302 }),
  step("reset-password link: invalid token → 302 ?error=INVALID_TOKEN", { path: "/reset-password/invalidtoken", query: { callbackURL: "/reset" }, ...ISO }, { expect: 302 }),
  step("reset-password link: untrusted callbackURL → 403", (ctx) => ({ path: `/reset-password/${ctx.state.resetToken}`, query: { callbackURL: "https://evil.example" }, ...ISO }), { expect: 403 }),
  step("reset-password link: missing callbackURL → 400", (ctx) => ({ path: `/reset-password/${ctx.state.resetToken}`, ...ISO }), { expect: 400 }),
  step("reset-password: no token → 400 INVALID_TOKEN", post("/reset-password", { newPassword: "carol-password-4" }, ISO), { expect: 400 }),
  step("reset-password: unknown token → 400", post("/reset-password", { newPassword: "carol-password-4", token: "unknown" }, ISO), { expect: 400 }),
  step("reset-password: new password too short → 400", (ctx) => post("/reset-password", { newPassword: "short", token: ctx.state.resetToken }, ISO), { expect: 400 }),
  step("reset-password: missing newPassword → 400", (ctx) => post("/reset-password", { token: ctx.state.resetToken }, ISO), { expect: 400 }),
  step("reset-password: ok", (ctx) => post("/reset-password", { newPassword: "carol-password-4", token: ctx.state.resetToken }, ISO), {
    expect: 200,
    check: async (res, ctx) => {
      assert.equal(await resetTokenOf(ctx, ctx.state.carolId), undefined, "token consumed");
    },
  }),
  step("reset-password: token reuse → 400", (ctx) => post("/reset-password", { newPassword: "carol-password-5", token: ctx.state.resetToken }, ISO), { expect: 400 }),
  step("setup: request another reset", post("/request-password-reset", { email: CAROL.email }, ISO), { expect: 200 }),
  mailStep("mail: second reset link, no redirectTo → empty callbackURL", 1, {
    check: async ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.equal(mail.token, await resetTokenOf(ctx, ctx.state.carolId), "the mailed token is the stored one");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/reset-password/${mail.token}?callbackURL=`);
    },
  }),
  step("reset-password: token in query string", (ctx) => post("/reset-password", { newPassword: "carol-password-5" }, { ...ISO, query: { token: ctx.state.resetToken2 } }), {
    expect: 200,
    prepare: async (ctx) => {
      ctx.state.resetToken2 = await resetTokenOf(ctx, ctx.state.carolId);
    },
  }),
  step("sign-in: with reset password", post("/sign-in/email", { email: CAROL.email, password: "carol-password-5" }, ISO), { expect: 200 }),
  step("get-session: sessions survive password reset (revokeSessionsOnPasswordReset=false)", { path: "/get-session" }, { expect: 200 }),
  mailStep("mail: nothing else was sent", 0),

  ],
  "delete-user (§3.10)": [
    ...setupCarol(),
    setupDave(),
  // §3.10 delete-user
  step("delete-user: unauthenticated → 401", post("/delete-user", {}, ISO), { expect: 401 }),
  step("delete-user: wrong password → 400", post("/delete-user", { password: "wrong-password" }), { expect: 400 }),
  step("delete-user: untrusted callbackURL → 403", post("/delete-user", { callbackURL: "https://evil.example" }), { expect: 403 }),
  step("delete-user: unknown token → 404", post("/delete-user", { token: "nope" }), { expect: 404 }),
  step("delete-user: stale session without password → 400 SESSION_EXPIRED", post("/delete-user", {}), {
    expect: 400,
    prepare: async (ctx) => {
      await ctx.sql(`UPDATE "session" SET "createdAt" = $2 WHERE "token" = $1`, [jarToken(ctx), ago(2 * DAY)]);
    },
  }),
  step("delete-user: with password", post("/delete-user", { password: CAROL.password }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql(
        `SELECT CAST((SELECT count(*) FROM "user" WHERE "id" = $1) AS integer) AS u, CAST((SELECT count(*) FROM "session" WHERE "userId" = $1) AS integer) AS s, CAST((SELECT count(*) FROM "account" WHERE "userId" = $1) AS integer) AS a`,
        [ctx.state.carolId],
      );
      assert.deepEqual(rows[0], { u: 0, s: 0, a: 0 }, "user, sessions and accounts deleted");
    },
  }),
  step("get-session: after delete-user", { path: "/get-session" }, { expect: 200 }),
  step("sign-in: deleted user → 401", post("/sign-in/email", { email: CAROL.email, password: CAROL.password }, ISO), { expect: 401 }),
  step("delete-user: fresh session, no password", post("/delete-user", {}, { jar: "dave" }), { expect: 200 }),
  step("delete-user/callback: unauthenticated", { path: "/delete-user/callback", query: { token: "nope" }, ...ISO }),
  mailStep("mail: none (no delete-account verification configured)", 0),
  ],
};

for (const [name, steps] of Object.entries(extended)) {
  diffScenario(`differential extended: ${name}`, steps, { skip: process.env.DIFF_EXTENDED === "0" });
}

// The extended scenarios with the cookie cache on both sides (see the core's cache run above):
// update-user, change-password, change-email, verification, revocations and delete-user re-issue
// or expire session_data exactly as Better Auth does.
for (const [name, steps] of Object.entries(extended)) {
  diffScenario(`differential extended with the cookie cache (compact): ${name}`, steps, {
    skip: process.env.DIFF_EXTENDED === "0",
    oursEnv: COOKIE_CACHE,
    oracleEnv: COOKIE_CACHE,
    checks: false,
  });
}

// Mailed confirmations, end to end: every link below is taken from the message the server sent to
// its SMTP listener and followed as is. Both sides are configured for the two-step flows:
// Better Auth's `sendChangeEmailConfirmation` and `deleteUser.sendDeleteAccountVerification`.
const mailedLinks = [
  ...setupCarol(),
  setupDave(),
  // §3.12: verify carol through the mailed link
  step("send-verification-email: carol", post("/send-verification-email", { email: CAROL.email, callbackURL: "/verified" }), { expect: 200 }),
  mailStep("mail: verification link to carol", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.carolVerifyUrl = mails[0]?.url;
    },
  }),
  step("verify-email: following the mailed link (signed in) → 302 /verified", (ctx) => ({ rawPath: linkTarget(ctx.state.carolVerifyUrl) }), {
    expect: 302,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "emailVerified" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].emailVerified, true);
    },
  }),
  step("get-session: verified through the mailed link", { path: "/get-session" }, { expect: 200 }),
  // §3.9 two-step change-email: confirmation to the current address, then the link to the new one
  step("change-email: verified user → confirmation mailed to the current address", post("/change-email", { newEmail: "Carol.New@Example.com", callbackURL: "/changed" }), { expect: 200 }),
  mailStep("mail: change-email confirmation to carol's current address", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.confirmUrl = mails[0]?.url;
    },
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, [CAROL.email]);
      assert.equal(mail.kind, "change-email-confirmation");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/verify-email?token=${mail.token}&callbackURL=%2Fchanged`);
      const payload = jwtPayloadOf(mail.url);
      assert.equal(payload.updateTo, "carol.new@example.com");
      assert.equal(payload.userId, ctx.state.carolId);
    },
  }),
  step("verify-email: following the confirmation link → 302 /changed", (ctx) => ({ rawPath: linkTarget(ctx.state.confirmUrl) }), {
    expect: 302,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "email" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].email, CAROL.email, "still the old address until the new one is confirmed");
    },
  }),
  mailStep("mail: change-email link to the new address", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.changeUrl = mails[0]?.url;
    },
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, ["carol.new@example.com"]);
      assert.equal(mail.kind, "change-email");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/verify-email?token=${mail.token}&callbackURL=%2Fchanged`);
    },
  }),
  step("verify-email: following the change link → 302 /changed", (ctx) => ({ rawPath: linkTarget(ctx.state.changeUrl) }), {
    expect: 302,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT "email", "emailVerified" FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.deepEqual(rows[0], { email: "carol.new@example.com", emailVerified: true });
    },
  }),
  step("get-session: email changed through the mailed links", { path: "/get-session" }, { expect: 200 }),
  // §3.10 delete-user with a mailed confirmation
  step("delete-user: sends a confirmation link instead of deleting", post("/delete-user", { callbackURL: "/goodbye" }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT CAST(count(*) AS integer) AS n FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].n, 1, "not deleted yet");
    },
  }),
  mailStep("mail: delete-account link to carol's new address", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.deleteUrl = mails[0]?.url;
    },
    check: async ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, ["carol.new@example.com"]);
      assert.equal(mail.kind, "delete-account");
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/delete-user/callback?token=${mail.token}&callbackURL=%2Fgoodbye`);
      const { rows } = await ctx.sql('SELECT "value" FROM "verification" WHERE "identifier" = $1', [`delete-account-${mail.token}`]);
      assert.deepEqual(rows, [{ value: ctx.state.carolId }], "delete-account-<token> row for carol");
    },
  }),
  step("delete-user/callback: the mailed link without a session → 404", (ctx) => ({ rawPath: linkTarget(ctx.state.deleteUrl), ...ISO }), { expect: 404 }),
  step("delete-user/callback: the mailed link → 302 /goodbye", (ctx) => ({ rawPath: linkTarget(ctx.state.deleteUrl) }), {
    expect: 302,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT CAST(count(*) AS integer) AS n FROM "user" WHERE "id" = $1', [ctx.state.carolId]);
      assert.equal(rows[0].n, 0, "carol deleted");
    },
  }),
  step("get-session: after deleting through the mailed link", { path: "/get-session" }, { expect: 200 }),
  step("delete-user: dave asks for a link (no callbackURL)", post("/delete-user", {}, { jar: "dave" }), { expect: 200 }),
  mailStep("mail: delete-account link to dave, callbackURL defaults to /", 1, {
    save: ({ mails }, ctx) => {
      ctx.state.daveDeleteToken = mails[0]?.token;
    },
    check: ({ mails }, ctx) => {
      const mail = onlyMail(mails);
      assert.deepEqual(mail.to, [DAVE.email]);
      assert.equal(mail.url, `${ctx.baseUrl}/api/auth/delete-user/callback?token=${mail.token}&callbackURL=%2F`);
    },
  }),
  step("delete-user: dave confirms with the mailed token in the body", (ctx) => post("/delete-user", { token: ctx.state.daveDeleteToken }, { jar: "dave" }), {
    expect: 200,
    check: async (res, ctx) => {
      const { rows } = await ctx.sql('SELECT CAST(count(*) AS integer) AS n FROM "user" WHERE "id" = $1', [ctx.state.daveId]);
      assert.equal(rows[0].n, 0, "dave deleted");
    },
  }),
  mailStep("mail: nothing else was sent", 0),
];

diffScenario("differential extended: mailed links — verification, two-step change-email, delete-user confirmation (§3.9, §3.10, §3.12, §11)", mailedLinks, {
  skip: process.env.DIFF_EXTENDED === "0",
  oracleEnv: { ORACLE_DELETE_VERIFICATION: "1", ORACLE_CHANGE_EMAIL_CONFIRMATION: "1" },
  oursEnv: { DELETE_USER_SEND_VERIFICATION: "true", CHANGE_EMAIL_SEND_CONFIRMATION: "true" },
});

// ---------------------------------------------------------------------------------------------
// Rate limiting (§7.2): enabled explicitly on both sides with database storage, so the rateLimit
// rows themselves are compared too. (Better Auth enables it by default only in production.)
// ---------------------------------------------------------------------------------------------
const fromIp = (ip, extra = {}) => ({ ...ISO, origin: null, ...extra, headers: { "x-forwarded-for": ip, ...(extra.headers ?? {}) } });
const wrongSignIn = (ip) => post("/sign-in/email", { email: "limited@example.com", password: "wrong-password" }, fromIp(ip));
const rateLimited = [
  step("setup: sign-up limited user", post("/sign-up/email", { name: "L", email: "limited@example.com", password: "password123" }, fromIp("203.0.113.50")), { expect: 200 }),
  step("sign-in 1 of 3 in 10 s", wrongSignIn("198.51.100.9"), { expect: 401 }),
  step("sign-in 2 of 3 in 10 s", wrongSignIn("198.51.100.9"), { expect: 401 }),
  step("sign-in 3 of 3 in 10 s", wrongSignIn("198.51.100.9"), { expect: 401 }),
  step("sign-in 4th → 429 with X-Retry-After", wrongSignIn("198.51.100.9"), { expect: 429 }),
  step("sign-in 5th, correct password, still 429", post("/sign-in/email", { email: "limited@example.com", password: "password123" }, fromIp("198.51.100.9")), { expect: 429 }),
  step("sign-in from another IP is not limited", wrongSignIn("198.51.100.10"), { expect: 401 }),
  step("sign-in from an IPv6 /64 neighbour", wrongSignIn("2001:db8::1"), { expect: 401 }),
  step("sign-in from the same IPv6 /64", wrongSignIn("2001:db8::2"), { expect: 401 }),
  step("sign-in from the same IPv6 /64 again", wrongSignIn("2001:db8::3"), { expect: 401 }),
  step("sign-in from the same IPv6 /64 → 429", wrongSignIn("2001:db8::4"), { expect: 429 }),
  step("other path from the limited IP is not limited", { path: "/ok", ...fromIp("198.51.100.9") }, { expect: 200 }),
  step("unknown path from the limited IP", { path: "/nope", ...fromIp("198.51.100.9") }, { expect: 404 }),
  step("POST on unknown path is counted too", post("/nope", {}, fromIp("198.51.100.9")), { expect: 404 }),
  ...[1, 2, 3].map((n) => step(`request-password-reset ${n} of 3 in 60 s`, post("/request-password-reset", { email: "limited@example.com" }, fromIp("198.51.100.11")), { expect: 200 })),
  step("request-password-reset 4th → 429", post("/request-password-reset", { email: "limited@example.com" }, fromIp("198.51.100.11")), { expect: 429 }),
  step("sign-in without x-forwarded-for", post("/sign-in/email", { email: "limited@example.com", password: "wrong-password" }, { ...ISO, origin: null }), { expect: 401 }),
  step("get-session without x-forwarded-for", { path: "/get-session", ...ISO }, { expect: 200 }),
  step("rateLimit rows", { sql: `SELECT "key", "count", CAST("lastRequest" > 0 AS integer) AS "hasLastRequest", length("id") AS "idLength" FROM "rateLimit" ORDER BY "key"` }),
];

diffScenario("differential rate limiting (§7.2)", rateLimited, {
  skip: process.env.DIFF_EXTENDED === "0",
  oracleEnv: { ORACLE_RATE_LIMIT: "database" },
  // Ours trusts X-Forwarded-For only from TRUSTED_PROXIES (Better Auth trusts a single-valued one from anyone);
  // the test client connects from 127.0.0.1, so that is the proxy here.
  oursEnv: { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_STORAGE: "database", TRUSTED_PROXIES: "127.0.0.1" },
});
