import { afterEach, describe, expect, it, vi } from "vitest";
import { auth } from "@/lib/auth";

const session = {
  session: {
    id: "s1",
    token: "tok",
    userId: "u1",
    expiresAt: "2026-12-01T21:44:44.379Z",
    createdAt: "2026-11-24T21:44:44.379Z",
    updatedAt: "2026-11-24T21:44:44.379Z",
  },
  user: {
    id: "u1",
    name: "Alice",
    email: "a@example.com",
    emailVerified: false,
    image: null,
    createdAt: "2026-11-24T21:44:44.377Z",
    updatedAt: "2026-11-24T21:44:44.377Z",
  },
};

function mockFetch(status: number, body: unknown) {
  const calls: { url: string; headers: Headers }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, headers: new Headers(init.headers) });
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe("auth.api.getSession (server side)", () => {
  it("asks the API's get-session with only the Better Auth cookies", async () => {
    vi.stubEnv("API_URL", "http://api.internal:9000/");
    const calls = mockFetch(200, session);
    const result = await auth.api.getSession({
      headers: new Headers({ cookie: "theme=dark; better-auth.session_token=tok.sig%3D; other=1" }),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("http://api.internal:9000/api/auth/get-session");
    expect(calls[0].headers.get("cookie")).toBe("better-auth.session_token=tok.sig%3D");
    expect(calls[0].headers.has("authorization")).toBe(false);
    expect(result?.user.email).toBe("a@example.com");
    expect(result?.session.expiresAt).toBeInstanceOf(Date);
  });

  it("forwards the split-origin bearer cookie as an Authorization header", async () => {
    const calls = mockFetch(200, session);
    await auth.api.getSession({
      headers: new Headers({ cookie: `ba_bearer_token=${encodeURIComponent("tok.a/b+c=")}` }),
    });
    expect(calls[0].headers.get("authorization")).toBe("Bearer tok.a/b+c=");
    expect(calls[0].headers.has("cookie")).toBe(false);
  });

  it("is null without credentials, without calling the API", async () => {
    const calls = mockFetch(200, session);
    expect(await auth.api.getSession({ headers: new Headers({ cookie: "theme=dark" }) })).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("is null when the API says null or refuses", async () => {
    mockFetch(200, null);
    expect(await auth.api.getSession({ headers: new Headers({ cookie: "better-auth.session_token=x" }) })).toBeNull();
    mockFetch(401, { code: "UNAUTHORIZED", message: "Unauthorized" });
    expect(await auth.api.getSession({ headers: new Headers({ authorization: "Bearer x" }) })).toBeNull();
  });
});
