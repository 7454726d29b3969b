import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { auth } from "@/lib/auth";

/** Sign-in and sign-up pages: a centred card; signed-in users go straight to their tasks. */
export default async function AuthLayout({ children }: { children: ReactNode }) {
  const session = await auth.api.getSession({ headers: await headers() });
  if (session) redirect("/dashboard");
  return (
    <main className="auth-shell">
      <div className="card auth-card">
        <p className="brand" aria-hidden="true">
          ✓ Tasks
        </p>
        {children}
      </div>
    </main>
  );
}
