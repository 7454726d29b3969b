import type { NextConfig } from "next";

// Where the Next.js server reaches the Rust API. Same-origin mode proxies the
// browser's /api/* calls there (rewrites are fixed when `next build` runs).
const apiUrl = (process.env.API_URL || "http://127.0.0.1:8080").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  turbopack: { root: import.meta.dirname },
  async rewrites() {
    // /api/auth/* (Better Auth) and /api/* (task API) both live on the Rust server.
    return [{ source: "/api/:path*", destination: `${apiUrl}/api/:path*` }];
  },
};

export default nextConfig;
