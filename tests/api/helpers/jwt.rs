//! JWTs made by hand (HS256 with the shared secret, any HMAC algorithm, forged headers) and read
//! without verification.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::Value;

use super::SECRET;

/// Seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An HS256 JWT signed with the test secret.
pub fn hs256(claims: &Value) -> String {
    jwt_with(Algorithm::HS256, claims, SECRET.as_bytes())
}

/// A JWT of any HMAC algorithm with any key.
pub fn jwt_with(alg: Algorithm, claims: &Value, key: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).expect("encode")
}

/// A token with an arbitrary header, signed with HMAC-SHA256 under the test secret whatever the
/// header says (for `alg` confusion), or unsigned when `sign` is false (`alg: none`).
pub fn hand_made(header: &Value, claims: &Value, sign: bool) -> String {
    use hmac::{KeyInit as _, Mac as _};
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("JSON"));
    let message = format!("{}.{}", encode(header), encode(claims));
    if !sign {
        return format!("{message}.");
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(message.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{message}.{signature}")
}

/// The JSON of a compact JWT's header (0) or payload (1), key order preserved; not verified.
pub fn part(jwt: &str, index: usize) -> Value {
    let segment = jwt.split('.').nth(index).expect("a JWT segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).expect("base64url")).expect("JSON")
}

/// A JWT's header.
pub fn header(jwt: &str) -> Value {
    part(jwt, 0)
}

/// A JWT's payload.
pub fn payload(jwt: &str) -> Value {
    part(jwt, 1)
}
