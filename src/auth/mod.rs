//! Better Auth's domain: ids and signatures, cookies, origins, passwords, users and sessions.
//! Nothing here sees an Actix request.

pub mod cookies;
pub mod crypto;
pub mod ip;
pub mod jwt;
pub mod origin;
pub mod password;
pub mod sessions;
pub mod users;
