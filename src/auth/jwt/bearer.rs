//! Bearer JWTs accepted by the task API, and their verification.
//!
//! Two kinds are accepted, and the algorithm is pinned per key, never taken from the token alone:
//! - HS256, signed with `BETTER_AUTH_SECRET` (any of `BETTER_AUTH_SECRETS`): the seed's FastAPI
//!   convention, where `sub` is the user id and `exp` is required.
//! - This server's own EdDSA JWTs (the jwt plugin: `/api/auth/token`, `set-auth-jwt`), verified
//!   against the `jwks` table by [`verify_eddsa`], with `iss`/`aud` always checked as Better
//!   Auth's `verifyJWT` does. (The plugin's HS256 mode signs with the shared secret, so its tokens
//!   are verified as HS256 above.)
//!
//! Everything else is rejected: `alg: none`, HS384/HS512, an asymmetric `alg` whose signature was
//! made with the shared secret, another secret, a missing `sub`, an expired token, or an `nbf` in
//! the future. On HS256 tokens `iss` and `aud` are checked only when `JWT_ISSUER` / `JWT_AUDIENCE`
//! are configured (the seed's FastAPI tokens carry neither).

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::verify::verify_eddsa;
use crate::config::Config;
use crate::db::Connect;

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 60;

/// The claims the task API reads from a verified JWT.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// The `iss` / `aud` a token must carry, when configured.
#[derive(Debug, Clone, Default)]
pub struct JwtPolicy {
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl JwtPolicy {
    /// The policy of a configuration (`JWT_ISSUER`, `JWT_AUDIENCE`).
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        }
    }

    /// A `jsonwebtoken` validation for exactly one algorithm, with this policy applied.
    pub fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.set_required_spec_claims(&["exp", "sub"]);
        v.validate_exp = true;
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS;
        match &self.issuer {
            Some(iss) => {
                v.set_issuer(&[iss]);
                v.required_spec_claims.insert("iss".into());
            }
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                v.required_spec_claims.insert("aud".into());
            }
            None => v.validate_aud = false,
        }
        v
    }
}

/// Whether a bearer credential has the shape of a JWS (three dot-separated parts), as opposed to a
/// Better Auth session token (`token` or `token.signature`).
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// Verifies a bearer JWT of either kind: `Ok(None)` when it is not acceptable for any reason;
/// `Err` only when the database cannot be asked (a connection is taken for EdDSA tokens only).
pub async fn verify_bearer_jwt(
    db: &impl Connect,
    config: &Config,
    token: &str,
) -> anyhow::Result<Option<Claims>> {
    let Ok(header) = decode_header(token) else {
        return Ok(None);
    };
    let claims = match header.alg {
        Algorithm::HS256 => verify_hs256(token, &config.secrets, &JwtPolicy::from_config(config)),
        // Asymmetric keys live in `jwks`, each pinned to its algorithm; this server mints EdDSA
        // keys only (Better Auth's default, `better-auth/src/plugins/jwt/utils.ts`). HS384, HS512
        // and every other algorithm are refused: the shared secret is pinned to HS256.
        Algorithm::EdDSA => {
            let mut conn = db.connect().await?;
            verify_eddsa::<Claims>(&mut conn, token, config).await?
        }
        _ => None,
    };
    // A `sub` the database cannot store names no user (a NUL would make PostgreSQL fail the query).
    Ok(claims.filter(|c| !c.sub.is_empty() && crate::text::storable(&c.sub)))
}

/// Verifies an HS256 JWT against each shared secret (newest first).
pub fn verify_hs256(token: &str, secrets: &[SecretString], policy: &JwtPolicy) -> Option<Claims> {
    let validation = policy.validation(Algorithm::HS256);
    secrets.iter().find_map(|secret| {
        let key = DecodingKey::from_secret(secret.expose_secret().as_bytes());
        decode::<Claims>(token, &key, &validation)
            .ok()
            .map(|data| data.claims)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn secret() -> SecretString {
        "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn mint(alg: Algorithm, claims: serde_json::Value) -> String {
        let key = EncodingKey::from_secret(b"test-secret-0123456789-abcdefghijklmnopqrstuvwxyz");
        encode(&Header::new(alg), &claims, &key).unwrap()
    }

    #[test]
    fn an_hs256_token_with_sub_and_exp_is_accepted() {
        let token = mint(Algorithm::HS256, json!({"sub": "u1", "exp": now() + 60}));
        let claims = verify_hs256(&token, &[secret()], &JwtPolicy::default()).unwrap();
        assert_eq!(claims.sub, "u1");
    }

    #[test]
    fn hs384_hs512_missing_sub_and_future_nbf_are_rejected() {
        let policy = JwtPolicy::default();
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let token = mint(alg, json!({"sub": "u1", "exp": now() + 60}));
            assert_eq!(verify_hs256(&token, &[secret()], &policy), None);
        }
        let token = mint(Algorithm::HS256, json!({"exp": now() + 60}));
        assert_eq!(verify_hs256(&token, &[secret()], &policy), None);
        let token = mint(
            Algorithm::HS256,
            json!({"sub": "u1", "exp": now() + 7200, "nbf": now() + 3600}),
        );
        assert_eq!(verify_hs256(&token, &[secret()], &policy), None);
    }

    #[test]
    fn issuer_and_audience_are_checked_only_when_configured() {
        let token = mint(
            Algorithm::HS256,
            json!({"sub": "u1", "exp": now() + 60, "iss": "a", "aud": "b"}),
        );
        let open = JwtPolicy::default();
        assert!(verify_hs256(&token, &[secret()], &open).is_some());
        let strict = JwtPolicy {
            issuer: Some("a".into()),
            audience: Some("b".into()),
        };
        assert!(verify_hs256(&token, &[secret()], &strict).is_some());
        let other = JwtPolicy {
            issuer: Some("x".into()),
            audience: None,
        };
        assert_eq!(verify_hs256(&token, &[secret()], &other), None);
        let bare = mint(Algorithm::HS256, json!({"sub": "u1", "exp": now() + 60}));
        assert_eq!(verify_hs256(&bare, &[secret()], &strict), None);
    }

    #[test]
    fn only_three_part_credentials_look_like_jwts() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("token.sig"));
        assert!(!looks_like_jwt("rawtoken"));
    }
}
