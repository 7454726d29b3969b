#!/usr/bin/env node
// Runs Better Auth's own migrator (the planner behind `npx @better-auth/cli migrate`)
// against $DATABASE_URL with the oracle configuration. Usage:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/db node oracle/migrate.mjs [--print]
//   DATABASE_URL=sqlite:///abs/path.db node oracle/migrate.mjs [--print]
import { getMigrations } from "better-auth/db/migration";
import { closeDatabase, oracleOptions } from "./options.mjs";

/** Creates every missing Better Auth table/column/index on the database in `env.DATABASE_URL`. */
export async function migrate(env = process.env, { print = false } = {}) {
  const options = oracleOptions(env);
  try {
    const { toBeCreated, toBeAdded, runMigrations, compileMigrations } = await getMigrations(options);
    if (print) console.log(await compileMigrations());
    await runMigrations();
    return { created: toBeCreated.map((t) => t.table), added: toBeAdded.map((t) => t.table) };
  } finally {
    await closeDatabase(options.database);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.BETTER_AUTH_SECRET ??= "migrate-only-secret-0123456789-abcdefghij";
  const result = await migrate(process.env, { print: process.argv.includes("--print") });
  console.log(JSON.stringify(result));
}
