//! Better Auth's domain: ids and signatures, cookies, origins, passwords, users, sessions,
//! accounts, single-use tokens and e-mail. Nothing here sees an Actix request.

pub mod accounts;
pub mod cookies;
pub mod crypto;
pub mod email;
pub mod email_token;
pub mod ip;
pub mod origin;
pub mod password;
pub mod sessions;
pub mod users;
pub mod verification;
