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
