// Better Auth options for the Node oracle, built from the same environment variables
// that configure better-auth-actix (see tests/interop/README.md).
import { appendFileSync } from "node:fs";
import pg from "pg";
import Database from "better-sqlite3";
import { bearer, jwt } from "better-auth/plugins";
import { redisStorage } from "@better-auth/redis-storage";
import { Redis } from "ioredis";
import { sendMail } from "./smtp-client.mjs";
import { isSqliteUrl, sqlitePath } from "../lib/sqlite.mjs";

/**
 * The database handle Better Auth gets for DATABASE_URL: a `pg.Pool` for postgres:// URLs, a
 * better-sqlite3 `Database` for sqlite:// ones (`sqlite:///abs/path.db` → `/abs/path.db`,
 * `sqlite://rel.db` → `rel.db`), opened with better-sqlite3's defaults as a Better Auth app would.
 */
export function openDatabase(url) {
  if (isSqliteUrl(url)) return new Database(sqlitePath(url));
  return new pg.Pool({ connectionString: url, max: 5 });
}

/** Closes what openDatabase returned (pg.Pool#end or better-sqlite3 Database#close). */
export async function closeDatabase(database) {
  if (typeof database?.end === "function") await database.end();
  else if (typeof database?.close === "function" && database.open !== false) database.close();
}

