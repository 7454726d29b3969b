//! The Better Auth API under `/api/auth`, one module per group of routes.

mod accounts;
mod change_email;
mod cookie_cache;
mod delete_user;
mod email_delivery;
mod email_verification;
mod jwt;
mod jwt_cache;
mod jwt_keys;
mod password_reset;
mod rate_limit;
mod security;
mod session;
mod session_management;
mod sign_in;
mod sign_up;
mod update_user;

/// The `Set-Cookie` lines that end a session in the browser.
const EXPIRED_COOKIES: [&str; 3] = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
];

/// The answer to `POST /request-password-reset`, whether or not the address exists.
const RESET_SENT: &str = r#"{"status":true,"message":"If this email exists in our system, check your email for the reset link"}"#;
