//! Issuing the JWT plugin's tokens (`better-auth/src/plugins/jwt/sign.ts` `getJwtToken`, `signJWT`):
//! Better Auth's payload, signed with EdDSA (a `jwks` key) or, as this server's extension, HS256
//! with the current secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use serde_json::{Map, Value, json};

use super::keys;
use crate::auth::crypto::hmac_sha256;
use crate::auth::session_store::DbAccess;
use crate::config::{Config, JwtAlg};
use crate::db::models::User;
use crate::wire::iso;

/// `{iat, ...user, sub, exp, iss, aud}`: the user in Better Auth's key order, then jose's claims.
pub fn payload(user: &User, config: &Config, iat: i64) -> Map<String, Value> {
    let exp =
        iat.saturating_add(i64::try_from(config.jwt.expires_in.as_secs()).unwrap_or(i64::MAX));
    let fields = json!({
        "iat": iat,
        "name": user.name,
        "email": user.email,
        "emailVerified": user.email_verified,
        "image": user.image,
        "createdAt": iso(&user.created_at),
        "updatedAt": iso(&user.updated_at),
        "id": user.id,
        "sub": user.id,
        "exp": exp,
        "iss": config.jwt_iss(),
        "aud": config.jwt_aud(),
    });
    match fields {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object literal is an object"),
    }
}

/// A JWS compact serialization: `b64(header).b64(payload).b64(signature)`.
fn compact(
    header: &Value,
    payload: &Map<String, Value>,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> String {
    let mut token = String::with_capacity(1024);
    URL_SAFE_NO_PAD.encode_string(header.to_string(), &mut token);
    token.push('.');
    // A map of JSON values always serializes.
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(payload).unwrap_or_default(), &mut token);
    let signature = sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

/// EdDSA with header `{"alg":"EdDSA","kid":"<jwks.id>"}` (no `typ`, as jose sends it).
pub fn sign_eddsa(key: &keys::SigningKey, payload: &Map<String, Value>) -> String {
    let header = json!({"alg": keys::EDDSA, "kid": key.kid});
    compact(&header, payload, |input| key.sign(input).to_vec())
}

/// HS256 with header `{"alg":"HS256","typ":"JWT"}`, keyed by the current secret's UTF-8 bytes.
pub fn sign_hs256(config: &Config, payload: &Map<String, Value>) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT"});
    compact(&header, payload, |input| {
        hmac_sha256(config.current_secret(), input).to_vec()
    })
}

/// The payload for a user read from the cookie cache: Better Auth signs the cached user, whose keys
/// are in its zod schema's order (`cookie_cache::USER_SCHEMA_ORDER`), after `iat`.
pub fn cached_payload(user: &User, config: &Config, iat: i64) -> Map<String, Value> {
    let mut adapter_order = payload(user, config, iat);
    let mut out = Map::new();
    for key in std::iter::once("iat").chain(crate::auth::cookie_cache::USER_SCHEMA_ORDER) {
        if let Some(v) = adapter_order.shift_remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.extend(adapter_order);
    out
}

/// A fresh token for `user`, with the configured algorithm (minting a key if EdDSA has none).
/// `cached`: the user came from the cookie cache (see [`cached_payload`]).
pub async fn issue(
    conn: &mut impl DbAccess,
    config: &Config,
    keys: &keys::KeyCache,
    user: &User,
    cached: bool,
) -> anyhow::Result<String> {
    let iat = chrono::Utc::now().timestamp();
    let payload = if cached {
        cached_payload(user, config, iat)
    } else {
        payload(user, config, iat)
    };
    Ok(match config.jwt.alg {
        JwtAlg::EdDsa => sign_eddsa(&*keys.get(conn, config).await?, &payload),
        JwtAlg::Hs256 => sign_hs256(config, &payload),
    })
}
