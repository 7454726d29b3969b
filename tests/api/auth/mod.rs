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

use serde_json::Value;

use crate::helpers::snapshot::assert_json_shape;

/// The `Set-Cookie` lines that end a session in the browser.
pub(crate) const EXPIRED_COOKIES: [&str; 3] = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
];

/// The answer to `POST /request-password-reset`, whether or not the address exists.
const RESET_SENT: &str = r#"{"status":true,"message":"If this email exists in our system, check your email for the reset link"}"#;

/// A get-session answer read from the database, in the order of Better Auth's adapter.
fn assert_read_from_the_database(body: &Value, what: &str) {
    assert_json_shape!(body, what, @r#"
    {
      "session": {
        "expiresAt": "[date]",
        "token": "[token]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "ipAddress": "",
        "userAgent": "",
        "userId": "[id]",
        "id": "[id]"
      },
      "user": {
        "name": "User",
        "email": "[email]",
        "emailVerified": false,
        "image": null,
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
}
