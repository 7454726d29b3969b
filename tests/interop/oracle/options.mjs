// Better Auth options for the Node oracle, built from the same environment variables
// that configure better-auth-actix (see tests/interop/README.md).
import { appendFileSync } from "node:fs";
import pg from "pg";
import { bearer, jwt } from "better-auth/plugins";

/** Comma list → trimmed, non-empty entries. */
export function splitList(value) {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Records an outgoing e-mail: one JSON line in $OUTBOX_FILE (if set) and on stdout. */
function outbox(kind, { user, url, token, newEmail }) {
  const mail = { kind, to: newEmail ?? user.email, userId: user.id, url, token, at: new Date().toISOString() };
  const line = JSON.stringify(mail);
  if (process.env.OUTBOX_FILE) appendFileSync(process.env.OUTBOX_FILE, `${line}\n`);
  console.log(`[mail] ${line}`);
}

/**
 * The reference configuration of the contract (better-auth-contract.md §1):
 * email+password, verification mail, deleteUser, changeEmail, jwt() and bearer().
 * ORACLE_RATELIMIT_TABLE=1 adds `rateLimit: { storage: "database" }` (schema only: contract §2);
 * ORACLE_RATE_LIMIT=memory|database enables rate limiting with that storage (§7.2).
 */
export function oracleOptions(env = process.env) {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 5 });
  return {
    database: pool,
    secret: env.BETTER_AUTH_SECRET,
    baseURL: env.BETTER_AUTH_URL,
    trustedOrigins: splitList(env.BETTER_AUTH_TRUSTED_ORIGINS),
    telemetry: { enabled: false },
    emailAndPassword: {
      enabled: true,
      sendResetPassword: async ({ user, url, token }) => outbox("reset-password", { user, url, token }),
    },
    emailVerification: {
      sendVerificationEmail: async ({ user, url, token }) => outbox("verify-email", { user, url, token }),
    },
    user: {
      deleteUser: { enabled: true },
      changeEmail: { enabled: true },
    },
    plugins: [jwt(), bearer()],
    // ORACLE_RATELIMIT_TABLE=1 only changes the schema (adds "rateLimit"); rate limiting itself stays off outside
    // production unless ORACLE_RATE_LIMIT=memory|database turns it on explicitly (contract §7.2).
    ...(env.ORACLE_RATELIMIT_TABLE === "1" ? { rateLimit: { storage: "database" } } : {}),
    ...(env.ORACLE_RATE_LIMIT ? { rateLimit: { enabled: true, storage: env.ORACLE_RATE_LIMIT } } : {}),
  };
}
