//! Better Auth's domain: ids and signatures, cookies, origins, passwords, users and sessions.
//! Nothing here sees an Actix request.

pub mod cookies;
pub mod crypto;
pub mod ip;
pub mod jwks;
pub mod jwt;
pub mod jwt_sign;
pub mod jwt_verify;
pub mod origin;
pub mod password;
pub mod rate_limit;
pub mod sessions;
pub mod symmetric;
pub mod users;
