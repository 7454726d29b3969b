//! Issuing the JWT plugin's tokens (`better-auth/src/plugins/jwt/sign.ts` `getJwtToken`, `signJWT`):
//! Better Auth's payload, signed with EdDSA (a `jwks` key) or, as this server's extension, HS256
//! with the current secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use serde::ser::{Serialize, SerializeMap as _, Serializer};
use serde_json::{Value, json};

use super::keys;
use crate::auth::crypto::hmac_sha256;
use crate::auth::session_store::DbAccess;
use crate::config::{Config, JwtAlg};
use crate::db::models::User;
use crate::wire::iso;

/// The JWT plugin's payload, `{iat, ...user, sub, exp, iss, aud}`: the user in Better Auth's adapter
/// order, or, for a user read from the cookie cache, in its zod schema's order
/// (`cookie_cache::USER_SCHEMA_ORDER`), which is what Better Auth signs then.
pub struct Claims<'a> {
    user: &'a User,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
    cached: bool,
}

/// The user members in the adapter's order (the `user` table's column order).
const ADAPTER_ORDER: [&str; 7] = [
    "name",
    "email",
    "emailVerified",
    "image",
    "createdAt",
    "updatedAt",
    "id",
];

impl<'a> Claims<'a> {
    /// The claims for `user` issued at `iat` (seconds); `cached`: the user came from the cache.
    pub fn new(user: &'a User, config: &Config, iat: i64, cached: bool) -> Self {
        let ttl = i64::try_from(config.jwt.expires_in.as_secs()).unwrap_or(i64::MAX);
        Self {
            user,
            iat,
            exp: iat.saturating_add(ttl),
            iss: config.jwt_iss(),
            aud: config.jwt_aud(),
            cached,
        }
    }
}

impl Serialize for Claims<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = self.user;
        let mut map = s.serialize_map(Some(12))?;
        map.serialize_entry("iat", &self.iat)?;
        let order = match self.cached {
            true => crate::auth::cookie_cache::USER_SCHEMA_ORDER,
            false => ADAPTER_ORDER,
        };
        for key in order {
            match key {
                "name" => map.serialize_entry(key, &u.name)?,
                "email" => map.serialize_entry(key, &u.email)?,
                "emailVerified" => map.serialize_entry(key, &u.email_verified)?,
                "image" => map.serialize_entry(key, &u.image)?,
                "createdAt" => map.serialize_entry(key, &iso(&u.created_at))?,
                "updatedAt" => map.serialize_entry(key, &iso(&u.updated_at))?,
                _ => map.serialize_entry(key, &u.id)?,
            }
        }
        map.serialize_entry("sub", &u.id)?;
        map.serialize_entry("exp", &self.exp)?;
        map.serialize_entry("iss", &self.iss)?;
        map.serialize_entry("aud", &self.aud)?;
        map.end()
    }
}

/// A JWS compact serialization: `b64(header).b64(payload).b64(signature)`.
fn compact(
    header: &Value,
    payload: &impl Serialize,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> String {
    let mut token = String::with_capacity(1024);
    URL_SAFE_NO_PAD.encode_string(header.to_string(), &mut token);
    token.push('.');
    // Claims of strings, numbers and booleans always serialize.
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(payload).unwrap_or_default(), &mut token);
    let signature = sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

/// EdDSA with header `{"alg":"EdDSA","kid":"<jwks.id>"}` (no `typ`, as jose sends it).
pub fn sign_eddsa(key: &keys::SigningKey, payload: &impl Serialize) -> String {
    let header = json!({"alg": keys::EDDSA, "kid": key.kid});
    compact(&header, payload, |input| key.sign(input).to_vec())
}

/// HS256 with header `{"alg":"HS256","typ":"JWT"}`, keyed by the current secret's UTF-8 bytes.
pub fn sign_hs256(config: &Config, payload: &impl Serialize) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT"});
    compact(&header, payload, |input| {
        hmac_sha256(config.current_secret(), input).to_vec()
    })
}

/// A fresh token for `user`, with the configured algorithm (minting a key if EdDSA has none).
/// `cached`: the user came from the cookie cache (see [`Claims`]).
pub async fn issue(
    conn: &mut impl DbAccess,
    config: &Config,
    keys: &keys::KeyCache,
    user: &User,
    cached: bool,
) -> anyhow::Result<String> {
    let payload = Claims::new(user, config, chrono::Utc::now().timestamp(), cached);
    Ok(match config.jwt.alg {
        JwtAlg::EdDsa => sign_eddsa(&*keys.get(conn, config).await?, &payload),
        JwtAlg::Hs256 => sign_hs256(config, &payload),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};

    use super::*;

    fn user(image: Option<&str>) -> User {
        User {
            id: "u1".into(),
            name: "Ada \"L\"".into(),
            email: "ada@example.com".into(),
            email_verified: true,
            image: image.map(Into::into),
            created_at: Utc.timestamp_millis_opt(1_764_547_200_123).unwrap(),
            updated_at: Utc.timestamp_millis_opt(1_764_547_201_000).unwrap(),
        }
    }

    fn claims(user: &User, cached: bool) -> String {
        let vars = [
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/test"),
            ("BETTER_AUTH_SECRET", "0123456789abcdef0123456789abcdef"),
            ("BETTER_AUTH_URL", "http://localhost:3000"),
        ];
        let lookup = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let config = crate::config::Config::from_lookup(lookup).unwrap();
        serde_json::to_string(&Claims::new(user, &config, 1_764_547_300, cached)).unwrap()
    }

    #[test]
    fn claims_are_in_the_adapters_order_then_joses() {
        assert_eq!(
            claims(&user(None), false),
            r#"{"iat":1764547300,"name":"Ada \"L\"","email":"ada@example.com","emailVerified":true,"image":null,"createdAt":"2025-12-01T00:00:00.123Z","updatedAt":"2025-12-01T00:00:01.000Z","id":"u1","sub":"u1","exp":1764548200,"iss":"http://localhost:3000","aud":"http://localhost:3000"}"#
        );
    }

    #[test]
    fn a_cached_users_claims_are_in_the_zod_schemas_order() {
        assert_eq!(
            claims(&user(Some("https://example.com/a.png")), true),
            r#"{"iat":1764547300,"id":"u1","createdAt":"2025-12-01T00:00:00.123Z","updatedAt":"2025-12-01T00:00:01.000Z","email":"ada@example.com","emailVerified":true,"name":"Ada \"L\"","image":"https://example.com/a.png","sub":"u1","exp":1764548200,"iss":"http://localhost:3000","aud":"http://localhost:3000"}"#
        );
    }
}
