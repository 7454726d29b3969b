/**
 * Runtime configuration shared by server and browser code.
 *
 * One `next build` serves both deployment modes, so nothing here is inlined at
 * build time: the server reads its environment on every request, and the root
 * layout hands the browser-facing API origin to the browser as
 * `<html data-api-url="…">` (the `<html>` start tag is parsed before any script
 * can run, so client modules may read it while they are being evaluated).
 */

/** Environment variable naming the API origin the *browser* talks to ("" = same origin). */
export const PUBLIC_API_URL_ENV = "NEXT_PUBLIC_API_URL";

/** Cookie that carries the bearer token on the frontend origin in split-origin mode. */
export const BEARER_COOKIE = "ba_bearer_token";

function trimSlashes(url: string | undefined): string {
  return (url ?? "").trim().replace(/\/+$/, "");
}

/**
 * Server only: the browser-facing API origin, read at request time.
 * Accessed by a computed key so that Next.js does not inline it at build time.
 */
export function serverPublicApiUrl(): string {
  const name = PUBLIC_API_URL_ENV;
  return trimSlashes(process.env[name]);
}

/** Server only: where the Next.js server itself reaches the Rust API (rewrites, session checks). */
export function internalApiUrl(): string {
  return trimSlashes(process.env.API_URL) || "http://127.0.0.1:8080";
}

/**
 * The origin API calls go to from the code that is running: in the browser the
 * value the server rendered into `<html data-api-url>` ("" means same origin);
 * on the server (server rendering of client components) the public URL, else
 * the internal one, because relative URLs mean nothing there.
 */
export function apiBaseUrl(): string {
  if (typeof document !== "undefined") {
    return trimSlashes(document.documentElement.dataset.apiUrl);
  }
  return serverPublicApiUrl() || internalApiUrl();
}

/** True when the browser talks to the API on another origin (bearer-token mode). */
export function isSplitOrigin(): boolean {
  if (typeof window === "undefined") return serverPublicApiUrl() !== "";
  const api = apiBaseUrl();
  return api !== "" && new URL(api, window.location.href).origin !== window.location.origin;
}

/** Absolute base URL for the API as seen by the running code. */
export function absoluteApiBaseUrl(): string {
  const api = apiBaseUrl();
  if (api) return api;
  return typeof window !== "undefined" ? window.location.origin : internalApiUrl();
}
