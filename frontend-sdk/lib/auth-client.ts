/**
 * The Better Auth client, stock `createAuthClient` from `better-auth/react`,
 * pointed at our server.
 *
 * Same origin: the browser calls `/api/auth/*` on the Next.js origin, which
 * rewrites to the Rust server; the HttpOnly session cookie is first-party.
 * Split origin: the browser calls the API origin directly (CORS with
 * credentials) and authenticates with the bearer token from `set-auth-token`.
 */
import { createAuthClient } from "better-auth/react";
import { clearBearerToken, getBearerToken, setBearerToken } from "./bearer";
import { absoluteApiBaseUrl, isSplitOrigin } from "./config";

const splitOrigin = isSplitOrigin();

export const authClient = createAuthClient({
  baseURL: `${absoluteApiBaseUrl()}/api/auth`,
  fetchOptions: splitOrigin
    ? {
        auth: { type: "Bearer", token: () => getBearerToken() },
        onSuccess(ctx) {
          const token = ctx.response.headers.get("set-auth-token");
          if (token) setBearerToken(token);
          if (new URL(ctx.response.url || ctx.request.url.toString()).pathname.endsWith("/sign-out")) {
            clearBearerToken();
          }
        },
      }
    : undefined,
});

export const { signIn, signUp, signOut, useSession, getSession } = authClient;
