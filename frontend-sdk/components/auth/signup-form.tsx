"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { authClient } from "@/lib/auth-client";
import { errorMessage } from "@/lib/auth-errors";

export const MIN_PASSWORD_LENGTH = 8;

export function SignUpForm() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const { error } = await authClient.signUp.email({
      name: String(form.get("name") ?? "").trim(),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    if (error) {
      setError(errorMessage(error));
      setPending(false);
      return;
    }
    router.replace("/dashboard");
    router.refresh();
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-describedby={error ? "signup-error" : undefined}>
      <div className="field">
        <label htmlFor="signup-name">Name</label>
        <input id="signup-name" name="name" type="text" autoComplete="name" required />
      </div>
      <div className="field">
        <label htmlFor="signup-email">Email</label>
        <input id="signup-email" name="email" type="email" autoComplete="email" required />
      </div>
      <div className="field">
        <label htmlFor="signup-password">Password</label>
        <input
          id="signup-password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          maxLength={128}
          required
          aria-describedby="signup-password-hint"
        />
        <small id="signup-password-hint" className="muted">
          At least {MIN_PASSWORD_LENGTH} characters.
        </small>
      </div>
      {error && (
        <p id="signup-error" className="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={pending} aria-busy={pending}>
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
