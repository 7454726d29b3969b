//! Better Auth's cookie cache (`session.cookieCache`, `better-auth/src/cookies/index.ts`
//! `setCookieCache`/`decodeCookieCache`, `cookies/cache.ts`): a signed or encrypted copy of
//! `{session, user}` in the `session_data` cookie, so that `get-session` can answer without the
//! database. Every value here is byte-compatible with what Better Auth 1.7.25 writes and reads.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq as _;

use super::crypto::{hmac_sha256, random_string};
use super::jwe::{self, JweKey};
use crate::config::{CacheStrategy, Config};
use crate::db::models::{Session, User};
use crate::wire::{ser_iso, truncate_ms};

/// HKDF salt of the `jwe` strategy.
const SALT: &str = "better-auth-session";

/// A cache entry read back from a cookie.
#[derive(Debug, Clone)]
pub struct Cached {
    pub session: Session,
    pub user: User,
    /// `version` of the payload, if it had one.
    pub version: Option<String>,
    /// When the cache itself expires (ms epoch).
    pub expires_at_ms: i64,
}

impl Cached {
    /// `get-session`'s checks (`api/routes/session.ts`): the token of the signed `session_token`
    /// cookie, the version (missing or empty counts as `"1"`), and both expiries.
    pub fn usable(&self, token: &str, version: &str, now_ms: i64) -> bool {
        let cached_version = self.version.as_deref().filter(|v| !v.is_empty());
        bool::from(self.session.token.as_bytes().ct_eq(token.as_bytes()))
            && cached_version.unwrap_or("1") == version
            && self.expires_at_ms >= now_ms
            && self.session.expires_at.timestamp_millis() >= now_ms
    }
}

/// The session as the Postgres adapter hands it to `setCookieCache`, in its key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionJson<'a> {
    #[serde(serialize_with = "ser_iso")]
    expires_at: DateTime<Utc>,
    token: &'a str,
    #[serde(serialize_with = "ser_iso")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    updated_at: DateTime<Utc>,
    ip_address: Option<&'a str>,
    user_agent: Option<&'a str>,
    user_id: &'a str,
    id: &'a str,
}

/// The user as `parseUserOutput` leaves it, in the adapter's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserJson<'a> {
    name: &'a str,
    email: &'a str,
    email_verified: bool,
    image: Option<&'a str>,
    #[serde(serialize_with = "ser_iso")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    updated_at: DateTime<Utc>,
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PayloadJson<'a> {
    session: SessionJson<'a>,
    user: UserJson<'a>,
    updated_at: i64,
    version: &'a str,
}

/// The payload `P` as JSON text: `{"session":…,"user":…,"updatedAt":ms,"version":"1"}`.
#[expect(
    clippy::expect_used,
    reason = "serializing our own payload of strings and numbers cannot fail"
)]
pub fn payload_text(session: &Session, user: &User, updated_at_ms: i64, version: &str) -> String {
    let payload = PayloadJson {
        session: SessionJson {
            expires_at: session.expires_at,
            token: &session.token,
            created_at: session.created_at,
            updated_at: session.updated_at,
            ip_address: session.ip_address.as_deref(),
            user_agent: session.user_agent.as_deref(),
            user_id: &session.user_id,
            id: &session.id,
        },
        user: UserJson {
            name: &user.name,
            email: &user.email,
            email_verified: user.email_verified,
            image: user.image.as_deref(),
            created_at: user.created_at,
            updated_at: user.updated_at,
            id: &user.id,
        },
        updated_at: updated_at_ms,
        version,
    };
    serde_json::to_string(&payload).expect("the payload serializes")
}

/// Which parts of the payload Better Auth took from the cookie cache: those keep the key order
/// zod gave them (`sessionSchema`, `userSchema`) when it re-caches them (e.g. in update-user).
#[derive(Debug, Clone, Copy, Default)]
pub struct FromCache {
    pub session: bool,
    pub user: bool,
}

