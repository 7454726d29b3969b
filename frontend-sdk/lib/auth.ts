/**
 * Server-side session access with the shape server components expect from a
 * Better Auth server instance: `auth.api.getSession({ headers })`.
 *
 * There is no Better Auth instance in this process: the session lives in the
 * Rust server, so this asks its `GET /api/auth/get-session` with the incoming
 * request's session cookie (same origin) or bearer token (split origin).
 */
import { readCookie } from "./bearer";
import { BEARER_COOKIE, internalApiUrl } from "./config";

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionRecord {
  id: string;
  token: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  ipAddress?: string | null;
  userAgent?: string | null;
}

export interface Session {
  session: SessionRecord;
  user: SessionUser;
}

// Cookie names Better Auth uses for the session (plain and `__Secure-` prefixed).
const SESSION_COOKIE_PREFIXES = ["better-auth.", "__Secure-better-auth."];

function sessionCookies(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  const kept = cookieHeader
    .split(";")
    .map((part) => part.trim())
    .filter((part) => SESSION_COOKIE_PREFIXES.some((prefix) => part.startsWith(prefix)));
  return kept.length ? kept.join("; ") : undefined;
}

function reviveDates<T extends object>(record: T, keys: string[]): T {
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const key of keys) {
    if (typeof out[key] === "string") out[key] = new Date(out[key] as string);
  }
  return out as T;
}

async function getSession({ headers }: { headers: Headers }): Promise<Session | null> {
  const forward = new Headers({ accept: "application/json" });
  const cookies = sessionCookies(headers.get("cookie"));
  if (cookies) forward.set("cookie", cookies);
  const bearer = headers.get("authorization") ?? bearerFromCookie(headers.get("cookie"));
  if (bearer) forward.set("authorization", bearer);
  if (!cookies && !bearer) return null;

  const res = await fetch(`${internalApiUrl()}/api/auth/get-session`, {
    headers: forward,
    cache: "no-store",
  });
  if (!res.ok) return null;
  const body = (await res.json()) as Session | null;
  if (!body?.session || !body.user) return null;
  return {
    session: reviveDates(body.session, ["expiresAt", "createdAt", "updatedAt"]),
    user: reviveDates(body.user, ["createdAt", "updatedAt"]),
  };
}

function bearerFromCookie(cookieHeader: string | null): string | undefined {
  const token = readCookie(cookieHeader, BEARER_COOKIE);
  return token ? `Bearer ${token}` : undefined;
}

export const auth = { api: { getSession } };
