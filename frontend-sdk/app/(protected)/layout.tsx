import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/signout-button";
import { auth } from "@/lib/auth";

/** Everything under (protected) needs a session, checked on the server on every request. */
export default async function ProtectedLayout({ children }: { children: ReactNode }) {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) redirect("/signin");
  return (
    <>
      <header className="topbar">
        <span className="brand">✓ Tasks</span>
        <span className="user" title={session.user.email}>
          {session.user.name || session.user.email}
        </span>
        <SignOutButton />
      </header>
      <main className="page">{children}</main>
    </>
  );
}
