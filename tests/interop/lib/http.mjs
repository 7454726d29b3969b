// HTTP helpers for the interop tests: a tiny cookie jar, an exact-headers request
// function (node:http, so nothing like undici's automatic `sec-fetch-mode` is added),
// and a jar-backed `fetch` for the official better-auth client.
import http from "node:http";

/** One browser profile's cookies for one origin (names are unique; no domain/path scoping needed). */
export class CookieJar {
  #cookies = new Map();

  /** Applies `Set-Cookie` header values: empty value or `Max-Age<=0` deletes the cookie. */
  store(setCookieHeaders) {
    for (const header of setCookieHeaders ?? []) {
      const [pair, ...attrs] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs
        .map((a) => a.trim().split("="))
        .find(([k]) => k.toLowerCase() === "max-age");
      if (value === "" || (maxAge && Number(maxAge[1]) <= 0)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get(name) {
    return this.#cookies.get(name);
  }

  set(name, value) {
    this.#cookies.set(name, value);
  }

  delete(name) {
    this.#cookies.delete(name);
  }

  get size() {
    return this.#cookies.size;
  }

  /** The `Cookie` request header value, or undefined when the jar is empty. */
  header() {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  clone() {
    const jar = new CookieJar();
    for (const [k, v] of this.#cookies) jar.set(k, v);
    return jar;
  }
}

/**
 * Sends exactly the given headers (plus Host/Content-Length) with node:http.
 * `body` may be a string, Buffer or undefined. Resolves to
 * `{ status, statusText, headers, setCookie, text, json }` where `headers` has lowercase
 * names (multi-valued ones joined with ", "), `setCookie` is the list of Set-Cookie values and
 * `json` is the parsed body or undefined.
 */
export function rawRequest(baseUrl, { method = "GET", path, headers = {}, body } = {}) {
  const url = new URL(baseUrl);
  const payload = typeof body === "string" ? Buffer.from(body) : body;
  const outHeaders = { ...headers };
  if (payload !== undefined) outHeaders["content-length"] = String(payload.length);
  for (const [k, v] of Object.entries(outHeaders)) if (v === undefined || v === null) delete outHeaders[k];
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: outHeaders, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const flat = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (k === "set-cookie") continue;
            flat[k] = Array.isArray(v) ? v.join(", ") : v;
          }
          let json;
          if (text !== "") {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({
            status: res.statusCode,
            statusText: res.statusMessage,
            headers: flat,
            setCookie: res.headers["set-cookie"] ?? [],
            text,
            json,
          });
        });
      },
    );
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * A `fetch` for `createAuthClient({ fetchOptions: { customFetchImpl } })` that keeps cookies in
 * `jar` (Node's fetch has no cookie store) and sends `Origin: origin` like a same-origin browser.
 */
export function jarFetch(jar, { origin, onResponse } = {}) {
  return async (input, init = {}) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const cookie = jar.header();
    if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
    if (origin && !headers.has("origin")) headers.set("origin", origin);
    const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.text();
    const response = await fetch(request.url, { method: request.method, headers, body, redirect: "manual" });
    jar.store(response.headers.getSetCookie());
    onResponse?.(response);
    return response;
  };
}
