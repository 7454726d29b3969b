// Turns a raw HTTP exchange into a comparable record: volatile values (ids, tokens, dates,
// signatures, JWTs, ports) become placeholders while their *format* is still checked, and key
// order is preserved so that JSON.stringify comparison also compares key order.
import { createHash, createHmac } from "node:crypto";

export const DATE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const ID_RE = /^[A-Za-z0-9]{32}$/;
const TOKEN24_RE = /^[A-Za-z0-9]{24}$/;
const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const SIG_RE = /^[A-Za-z0-9+/]{43}=$/;

/** Response headers that are part of the contract (others — date, vary, content-length... — are ignored). */
export const COMPARED_HEADERS = [
  "content-type",
  "cache-control",
  "pragma",
  "location",
  "set-auth-token",
  "set-auth-jwt",
  "access-control-expose-headers",
  "x-retry-after",
  "www-authenticate",
];

const COOKIE_ATTR_ORDER = ["max-age", "domain", "path", "expires", "httponly", "secure", "samesite", "partitioned"];
const COOKIE_ATTR_CASE = {
  "max-age": "Max-Age",
  domain: "Domain",
  path: "Path",
  expires: "Expires",
  httponly: "HttpOnly",
  secure: "Secure",
  samesite: "SameSite",
  partitioned: "Partitioned",
};

/** HMAC-SHA256(secret, value) in standard base64 — Better Auth's cookie/bearer signature. */
export function sign(value, secret) {
  return createHmac("sha256", secret).update(value).digest("base64");
}

