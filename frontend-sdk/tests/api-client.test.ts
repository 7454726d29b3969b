import { describe, expect, it, vi } from "vitest";
import { createApiClient, type SessionSource } from "@/lib/api-client";

const task = {
  id: 1,
  user_id: "u1",
  title: "Buy milk",
  description: null,
  completed: false,
  priority: "medium",
  tags: [],
  due_date: null,
  created_at: "2026-11-24T21:44:44.205Z",
  updated_at: "2026-11-24T21:44:44.205Z",
};

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A client over a fake fetch that records requests; `session` plays authClient.getSession(). */
function setup(session: SessionSource["getSession"], respond: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request);
    return respond(request);
  });
  const auth: SessionSource = { getSession: vi.fn(session) };
  const onUnauthorized = vi.fn();
  const client = createApiClient({ baseUrl: "http://api.test", auth, onUnauthorized, fetch });
  return { client, requests, auth, onUnauthorized };
}

const signedIn = (token: string) => async () => ({ data: { session: { token }, user: { id: "u1" } } });
const signedOut = async () => ({ data: null });
const unauthorized = () => json(401, { code: "UNAUTHORIZED", message: "Unauthorized" });

describe("api client", () => {
  it("attaches the session token from getSession() as a bearer token", async () => {
    const { client, requests, auth } = setup(signedIn("tok-123"), () => json(200, [task], { "x-total-count": "1" }));
    const { data, response } = await client.GET("/api/tasks", {
      params: { query: { status: "pending", sort: "title" } },
    });
    expect(auth.getSession).toHaveBeenCalled();
    expect(requests).toHaveLength(1);
    expect(requests[0].headers.get("authorization")).toBe("Bearer tok-123");
    expect(requests[0].url).toBe("http://api.test/api/tasks?status=pending&sort=title");
    expect(data?.[0].title).toBe("Buy milk");
    expect(response.headers.get("x-total-count")).toBe("1");
  });

  it("asks for the token on every call, so a new sign-in is picked up", async () => {
    let token = "first";
    const { client, requests } = setup(
      async () => signedIn(token)(),
      () => json(201, task),
    );
    await client.POST("/api/tasks", { body: { title: "a" } });
    token = "second";
    await client.POST("/api/tasks", { body: { title: "b" } });
    expect(requests.map((r) => r.headers.get("authorization"))).toEqual(["Bearer first", "Bearer second"]);
  });

  it("sends no Authorization header when signed out", async () => {
    const { client, requests } = setup(signedOut, unauthorized);
    await client.GET("/api/tasks");
    expect(requests[0].headers.has("authorization")).toBe(false);
  });

  it("reports a 401 to onUnauthorized and returns the error body", async () => {
    const { client, onUnauthorized } = setup(signedIn("expired"), unauthorized);
    const { data, error, response } = await client.PATCH("/api/tasks/{id}/complete", { params: { path: { id: 1 } } });
    expect(response.status).toBe(401);
    expect(data).toBeUndefined();
    expect(error).toMatchObject({ code: "UNAUTHORIZED" });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("does not treat other errors as a sign-out", async () => {
    const { client, onUnauthorized } = setup(signedIn("tok"), () =>
      json(404, { code: "TASK_NOT_FOUND", message: "Task not found" }),
    );
    const { error } = await client.DELETE("/api/tasks/{id}", { params: { path: { id: 9 } } });
    expect(error).toMatchObject({ code: "TASK_NOT_FOUND" });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("still sends the request, unauthenticated, when getSession() fails", async () => {
    const { client, requests, onUnauthorized } = setup(
      () => Promise.reject(new TypeError("Failed to fetch")),
      unauthorized,
    );
    const { response } = await client.GET("/api/tasks");
    expect(response.status).toBe(401);
    expect(requests[0].headers.has("authorization")).toBe(false);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("shares one getSession() between concurrent calls", async () => {
    const { client, auth } = setup(signedIn("tok"), () => json(200, [], { "x-total-count": "0" }));
    await Promise.all([client.GET("/api/tasks"), client.GET("/api/tasks"), client.GET("/api/tasks")]);
    expect(auth.getSession).toHaveBeenCalledTimes(1);
  });
});
