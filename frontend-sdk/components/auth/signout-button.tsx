"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { authClient } from "@/lib/auth-client";
import { clearBearerToken } from "@/lib/bearer";

export function SignOutButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);

  async function onClick() {
    setPending(true);
    try {
      await authClient.signOut();
    } finally {
      // Forget the split-origin token even if the server could not be reached.
      clearBearerToken();
      router.replace("/signin");
      router.refresh();
    }
  }

  return (
    <button type="button" className="ghost" onClick={onClick} disabled={pending} aria-busy={pending}>
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