const SESSION_SCHEMA_ORDER: [&str; 8] = [
    "id",
    "createdAt",
    "updatedAt",
    "userId",
    "expiresAt",
    "token",
    "ipAddress",
    "userAgent",
];
/// The user members in Better Auth's zod schema order: what it re-serializes a cached user in.
pub(crate) const USER_SCHEMA_ORDER: [&str; 7] = [
    "id",
    "createdAt",
    "updatedAt",
    "email",
    "emailVerified",
    "name",
    "image",
];

fn reorder(value: &mut Value, member: &str, order: &[&str]) {
    if let Some(Value::Object(object)) = value.get_mut(member) {
        let mut ordered = Map::new();
        for key in order {
            if let Some(v) = object.shift_remove(*key) {
                ordered.insert((*key).into(), v);
            }
        }
        ordered.append(object);
        *object = ordered;
    }
}

/// `P` with the parts that came from the cache in their schema's key order.
#[expect(
    clippy::expect_used,
    reason = "the payload was serialized just before, by this module"
)]
fn schema_ordered(p: &str, from_cache: FromCache) -> String {
    let mut value: Value = serde_json::from_str(p).expect("our own payload parses");
    if from_cache.session {
        reorder(&mut value, "session", &SESSION_SCHEMA_ORDER);
    }
    if from_cache.user {
        reorder(&mut value, "user", &USER_SCHEMA_ORDER);
    }
    value.to_string()
}

/// `JSON.stringify({...P, extra})` for new keys: `extra` goes before P's final `}`.
fn with_fields(text: &str, extra: &str) -> String {
    format!("{},{extra}}}", &text[..text.len() - 1])
}

/// The compact strategy's cookie value for payload `p` expiring at `expires_at_ms`.
pub fn compact_encode(secret: &SecretString, p: &str, expires_at_ms: i64) -> String {
    let signed = with_fields(p, &format!("\"expiresAt\":{expires_at_ms}"));
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signed.as_bytes()));
    let outer =
        format!(r#"{{"session":{p},"expiresAt":{expires_at_ms},"signature":"{signature}"}}"#);
    URL_SAFE_NO_PAD.encode(outer)
}

