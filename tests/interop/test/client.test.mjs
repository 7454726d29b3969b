// The official Better Auth client (`better-auth/client`, in Node) drives OUR server.
// Node's fetch has no cookie store, so a CookieJar-backed fetch is plugged in via
// `fetchOptions.customFetchImpl`, sending `Origin: <base URL>` like a same-origin browser page.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";
import { createDatabase, startOurs } from "../lib/harness.mjs";
import { CookieJar, jarFetch } from "../lib/http.mjs";
import { ID_RE } from "../lib/normalize.mjs";
import { verifyWithJwks } from "../lib/tokens.mjs";

const SESSION_COOKIE = "better-auth.session_token";
const EXTENDED = process.env.DIFF_EXTENDED !== "0";

let db;
let server;

before(async () => {
  db = await createDatabase("client");
  server = await startOurs({ databaseUrl: db.url, label: "client-ours" });
});

after(async () => {
  await server?.stop();
  await db?.drop();
});

/** A client with its own cookie jar ("browser profile"); `headers` are captured per response. */
function makeClient({ jar = new CookieJar(), fetchOptions = {} } = {}) {
  const responses = [];
  const client = createAuthClient({
    baseURL: server.baseUrl,
    plugins: [jwtClient()],
    fetchOptions: {
      customFetchImpl: jarFetch(jar, { origin: server.baseUrl, onResponse: (r) => responses.push(r) }),
      ...fetchOptions,
    },
  });
  return { client, jar, responses, lastResponse: () => responses.at(-1) };
}

let seq = 0;
const newUser = (name = "Client User") => ({ name, email: `client${++seq}-${process.pid}@example.com`, password: "client-password-1" });

