import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERROR_MESSAGES, errorMessage, fieldErrors, isKnownErrorCode } from "@/lib/auth-errors";

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Every code of the server's `ErrorCode` enum: the `error_codes!` table in src/error.rs. */
function codesFromErrorRs(): string[] {
  const source = readFileSync(repo("src/error.rs"), "utf8");
  const table = source.slice(source.indexOf("error_codes! {"));
  return [...table.matchAll(/^\s*[A-Z][A-Za-z0-9]*\s*=\s*"([A-Z][A-Z0-9_]*)"\s*=>/gm)].map((m) => m[1]);
}

/** Every code the OpenAPI document declares (the `ErrorCode` schema's enum), when the document exists. */
function codesFromOpenApi(): string[] {
  const path = repo("openapi/openapi.json");
  if (!existsSync(path)) return [];
  const spec = JSON.parse(readFileSync(path, "utf8"));
  const schema = spec?.components?.schemas?.ErrorCode;
  const values: unknown[] = schema?.enum ?? (schema?.oneOf ?? []).flatMap((s: { enum?: unknown[] }) => s.enum ?? []);
  return values.filter((v): v is string => typeof v === "string");
}

describe("error mapping", () => {
  const serverCodes = codesFromErrorRs();

  it("reads the server's error enum", () => {
    expect(serverCodes.length).toBeGreaterThan(40);
    expect(serverCodes).toContain("INVALID_EMAIL_OR_PASSWORD");
    expect(serverCodes).toContain("TASK_NOT_FOUND");
  });

  it("has a message for every code in src/error.rs", () => {
    expect(serverCodes.filter((code) => !isKnownErrorCode(code))).toEqual([]);
  });

  it("has a message for every code in openapi/openapi.json", () => {
    expect(codesFromOpenApi().filter((code) => !isKnownErrorCode(code))).toEqual([]);
  });

  it("never shows a raw code", () => {
    for (const [code, message] of Object.entries(ERROR_MESSAGES)) {
      expect(message).not.toContain(code);
      expect(message).not.toMatch(/[A-Z]{2,}_[A-Z]/);
      expect(errorMessage({ code, status: 400, message: "raw server text" })).toBe(message);
    }
  });

  it("maps a wrong password to a friendly sentence", () => {
    const shown = errorMessage({
      code: "INVALID_EMAIL_OR_PASSWORD",
      message: "Invalid email or password",
      status: 401,
    });
    expect(shown).toBe(ERROR_MESSAGES.INVALID_EMAIL_OR_PASSWORD);
  });

  it("falls back on the status for unknown or missing codes", () => {
    expect(errorMessage({ status: 429, message: "Too many requests. Please try again later." })).toBe(
      ERROR_MESSAGES.RATE_LIMITED,
    );
    expect(errorMessage({ code: "SOMETHING_NEW", status: 502 })).toBe(ERROR_MESSAGES.INTERNAL_SERVER_ERROR);
    expect(errorMessage({ code: "SOMETHING_NEW", status: 503 })).toBe(ERROR_MESSAGES.SERVICE_UNAVAILABLE);
    expect(errorMessage({ status: 408 })).toBe(ERROR_MESSAGES.REQUEST_TIMEOUT);
    expect(errorMessage(new TypeError("Failed to fetch"))).toMatch(/reach the server/);
    expect(errorMessage(undefined)).toMatch(/went wrong/);
  });

  it("extracts field errors from a 422 body", () => {
    const body = {
      code: "VALIDATION_ERROR",
      message: "title: must not be empty",
      errors: [{ field: "title", message: "must not be empty" }],
    };
    expect(fieldErrors(body)).toEqual({ title: "must not be empty" });
    expect(fieldErrors({ code: "UNAUTHORIZED" })).toEqual({});
  });
});
