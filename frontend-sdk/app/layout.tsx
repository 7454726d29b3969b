import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { serverPublicApiUrl } from "@/lib/config";
import "./globals.css";

// Rendered per request so that one build serves both deployment modes: the
// browser-facing API origin is read from the environment at request time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Tasks", template: "%s · Tasks" },
  description: "A small task list, signed in with Better Auth.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-api-url={serverPublicApiUrl()}>
      <body>{children}</body>
    </html>
  );
}
