//! Better Auth's domain: ids and signatures, cookies, origins, passwords, users, sessions,
//! accounts, single-use tokens and e-mail. Nothing here sees an Actix request.

pub mod accounts;
pub mod audit;
pub mod callback_url;
pub mod cookie_cache;
pub mod cookies;
pub mod credentials;
pub mod crypto;
pub mod email;
pub mod email_token;
pub mod ip;
pub mod jwe;
pub mod jwt;
pub mod origin;
pub mod password;
pub mod rate_limit;
pub mod session_store;
pub mod sessions;
pub mod users;
pub mod verification;
pub mod verification_store;
