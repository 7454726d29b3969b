/**
 * Typed client for the task API (types generated from the server's OpenAPI
 * document into src/schema.ts, calls made with openapi-fetch).
 *
 * Every request carries `Authorization: Bearer <session token>`; the token
 * comes from `authClient.getSession()` at call time, so a sign-out or a switch
 * of user is seen by the next request. A 401 calls `onUnauthorized` (in the
 * browser: go to /signin).
 */
import createClient from "openapi-fetch";
import type { paths } from "../src/schema";
import { authClient } from "./auth-client";
import { apiBaseUrl } from "./config";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type Task = Json<paths["/api/tasks/{id}"]["get"]["responses"][200]>;
export type Priority = Task["priority"];
export type TaskListQuery = NonNullable<paths["/api/tasks"]["get"]["parameters"]["query"]>;
export type CreateTaskBody = Json<paths["/api/tasks"]["post"]["requestBody"]>;
export type UpdateTaskBody = Json<NonNullable<paths["/api/tasks/{id}"]["patch"]["requestBody"]>>;

/** Anything with Better Auth's `getSession()` result shape. */
export interface SessionSource {
  getSession(): Promise<{ data?: { session?: { token?: string } | null } | null }>;
}

export interface ApiClientOptions {
  /** API origin; "" means same origin (relative URLs). */
  baseUrl: string;
  auth: SessionSource;
  onUnauthorized?: () => void;
  fetch?: typeof globalThis.fetch;
}

export type ApiClient = ReturnType<typeof createClient<paths>>;

export function createApiClient({ baseUrl, auth, onUnauthorized, fetch }: ApiClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl, ...(fetch ? { fetch } : {}) });
  // Concurrent requests share one getSession() round trip; nothing is cached beyond it.
  let inFlight: Promise<string | undefined> | null = null;
  const currentToken = () =>
    (inFlight ??= auth
      .getSession()
      .then((result) => result.data?.session?.token || undefined)
      .catch(() => undefined)
      .finally(() => {
        inFlight = null;
      }));

  client.use({
    async onRequest({ request }) {
      const token = await currentToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized?.();
      return response;
    },
  });
  return client;
}

/** The app's client: the browser-facing API origin, tokens from the Better Auth client. */
export const api = createApiClient({
  baseUrl: apiBaseUrl(),
  auth: authClient,
  onUnauthorized: () => {
    if (typeof window !== "undefined") window.location.assign("/signin");
  },
});
