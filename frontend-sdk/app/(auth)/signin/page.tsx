import type { Metadata } from "next";
import Link from "next/link";
import { SignInForm } from "@/components/auth/signin-form";

export const metadata: Metadata = { title: "Sign in" };

export default function SignInPage() {
  return (
    <>
      <h1>Sign in</h1>
      <SignInForm />
      <p className="muted">
        No account yet? <Link href="/signup">Create one</Link>
      </p>
    </>
  );
}
