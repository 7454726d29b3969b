import type { Metadata } from "next";
import Link from "next/link";
import { SignUpForm } from "@/components/auth/signup-form";

export const metadata: Metadata = { title: "Create account" };

export default function SignUpPage() {
  return (
    <>
      <h1>Create your account</h1>
      <SignUpForm />
      <p className="muted">
        Already have an account? <Link href="/signin">Sign in</Link>
      </p>
    </>
  );
}
