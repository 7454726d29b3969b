// Every deliberate difference better-auth-actix may show against the Better Auth oracle, in one
// place. An entry applies to a differential step whose "<scenario> › <step>" name matches `step`.
// Its `reconcile(args)` (optional) removes one accepted partial difference from copies of both
// records and returns true if it did; its `accept(args)` (optional) accepts the whole remaining
// difference only when ours did the documented thing. args = { ours, oracle, oursRaw, oracleRaw,
// request }: normalized records (lib/normalize.mjs), raw responses (lib/http.mjs rawRequest) and the
// request sent to ours. Anything not covered here is a finding (see FINDINGS.md).

const isEnvelope = (body, code) =>
  body !== null && typeof body === "object" && typeof body.message === "string" && (code === undefined || body.code === code);

/** Record equality ignoring the listed top-level keys ("status", "body", "headers", "cookies"). */
export function sameExcept(a, b, keys) {
  const strip = (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

const exposeList = (v) => (v ?? "").split(",").map((x) => x.trim().toLowerCase()).filter(Boolean);

export const ALLOWED_DIFFERENCES = [
  {
    id: "cors-expose-headers",
    step: /./,
    reason:
      "Ours' CORS layer sends a fixed Access-Control-Expose-Headers list on every response, where Better Auth sends only the " +
      "headers it set (set-auth-token / set-auth-jwt). Harmless as long as ours' list contains every header Better Auth exposes.",
    reconcile: ({ ours, oracle }) => {
      if (!ours.headers || !oracle.headers) return false; // database steps
      const o = ours.headers["access-control-expose-headers"];
      const n = oracle.headers["access-control-expose-headers"];
      if (o === n) return false;
      const have = new Set(exposeList(o));
      if (!exposeList(n).every((h) => have.has(h))) return false;
      delete ours.headers["access-control-expose-headers"];
      delete oracle.headers["access-control-expose-headers"];
      return true;
    },
  },
  {
    id: "oversize-body-413",
    step: /oversize body/,
    reason:
      "Better Auth buffers a request body of any size; ours caps JSON/form bodies (actix JsonConfig/PayloadConfig) and answers " +
      "413 with the usual {message, code} envelope instead of processing a multi-megabyte body.",
    accept: ({ ours }) => ours.status === 413 && isEnvelope(ours.body) && ours.cookies.length === 0,
  },
  {
    id: "unstorable-text-400",
    step: /text the database refuses/,
    reason:
      "A NUL character, or an e-mail address longer than 254 characters, cannot be stored (PostgreSQL refuses NUL; a unique " +
      "index refuses rows over 2,704 bytes). Better Auth passes them to the database, which refuses them (sign-up answers 422 " +
      "FAILED_TO_CREATE_USER); ours refuses them at validation with 400 VALIDATION_ERROR naming the member, and stores nothing.",
    accept: ({ ours, oracle }) =>
      ours.status === 400 &&
      isEnvelope(ours.body, "VALIDATION_ERROR") &&
      /^\[body\.(name|image|email)\] /.test(ours.body.message) &&
      oracle.status >= 400 &&
      ours.cookies.length === 0,
  },
  {
    id: "cors-preflight",
    step: /CORS preflight from trusted origin/,
    reason:
      "Better Auth does no CORS (OPTIONS → 404, contract §3.0/§9); ours puts a CORS layer in front of the auth routes for " +
      "trusted origins so browser clients on other origins work: 2xx, Access-Control-Allow-Origin = that origin, credentials allowed, no cookies.",
    accept: ({ ours, oracle, oursRaw, request }) =>
      oracle.status === 404 &&
      ours.status >= 200 &&
      ours.status < 300 &&
      ours.cookies.length === 0 &&
      oursRaw.headers["access-control-allow-origin"] === request.headers.origin &&
      oursRaw.headers["access-control-allow-credentials"] === "true",
  },
  {
    id: "cors-preflight-untrusted",
    step: /CORS preflight from untrusted origin/,
    reason:
      "A preflight from an untrusted origin must not be granted; ours may reject it with a 4xx of its CORS layer instead of " +
      "Better Auth's 404, as long as no Access-Control-Allow-Origin header is sent.",
    accept: ({ ours, oracle, oursRaw }) =>
      oracle.status === 404 && ours.status >= 400 && ours.status < 500 && oursRaw.headers["access-control-allow-origin"] === undefined,
  },
  {
    id: "body-without-content-type-415",
    step: /body without content-type/,
    reason:
      "A body sent without Content-Type: Better Auth behind node:http (better-call's node adapter, get_raw_body) silently drops " +
      "the body and answers as if there were none (400 VALIDATION_ERROR); behind a Fetch-API runtime (Next.js, Bun, Workers) " +
      "better-call's getBody answers 415 \"Content-Type is required...\" (contract §3.0). Ours follows the latter.",
    accept: ({ ours, oracle }) =>
      oracle.status === 400 &&
      ours.status === 415 &&
      ours.body?.code === "UNSUPPORTED_MEDIA_TYPE" &&
      /^Content-Type is required\. Allowed types: /.test(ours.body?.message ?? "") &&
      ours.cookies.length === 0,
  },
  {
    id: "head-on-get-route",
    step: /HEAD \/ok/,
    reason:
      "Better Auth answers HEAD with 404 (its router has no HEAD routes); actix-web answers HEAD on a GET route with the GET " +
      "status and headers and no body. Harmless: HEAD is never used by the client.",
    accept: ({ ours, oracle }) => oracle.status === 404 && ours.status === 200 && ours.body === "<empty>" && ours.cookies.length === 0,
  },
  {
    id: "error-page-markup",
    step: /GET \/error/,
    reason:
      "The /error page is cosmetic: ours must answer 200 with Content-Type text/html, show the (sanitized) error code and escaped " +
      "description, but need not reproduce Better Auth's 9 kB of markup byte for byte.",
    accept: ({ ours, oracle, oursRaw, request }) => {
      if (ours.status !== oracle.status || !/^text\/html/.test(oursRaw.headers["content-type"] ?? "")) return false;
      if (JSON.stringify(ours.cookies) !== JSON.stringify(oracle.cookies)) return false;
      const query = new URLSearchParams(request.path.split("?")[1] ?? "");
      const code = query.get("error");
      const shown = code && /^[A-Za-z0-9_-]+$/.test(code) ? code : "UNKNOWN";
      if (!oursRaw.text.includes(shown)) return false;
      if (/<script>|<b>/i.test(oursRaw.text)) return false;
      return true;
    },
  },
];