/// The jwt strategy's HS256 JWT (`signJWT`): header `{"alg":"HS256"}`, `P + iat + exp`.
pub fn jwt_encode(secret: &SecretString, p: &str, iat: i64, exp: i64) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
        URL_SAFE_NO_PAD.encode(with_fields(p, &format!(r#""iat":{iat},"exp":{exp}"#)))
    );
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// `crypto.randomUUID()`: a version-4 UUID.
fn random_uuid() -> String {
    let hex = random_string(32, b"0123456789abcdef");
    let variant = b"89ab"[usize::from(hex.as_bytes()[16]) % 4] as char;
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// `setCookieCache`: the cookie value for `session` and `user` at `now`. A not-remembered session
/// gets Better Auth's `maxAge || 60` (compact) or `maxAge || 300` (jwt, jwe) seconds.
/// `from_cache`: which of `session` and `user` were read from the cache (see [`FromCache`]).
pub fn encode(
    config: &Config,
    session: &Session,
    user: &User,
    dont_remember: bool,
    from_cache: FromCache,
    now: DateTime<Utc>,
) -> Option<String> {
    let cache = &config.cookie_cache;
    let strategy = cache.strategy?;
    let max_age = cache.max_age.as_secs() as i64;
    let now_ms = now.timestamp_millis();
    let mut p = payload_text(session, user, now_ms, &cache.version);
    if from_cache.session || from_cache.user {
        p = schema_ordered(&p, from_cache);
    }
    let secret = config.current_secret();
    let ttl = if dont_remember { 300 } else { max_age };
    let iat = now.timestamp();
    Some(match strategy {
        CacheStrategy::Compact => {
            let expires = now_ms
                + if dont_remember {
                    60_000
                } else {
                    max_age * 1000
                };
            compact_encode(secret, &p, expires)
        }
        CacheStrategy::Jwt => jwt_encode(secret, &p, iat, iat + ttl),
        CacheStrategy::Jwe => {
            let claims = format!(
                r#""iat":{iat},"exp":{},"jti":"{}""#,
                iat + ttl,
                random_uuid()
            );
            JweKey::derive(secret, SALT).encrypt(&with_fields(&p, &claims))
        }
    })
}

/// `decodeCookieCache` plus the payload schema: `None` for anything Better Auth would discard
/// (and, unlike Better Auth, for the inputs that make it answer 500).
pub fn decode(config: &Config, value: &str, now: DateTime<Utc>) -> Option<Cached> {
    let secret = config.current_secret();
    let now_s = now.timestamp();
    match config.cookie_cache.strategy? {
        CacheStrategy::Compact => decode_compact(secret, value),
        CacheStrategy::Jwt => {
            let payload = verify_jwt(secret, value)?;
            let exp = claim_time(&payload, "exp", now_s, 0)?;
            parse_payload(&payload, exp.map_or(now.timestamp_millis(), |e| e * 1000))
        }
        CacheStrategy::Jwe => {
            let secrets = all_secrets(config);
            let plain = jwe::decrypt(value, &secrets, SALT)?;
            let payload: Value = serde_json::from_slice(&plain).ok()?;
            let exp = claim_time(&payload, "exp", now_s, 15)?;
            parse_payload(&payload, exp.map_or(now.timestamp_millis(), |e| e * 1000))
        }
    }
}

/// Every secret Better Auth's `getAllSecrets` tries, current first, then the legacy one.
fn all_secrets(config: &Config) -> Vec<&SecretString> {
    let mut all: Vec<&SecretString> = config.secrets.iter().collect();
    if let Some(legacy) = &config.legacy_secret
        && !all
            .iter()
            .any(|s| s.expose_secret() == legacy.expose_secret())
    {
        all.push(legacy);
    }
    all
}

/// `@better-auth/utils` `base64Url.decode`: URL alphabet only when `-` or `_` occur, input
/// ends at the first `=`.
fn lenient_base64(value: &str) -> Option<Vec<u8>> {
    let value = value.split('=').next().unwrap_or_default();
    let abc = if value.contains(['-', '_']) {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone);
    GeneralPurpose::new(abc, config).decode(value).ok()
}

fn decode_compact(secret: &SecretString, value: &str) -> Option<Cached> {
    let bytes = lenient_base64(value)?;
    let outer: Value = serde_json::from_str(&String::from_utf8_lossy(&bytes)).ok()?;
    let outer = revive(outer);
    let session = outer.get("session")?.as_object()?;
    let expires_at = outer.get("expiresAt")?;
    let expires_at_ms = expires_at.as_f64()?;
    let signature = lenient_base64(outer.get("signature")?.as_str()?)?;
    // Node verifies `JSON.stringify({...session, expiresAt})` of what it parsed.
    let mut signed = session.clone();
    signed.insert("expiresAt".into(), expires_at.clone());
    let text = serde_json::to_string(&signed).ok()?;
    let expected = hmac_sha256(secret, text.as_bytes());
    if !bool::from(expected.as_slice().ct_eq(&signature)) {
        return None;
    }
    parse_payload(&Value::Object(session.clone()), expires_at_ms as i64)
}

/// `jose.jwtVerify` with the secret as an HMAC key, any HS* algorithm: the payload.
fn verify_jwt(secret: &SecretString, token: &str) -> Option<Value> {
    let (signing_input, sig) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let key = secret.expose_secret().as_bytes();
    let input = signing_input.as_bytes();
    let valid = match header.get("alg")?.as_str()? {
        "HS256" => Hmac::<Sha256>::new_from_slice(key)
            .ok()?
            .chain_update(input)
            .verify_slice(&sig),
        "HS384" => Hmac::<Sha384>::new_from_slice(key)
            .ok()?
            .chain_update(input)
            .verify_slice(&sig),
        "HS512" => Hmac::<Sha512>::new_from_slice(key)
            .ok()?
            .chain_update(input)
            .verify_slice(&sig),
        _ => return None,
    };
    if valid.is_err() || header.get("crit").is_some() {
        return None;
    }
    let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    payload.is_object().then_some(payload)
}

/// jose's claim check: a present `exp` must be a number later than `now - tolerance`, and a
/// present `nbf` not after `now + tolerance`. `Some(exp)` when the token passes.
fn claim_time(payload: &Value, name: &str, now_s: i64, tolerance: i64) -> Option<Option<i64>> {
    if let Some(nbf) = payload.get("nbf")
        && nbf.as_f64()? > (now_s + tolerance) as f64
    {
        return None;
    }
    match payload.get(name) {
        None => Some(None),
        Some(exp) => {
            let exp = exp.as_f64()?;
            (exp > (now_s - tolerance) as f64).then_some(Some(exp as i64))
        }
    }
}

/// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$`, the strings `safeJSONParse` revives.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let fixed = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    fixed
        && match &b[19..] {
            b"Z" => true,
            [b'.', rest @ .., b'Z'] => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
            _ => false,
        }
}

fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if !looks_like_date(s) {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| truncate_ms(t.with_timezone(&Utc)))
}

/// `safeJSONParse`'s date revival, then `JSON.stringify`: every date-like string is re-printed
/// as `Date.toJSON` would print it.
fn revive(value: Value) -> Value {
    match value {
        Value::String(s) => match parse_date(&s) {
            Some(t) => Value::String(crate::wire::iso(&t)),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(revive).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, revive(v))).collect()),
        other => other,
    }
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)?.as_str().map(String::from)
}

