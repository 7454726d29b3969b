//! JSON Web Tokens, in Better Auth's jwt plugin's formats (`better-auth/src/plugins/jwt/`):
//! - [`keys`]: the `jwks` table, its Ed25519 keys (private halves encrypted by
//!   [`key_encryption`]), their rotation and the published set;
//! - [`sign`]: the JWTs this server issues (`/token`, `set-auth-jwt`);
//! - [`verify`]: checking one of those against the published keys;
//! - [`bearer`]: which bearer JWTs the task API accepts (HS256 with the shared secret, or ours).
//!
//! The settings (`JWT_ALG`, issuer, audience, lifetimes) are `crate::config::JwtConfig`.

pub mod bearer;
pub mod key_encryption;
pub mod keys;
pub mod sign;
pub mod verify;
