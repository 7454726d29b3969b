/**
 * Bearer-token storage for split-origin mode.
 *
 * Across sites the browser neither stores nor sends the API's SameSite=Lax
 * session cookie, so the client keeps the signed token from the `set-auth-token`
 * response header (Better Auth's bearer plugin) in a first-party cookie. Browser
 * code reads it to send `Authorization: Bearer …`; the Next.js server reads it
 * for its own session checks (`lib/auth.ts`). It cannot be HttpOnly, the same
 * trade-off as Better Auth's documented localStorage approach.
 */
import { BEARER_COOKIE } from "./config";

const MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** Reads a cookie value from a `Cookie` header string (or `document.cookie`). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

/** The stored bearer token, if any (browser only). */
export function getBearerToken(): string | undefined {
  if (typeof document === "undefined") return undefined;
  return readCookie(document.cookie, BEARER_COOKIE) || undefined;
}

function writeCookie(value: string, maxAge: number): void {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${BEARER_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAge}; SameSite=Lax${secure}`;
}

/** Stores the signed token from a `set-auth-token` header (browser only). */
export function setBearerToken(token: string): void {
  if (typeof document !== "undefined") writeCookie(token, MAX_AGE_SECONDS);
}

/** Forgets the token, e.g. after sign-out (browser only). */
export function clearBearerToken(): void {
  if (typeof document !== "undefined") writeCookie("", 0);
}