function assertUserShape(user, expected) {
  assert.deepEqual(Object.keys(user), ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"], "user keys in Better Auth order");
  assert.equal(user.name, expected.name);
  assert.equal(user.email, expected.email.toLowerCase());
  assert.equal(user.emailVerified, false);
  assert.equal(user.image, expected.image ?? null);
  assert.ok(user.createdAt instanceof Date && !Number.isNaN(user.createdAt.getTime()), "createdAt revived into a Date by the client parser");
  assert.ok(user.updatedAt instanceof Date, "updatedAt revived into a Date");
  assert.match(user.id, ID_RE);
}

describe("better-auth client → ours: core flow", () => {
  it("signUp.email returns { token, user } and sets the session cookie", async () => {
    const { client, jar, lastResponse } = makeClient();
    const u = newUser("Signup Sam");
    const { data, error } = await client.signUp.email(u);
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(Object.keys(data), ["token", "user"]);
    assert.match(data.token, ID_RE);
    assertUserShape(data.user, u);
    const cookie = jar.get(SESSION_COOKIE);
    assert.ok(cookie, "session cookie stored");
    assert.equal(decodeURIComponent(cookie).split(".")[0], data.token, "cookie carries the returned token");
    assert.match(lastResponse().headers.get("set-auth-token") ?? "", /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/);
  });

  it("getSession returns { session, user } for the signed-up user, then null after signOut", async () => {
    const { client, jar } = makeClient();
    const u = newUser("Session Sue");
    const signUp = await client.signUp.email(u);
    assert.equal(signUp.error, null);

    const { data, error } = await client.getSession();
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(Object.keys(data), ["session", "user"]);
    assert.deepEqual(Object.keys(data.session), ["expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "id"]);
    assert.equal(data.session.token, signUp.data.token);
    assert.equal(data.session.userId, signUp.data.user.id);
    assert.ok(data.session.expiresAt instanceof Date);
    const ttl = data.session.expiresAt - data.session.createdAt;
    assert.ok(Math.abs(ttl - 604800_000) < 5000, `session lifetime ≈ 7 days, got ${ttl} ms`);
    assertUserShape(data.user, u);
    assert.equal(data.user.id, signUp.data.user.id);

    const out = await client.signOut();
    assert.equal(out.error, null, JSON.stringify(out.error));
    assert.deepEqual(out.data, { success: true });
    assert.equal(jar.get(SESSION_COOKIE), undefined, "session cookie cleared by sign-out");

    const after = await client.getSession();
    assert.equal(after.error, null);
    assert.equal(after.data, null, "no session after sign-out");
  });

  it("signIn.email returns { redirect:false, token, user } and a working session", async () => {
    const u = newUser("Signin Sid");
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    const { client } = makeClient();
    const { data, error } = await client.signIn.email({ email: u.email, password: u.password });
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(Object.keys(data), ["redirect", "token", "user"]);
    assert.equal(data.redirect, false);
    assert.match(data.token, ID_RE);
    assertUserShape(data.user, u);
    const session = await client.getSession();
    assert.equal(session.data?.user.id, data.user.id);
  });

  it("signIn.email with a wrong password fails with 401 INVALID_EMAIL_OR_PASSWORD", async () => {
    const u = newUser();
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    const { client, jar } = makeClient();
    const { data, error } = await client.signIn.email({ email: u.email, password: "not-the-password" });
    assert.equal(data, null);
    assert.equal(error.status, 401);
    assert.equal(error.code, "INVALID_EMAIL_OR_PASSWORD");
    assert.equal(error.message, "Invalid email or password");
    assert.equal(jar.size, 0, "no cookie on failure");
  });

  it("signIn.email for an unknown email fails the same way", async () => {
    const { client } = makeClient();
    const { error } = await client.signIn.email({ email: "nobody-here@example.com", password: "whatever-password" });
    assert.equal(error.status, 401);
    assert.equal(error.code, "INVALID_EMAIL_OR_PASSWORD");
  });

  it("signUp.email with an existing email fails with 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", async () => {
    const u = newUser();
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    const { error } = await makeClient().client.signUp.email(u);
    assert.equal(error.status, 422);
    assert.equal(error.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
  });

  it("validation and length errors reach the client as status + code", async () => {
    const { client } = makeClient();
    const bad = await client.signUp.email({ name: "X", email: "not-an-email", password: "client-password-1" });
    assert.equal(bad.error.status, 400);
    assert.equal(bad.error.code, "VALIDATION_ERROR");
    assert.equal(bad.error.message, "[body.email] Invalid email address");
    const short = await client.signUp.email({ ...newUser(), password: "short" });
    assert.equal(short.error.status, 400);
    assert.equal(short.error.code, "PASSWORD_TOO_SHORT");
  });

  it("signIn.email with rememberMe:false and a callbackURL", async () => {
    const u = newUser();
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    const { client, jar, lastResponse } = makeClient();
    const { data, error } = await client.signIn.email({ email: u.email, password: u.password, rememberMe: false, callbackURL: "/dashboard" });
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(Object.keys(data), ["redirect", "token", "url", "user"]);
    assert.equal(data.redirect, true);
    assert.equal(data.url, "/dashboard");
    assert.equal(lastResponse().headers.get("location"), "/dashboard");
    assert.ok(jar.get("better-auth.dont_remember"), "dont_remember cookie stored");
    const session = await client.getSession();
    const ttl = session.data.session.expiresAt - session.data.session.createdAt;
    assert.ok(Math.abs(ttl - 86400_000) < 5000, `rememberMe:false session lasts 1 day, got ${ttl} ms`);
  });

  it("an untrusted callbackURL is refused with 403 INVALID_CALLBACK_URL", async () => {
    const u = newUser();
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    const { error } = await makeClient().client.signIn.email({ email: u.email, password: u.password, callbackURL: "https://evil.example/" });
    assert.equal(error.status, 403);
    assert.equal(error.code, "INVALID_CALLBACK_URL");
  });

  it("bearer flow: set-auth-token from sign-in authenticates getSession without cookies", async () => {
    const u = newUser();
    assert.equal((await makeClient().client.signUp.email(u)).error, null);
    let bearer;
    const { client } = makeClient({
      fetchOptions: {
        onSuccess: (ctx) => {
          bearer = ctx.response.headers.get("set-auth-token") ?? bearer;
        },
      },
    });
    const signIn = await client.signIn.email({ email: u.email, password: u.password });
    assert.equal(signIn.error, null);
    assert.ok(bearer, "set-auth-token exposed to the client");

    const cookieless = createAuthClient({ baseURL: server.baseUrl, fetchOptions: { auth: { type: "Bearer", token: () => bearer } } });
    const { data, error } = await cookieless.getSession();
    assert.equal(error, null, JSON.stringify(error));
    assert.equal(data?.user.id, signIn.data.user.id);

    const rawBearer = createAuthClient({ baseURL: server.baseUrl, fetchOptions: { auth: { type: "Bearer", token: signIn.data.token } } });
    assert.equal((await rawBearer.getSession()).data?.user.id, signIn.data.user.id, "raw (unsigned) session token accepted as bearer");
  });
});

describe("better-auth client → ours: account management", { skip: !EXTENDED }, () => {
  it("listSessions lists the user's sessions with tokens", async () => {
    const u = newUser();
    const a = makeClient();
    const signUp = await a.client.signUp.email(u);
    const b = makeClient();
    await b.client.signIn.email({ email: u.email, password: u.password });
    const { data, error } = await a.client.listSessions();
    assert.equal(error, null, JSON.stringify(error));
    assert.equal(data.length, 2);
    assert.ok(data.every((s) => s.userId === signUp.data.user.id));
    assert.ok(data.some((s) => s.token === signUp.data.token));
  });

  it("updateUser changes the name and getSession reflects it", async () => {
    const { client } = makeClient();
    await client.signUp.email(newUser("Before"));
    const { data, error } = await client.updateUser({ name: "After", image: "https://img.example/a.png" });
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(data, { status: true });
    const session = await client.getSession();
    assert.equal(session.data.user.name, "After");
    assert.equal(session.data.user.image, "https://img.example/a.png");
  });

  it("changePassword with revokeOtherSessions signs out other devices", async () => {
    const u = newUser();
    const a = makeClient();
    await a.client.signUp.email(u);
    const b = makeClient();
    await b.client.signIn.email({ email: u.email, password: u.password });
    const { data, error } = await a.client.changePassword({ currentPassword: u.password, newPassword: "client-password-2", revokeOtherSessions: true });
    assert.equal(error, null, JSON.stringify(error));
    assert.match(data.token, ID_RE);
    assert.equal((await b.client.getSession()).data, null, "other device signed out");
    assert.ok((await a.client.getSession()).data, "this device keeps a (new) session");
    const again = await makeClient().client.signIn.email({ email: u.email, password: "client-password-2" });
    assert.equal(again.error, null);
  });

  it("token() returns an EdDSA JWT verifiable with jwks()", async () => {
    const { client } = makeClient();
    const signUp = await client.signUp.email(newUser());
    const { data, error } = await client.token();
    assert.equal(error, null, JSON.stringify(error));
    const jwks = await client.jwks();
    assert.equal(jwks.error, null);
    assert.ok(Array.isArray(jwks.data.keys) && jwks.data.keys.length >= 1);
    const { payload, protectedHeader } = await verifyWithJwks(server.baseUrl, data.token);
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.equal(payload.sub, signUp.data.user.id);
  });

  it("listAccounts shows the credential account; deleteUser removes the user", async () => {
    const u = newUser();
    const { client } = makeClient();
    const signUp = await client.signUp.email(u);
    const accounts = await client.listAccounts();
    assert.equal(accounts.error, null);
    assert.equal(accounts.data.length, 1);
    assert.equal(accounts.data[0].providerId, "credential");
    assert.equal(accounts.data[0].accountId, signUp.data.user.id);
    assert.deepEqual(accounts.data[0].scopes, []);
    const del = await client.deleteUser({ password: u.password });
    assert.equal(del.error, null, JSON.stringify(del.error));
    assert.deepEqual(del.data, { success: true, message: "User deleted" });
    assert.equal((await client.getSession()).data, null);
    const again = await makeClient().client.signIn.email({ email: u.email, password: u.password });
    assert.equal(again.error.status, 401);
  });
});