/** Comma list → trimmed, non-empty entries. */
export function splitList(value) {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

const SUBJECTS = {
  "verify-email": "Verify your email address",
  "reset-password": "Reset your password",
  "delete-account": "Confirm deleting your account",
  "change-email-confirmation": "Approve changing your email address",
};

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/**
 * Sends an outgoing e-mail. With $SMTP_URL: through that SMTP server (oracle/smtp-client.mjs), from
 * $EMAIL_FROM; a delivery failure is logged, never thrown (like better-auth-actix, the response must
 * not depend on the mail server). Without: one JSON line in $OUTBOX_FILE (if set). Always logged on stdout.
 */
async function deliver(kind, { user, url, token, newEmail }, env = process.env) {
  const to = kind === "change-email-confirmation" ? user.email : newEmail ?? user.email;
  const mail = { kind, to, userId: user.id, url, token, at: new Date().toISOString() };
  console.log(`[mail] ${JSON.stringify(mail)}`);
  if (env.SMTP_URL) {
    const intro = newEmail ? `To change your email address to ${newEmail}, open this link:` : "Open this link:";
    try {
      await sendMail(env.SMTP_URL, {
        from: env.EMAIL_FROM || "Better Auth <no-reply@localhost>",
        to,
        subject: SUBJECTS[kind] ?? kind,
        text: `${intro}\n\n${url}\n`,
        html: `<!DOCTYPE html>\n<html><body>\n<p>${escapeHtml(intro)}</p>\n<p><a href="${escapeHtml(url)}">${escapeHtml(SUBJECTS[kind] ?? kind)}</a></p>\n</body></html>\n`,
      });
    } catch (err) {
      console.error(`[mail] delivery to ${to} failed: ${err.message}`);
    }
    return;
  }
  if (env.OUTBOX_FILE) appendFileSync(env.OUTBOX_FILE, `${JSON.stringify(mail)}\n`);
}

/**
 * The reference configuration this server is compared with:
 * email+password, verification mail, deleteUser, changeEmail, jwt() and bearer(). Mail goes to $SMTP_URL
 * (from $EMAIL_FROM) when set, else to $OUTBOX_FILE. ORACLE_DELETE_VERIFICATION=1 adds
 * `sendDeleteAccountVerification`, ORACLE_CHANGE_EMAIL_CONFIRMATION=1 `sendChangeEmailConfirmation`.
 * ORACLE_RATELIMIT_TABLE=1 adds `rateLimit: { storage: "database" }` (schema only: contract §2);
 * ORACLE_RATE_LIMIT=memory|database|secondary-storage enables rate limiting with that storage (§7.2).
 * SECONDARY_STORAGE_URL (+ SECONDARY_STORAGE_PREFIX, SESSION_STORE_IN_DATABASE, SESSION_PRESERVE_IN_DATABASE)
 * adds `secondaryStorage` through the official @better-auth/redis-storage, as ours reads the same variables.
 */
export function oracleOptions(env = process.env) {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
  const database = openDatabase(env.DATABASE_URL);
  const session = {
    // SESSION_COOKIE_CACHE=compact|jwt|jwe (as ours): session.cookieCache with the same max age and version.
    ...(env.SESSION_COOKIE_CACHE && env.SESSION_COOKIE_CACHE !== "off"
      ? {
          cookieCache: {
            enabled: true,
            strategy: env.SESSION_COOKIE_CACHE,
            maxAge: Number(env.SESSION_COOKIE_CACHE_MAX_AGE || 300),
            version: env.SESSION_COOKIE_CACHE_VERSION || "1",
          },
        }
      : {}),
    // As ours: SESSION_STORE_IN_DATABASE / SESSION_PRESERVE_IN_DATABASE (only with a secondary storage).
    ...(env.SESSION_STORE_IN_DATABASE === "true" ? { storeSessionInDatabase: true } : {}),
    ...(env.SESSION_PRESERVE_IN_DATABASE === "true" ? { preserveSessionInDatabase: true } : {}),
  };
  return {
    database,
    // SECONDARY_STORAGE_URL (+ SECONDARY_STORAGE_PREFIX), as ours: the official @better-auth/redis-storage on ioredis.
    ...(env.SECONDARY_STORAGE_URL
      ? {
          secondaryStorage: redisStorage({
            client: new Redis(env.SECONDARY_STORAGE_URL),
            keyPrefix: env.SECONDARY_STORAGE_PREFIX ?? "better-auth:",
          }),
        }
      : {}),
    secret: env.BETTER_AUTH_SECRET,
    baseURL: env.BETTER_AUTH_URL,
    trustedOrigins: splitList(env.BETTER_AUTH_TRUSTED_ORIGINS),
    telemetry: { enabled: false },
    emailAndPassword: {
      enabled: true,
      sendResetPassword: async ({ user, url, token }) => deliver("reset-password", { user, url, token }, env),
    },
    emailVerification: {
      sendVerificationEmail: async ({ user, url, token }) => deliver("verify-email", { user, url, token }, env),
    },
    user: {
      deleteUser: {
        enabled: true,
        // ORACLE_DELETE_VERIFICATION=1 ↔ ours' DELETE_USER_SEND_VERIFICATION=true
        ...(env.ORACLE_DELETE_VERIFICATION === "1"
          ? { sendDeleteAccountVerification: async ({ user, url, token }) => deliver("delete-account", { user, url, token }, env) }
          : {}),
      },
      changeEmail: {
        enabled: true,
        // ORACLE_CHANGE_EMAIL_CONFIRMATION=1 ↔ ours' CHANGE_EMAIL_SEND_CONFIRMATION=true
        ...(env.ORACLE_CHANGE_EMAIL_CONFIRMATION === "1"
          ? { sendChangeEmailConfirmation: async ({ user, newEmail, url, token }) => deliver("change-email-confirmation", { user, newEmail, url, token }, env) }
          : {}),
      },
    },
    ...(Object.keys(session).length ? { session } : {}),
    plugins: [jwt(), bearer()],
    // ORACLE_RATELIMIT_TABLE=1 only changes the schema (adds "rateLimit"); rate limiting itself stays off outside
    // production unless ORACLE_RATE_LIMIT=memory|database turns it on explicitly (contract §7.2).
    ...(env.ORACLE_RATELIMIT_TABLE === "1" ? { rateLimit: { storage: "database" } } : {}),
    ...(env.ORACLE_RATE_LIMIT ? { rateLimit: { enabled: true, storage: env.ORACLE_RATE_LIMIT } } : {}),
    // As ours with TRUSTED_PROXIES: the client's address from X-Forwarded-For.
    ...(env.ORACLE_TRUSTED_PROXIES ? { advanced: { ipAddress: { trustedProxies: splitList(env.ORACLE_TRUSTED_PROXIES) } } } : {}),
  };
}