function b64urlJson(part) {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Per-server normalizer. Within one response, placeholders are numbered in order of first
 * appearance, so the same id appearing twice (user.id and session.userId) gets the same placeholder
 * on both servers. Numbering restarts for every response (one difference must not shift every later
 * step); values the script saved in its state are known across steps by name (`<$aliceId>`).
 */
export class Normalizer {
  constructor({ baseUrl, secret }) {
    this.baseUrl = baseUrl;
    this.secret = secret;
    this.ids = new Map();
    this.named = new Map();
  }

  /** Gives `value` a stable cross-step placeholder `<$name>`. */
  name(value, name) {
    if (typeof value === "string" && value.length >= 8) this.named.set(value, name);
  }

  #ref(value, kind = "id") {
    if (this.named.has(value)) return `<$${this.named.get(value)}>`;
    const key = `${kind}:${value}`;
    if (!this.ids.has(key)) this.ids.set(key, this.ids.size + 1);
    return `<${kind}:${this.ids.get(key)}>`;
  }

  /** `token.sig` → `<id:N>.<sig:ok>` (or `<sig:BAD>` when the HMAC does not verify). */
  signed(value) {
    const dot = value.lastIndexOf(".");
    if (dot < 0) return undefined;
    const head = value.slice(0, dot);
    const sig = value.slice(dot + 1);
    if (!SIG_RE.test(sig)) return undefined;
    const ok = sign(head, this.secret) === sig;
    const headNorm = ID_RE.test(head) ? this.#ref(head) : head;
    return `${headNorm}.<sig:${ok ? "ok" : "BAD"}>`;
  }

  /** A compact JWS → `<jwt header={...} payload={...}>` with iat/exp replaced (exp-iat kept). */
  jwt(value) {
    const [h, p] = value.split(".");
    const header = b64urlJson(h);
    const payload = b64urlJson(p);
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") return undefined;
    const normPayload = {};
    for (const [k, v] of Object.entries(payload)) {
      if ((k === "iat" || k === "exp" || k === "nbf") && typeof v === "number") {
        normPayload[k] = k === "iat" ? "<iat>" : `<iat+${v - payload.iat}>`;
      } else normPayload[k] = this.value(v);
    }
    return `<jwt header=${JSON.stringify(this.value(header))} payload=${JSON.stringify(normPayload)}>`;
  }

  string(s) {
    if (this.baseUrl) s = s.split(this.baseUrl).join("<BASE>");
    if (DATE_RE.test(s)) return "<date>";
    if (/^\d{4}-\d\d-\d\dT/.test(s)) return `<BAD-DATE-FORMAT:${s}>`;
    if (ID_RE.test(s)) return this.#ref(s);
    if (TOKEN24_RE.test(s)) return this.#ref(s, "tok24");
    if (JWT_RE.test(s) && s.startsWith("eyJ")) {
      const jwt = this.jwt(s);
      if (jwt) return jwt;
    }
    const signed = this.signed(s);
    if (signed) return signed;
    const q = s.indexOf("?");
    if (q >= 0 && (s.startsWith("<BASE>") || s.startsWith("/") || /^https?:/.test(s))) {
      const params = s
        .slice(q + 1)
        .split("&")
        .map((pair) => {
          const eq = pair.indexOf("=");
          if (eq < 0) return pair;
          const raw = pair.slice(eq + 1);
          let decoded = raw;
          try {
            decoded = decodeURIComponent(raw.replace(/\+/g, " "));
          } catch {
            // keep raw
          }
          return `${pair.slice(0, eq)}=${this.string(decoded)}`;
        });
      return `${s.slice(0, q)}?${params.join("&")}`;
    }
    return s;
  }

  /** Recursively normalizes a JSON value, preserving key order. */
  value(v) {
    if (typeof v === "string") return this.string(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === "object") {
      const isJwk = typeof v.kty === "string";
      const out = {};
      for (const [k, x] of Object.entries(v)) {
        // JWK key material is random: keep only its format (base64url) and length.
        if (isJwk && ["x", "y", "n", "d"].includes(k) && typeof x === "string") {
          out[k] = /^[A-Za-z0-9_-]+$/.test(x) ? `<b64url:${x.length}>` : `<BAD-B64URL:${x}>`;
        } else out[k] = this.value(x);
      }
      return out;
    }
    return v;
  }

  /**
   * A compact-strategy cookie-cache value (`session_data`, or one chunk of it): the signature checked
   * against the secret, the payload normalized like a body, and its lifetime (`expiresAt - updatedAt`, in seconds).
   * A value that does not decode (a chunk, another strategy) keeps only its length class.
   */
  cacheValue(raw) {
    try {
      const { session, expiresAt, signature } = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
      const expected = createHmac("sha256", this.secret).update(JSON.stringify({ ...session, expiresAt })).digest("base64url");
      const sig = expected === signature ? "ok" : "BAD";
      const { updatedAt, ...rest } = session;
      // Node reads the clock twice (updatedAt, then expiresAt): compare the lifetime in whole seconds.
      return `<cache sig:${sig} ttl:${Math.round((expiresAt - updatedAt) / 1000)}s payload=${JSON.stringify(this.value(rest))}>`;
    } catch {
      return `<cache undecodable:${raw.length > 3000 ? "large" : "small"}>`;
    }
  }

  /** `name=value; attrs` → canonical string with the value's format checked. */
  cookie(header) {
    const [pair, ...rawAttrs] = header.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value = raw;
    if (raw !== "" && /\.session_data(\.\d+)?$/.test(name)) value = this.cacheValue(raw);
    else if (raw !== "") {
      let decoded = raw;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        // keep raw
      }
      const signed = this.signed(decoded);
      if (signed) {
        const encoding = encodeURIComponent(decoded) === raw ? "" : " <NOT-URI-ENCODED>";
        value = `${signed}${encoding}`;
      } else value = this.string(decoded);
    }
    const attrs = rawAttrs
      .filter(Boolean)
      .map((a) => {
        const i = a.indexOf("=");
        const k = (i < 0 ? a : a.slice(0, i)).toLowerCase();
        let v = i < 0 ? undefined : a.slice(i + 1);
        if (k === "expires") v = "<http-date>";
        return { k, v };
      })
      .sort((a, b) => COOKIE_ATTR_ORDER.indexOf(a.k) - COOKIE_ATTR_ORDER.indexOf(b.k));
    const rendered = attrs.map(({ k, v }) => (v === undefined ? COOKIE_ATTR_CASE[k] ?? k : `${COOKIE_ATTR_CASE[k] ?? k}=${v}`));
    return [`${name}=${value}`, ...rendered].join("; ");
  }

  /** Raw response (from rawRequest) → comparable record. */
  response(res) {
    this.ids = new Map();
    const record = { status: res.status, headers: {}, cookies: [], body: undefined };
    let body;
    const ct = res.headers["content-type"] ?? "";
    if (res.text === "") body = "<empty>";
    else if (res.json !== undefined && (ct.includes("json") || ct === "")) body = this.value(res.json);
    else if (ct.startsWith("text/html")) {
      const sha = createHash("sha256").update(res.text).digest("hex").slice(0, 16);
      body = { html: `<${res.text.length} bytes sha256:${sha}>` };
    } else body = { text: this.string(res.text) };
    record.body = body;
    for (const h of COMPARED_HEADERS) {
      if (res.headers[h] === undefined) continue;
      if (h === "x-retry-after") {
        // Seconds until the window ends: depends on timing, so only its range is compared.
        const n = Number(res.headers[h]);
        record.headers[h] = Number.isInteger(n) && n >= 0 && n <= 60 ? "<0..60 s>" : `<BAD:${res.headers[h]}>`;
        continue;
      }
      record.headers[h] = h === "content-type" || h === "access-control-expose-headers" ? res.headers[h] : this.string(res.headers[h]);
    }
    record.cookies = res.setCookie.map((c) => this.cookie(c)).sort();
    return record;
  }
}

/** Pretty, line-oriented rendering used for comparison and diffs. */
export function render(record) {
  return JSON.stringify(record, null, 2);
}

/** Minimal LCS line diff → unified-style text ("-" expected/node, "+" actual/ours). */
export function lineDiff(expected, actual, { context = 3 } = {}) {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push([" ", a[i++], j++]);
    else if (j < m && (i === n || dp[i][j + 1] >= dp[i + 1][j])) ops.push(["+", b[j++]]);
    else ops.push(["-", a[i++]]);
  }
  const keep = new Set();
  ops.forEach(([op], idx) => {
    if (op !== " ") for (let k = idx - context; k <= idx + context; k++) keep.add(k);
  });
  const out = [];
  let skipped = false;
  ops.forEach(([op, line], idx) => {
    if (keep.has(idx)) {
      out.push(`${op} ${line}`);
      skipped = false;
    } else if (!skipped) {
      out.push("  ...");
      skipped = true;
    }
  });
  return out.join("\n");
}
