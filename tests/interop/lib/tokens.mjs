// Token helpers derived from the contract (independent of either server): signed cookie values,
// e-mail verification JWTs (HS256 with the raw secret, §3.12) and JWT checks against a JWKS (§8).
import { randomInt } from "node:crypto";
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { rawRequest } from "./http.mjs";
import { sign } from "./normalize.mjs";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random id in Better Auth's format (`generateId(n)`: [A-Za-z0-9]{n}). */
export function randomId(n = 32) {
  let s = "";
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** `encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))` — a session_token cookie value (§4.2). */
export function signedCookieValue(token, secret) {
  return encodeURIComponent(`${token}.${sign(token, secret)}`);
}

/** The raw session token inside a session_token cookie value. */
export function tokenFromCookieValue(value) {
  const decoded = decodeURIComponent(value);
  return decoded.slice(0, decoded.lastIndexOf("."));
}

/** An e-mail verification JWT exactly as Better Auth mints it (`createEmailVerificationToken`). */
export async function verificationJwt(secret, payload, { expiresIn = 3600, iat } = {}) {
  const now = iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Fetches `${baseUrl}/api/auth/jwks` and verifies `jwt` with it; returns `{ payload, protectedHeader }`. */
export async function verifyWithJwks(baseUrl, jwt, { issuer, audience } = {}) {
  const res = await rawRequest(baseUrl, { path: "/api/auth/jwks" });
  if (res.status !== 200) throw new Error(`GET /jwks → ${res.status}`);
  const jwks = createLocalJWKSet(res.json);
  const header = decodeProtectedHeader(jwt);
  return jwtVerify(jwt, jwks, { issuer: issuer ?? baseUrl, audience: audience ?? baseUrl, algorithms: [header.alg] });
}
