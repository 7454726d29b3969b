#!/usr/bin/env node
// The real Better Auth 1.7.25 as an HTTP server, configured like better-auth-actix:
// PORT, HOST, DATABASE_URL, BETTER_AUTH_SECRET, BETTER_AUTH_URL, BETTER_AUTH_TRUSTED_ORIGINS,
// SMTP_URL + EMAIL_FROM (mail delivery; else OUTBOX_FILE, a JSON-lines mail log), ORACLE_MIGRATE=0 to skip running Better Auth's migrator at start.
// GET /health and /ready answer 200 like ours; everything else goes to auth.handler.
import http from "node:http";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { migrate } from "./migrate.mjs";
import { oracleOptions } from "./options.mjs";

if (process.env.NODE_ENV === "test" || process.env.NODE_ENV === "production") {
  // test disables origin/CSRF checks, production enables rate limiting: both break parity.
  console.error(`refusing NODE_ENV=${process.env.NODE_ENV}; unset it or use development`);
  process.exit(2);
}

if (process.env.ORACLE_MIGRATE !== "0") {
  const result = await migrate(process.env);
  console.log(`[oracle] migrations: ${JSON.stringify(result)}`);
}

const auth = betterAuth(oracleOptions(process.env));
const authHandler = toNodeHandler(auth);

const server = http.createServer((req, res) => {
  if (req.method === "GET" && (req.url === "/health" || req.url === "/ready")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
    return;
  }
  authHandler(req, res);
});

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`[oracle] listening on http://${host}:${port}`));

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