fn nullish_string(map: &Map<String, Value>, key: &str) -> Option<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    }
}

/// A required date, or an optional one defaulting to `now` (zod's `.default(() => new Date())`).
fn date(
    map: &Map<String, Value>,
    key: &str,
    default: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match map.get(key) {
        None => default,
        Some(v) => parse_date(v.as_str()?),
    }
}

/// `cookieCachePayloadSchema`: `{session, user, updatedAt: number, version?: string}`.
fn parse_payload(payload: &Value, expires_at_ms: i64) -> Option<Cached> {
    let now = Some(crate::wire::now());
    let s = payload.get("session")?.as_object()?;
    let u = payload.get("user")?.as_object()?;
    payload.get("updatedAt")?.as_f64()?;
    let version = match payload.get("version") {
        None => None,
        Some(v) => Some(v.as_str()?.to_owned()),
    };
    let user_id = match s.get("userId")? {
        Value::String(id) => id.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let session = Session {
        id: string(s, "id")?,
        expires_at: date(s, "expiresAt", None)?,
        token: string(s, "token")?,
        created_at: date(s, "createdAt", now)?,
        updated_at: date(s, "updatedAt", now)?,
        ip_address: nullish_string(s, "ipAddress")?,
        user_agent: nullish_string(s, "userAgent")?,
        user_id,
    };
    let email_verified = match u.get("emailVerified") {
        None => false,
        Some(v) => v.as_bool()?,
    };
    let user = User {
        id: string(u, "id")?,
        name: string(u, "name")?,
        email: string(u, "email")?.to_lowercase(),
        email_verified,
        image: nullish_string(u, "image")?,
        created_at: date(u, "createdAt", now)?,
        updated_at: date(u, "updatedAt", now)?,
    };
    Some(Cached {
        session,
        user,
        version,
        expires_at_ms,
    })
}

#[cfg(test)]
#[path = "cookie_cache_tests.rs"]
mod tests;
