//! Better Auth's small cryptographic formats: ids, signed cookie values, HMAC.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit as _, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random string over `alphabet`, unbiased by rejection sampling
/// (as `@better-auth/utils/dist/random.mjs`).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rand::fill(&mut buf[..]);
        for &b in &buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// Better Auth's `generateId(len)`: `[A-Za-z0-9]`, 32 characters by default.
pub fn generate_id(len: usize) -> String {
    random_string(len, ALPHANUMERIC)
}

/// HMAC-SHA256 of `message` under `secret`.
#[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
pub fn hmac_sha256(secret: &SecretString, message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `value.base64(HMAC)`: better-call's `signCookieValue`, before percent-encoding.
pub fn sign_value(secret: &SecretString, value: &str) -> String {
    format!(
        "{value}.{}",
        STANDARD.encode(hmac_sha256(secret, value.as_bytes()))
    )
}

/// Checks a signed `value.sig` against every secret (newest first) in constant time.
/// Returns the value when one matches. Cookies need the strict form (44 chars of padded
/// standard base64); the bearer plugin also accepts base64url.
#[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
pub fn verify_signed<'a>(
    secrets: &[SecretString],
    signed: &'a str,
    strict: bool,
) -> Option<&'a str> {
    let (value, sig) = signed.rsplit_once('.')?;
    if strict && (sig.len() != 44 || !sig.ends_with('=')) {
        return None;
    }
    let sig = STANDARD
        .decode(sig)
        .or_else(|_| URL_SAFE.decode(sig))
        .or_else(|_| URL_SAFE_NO_PAD.decode(sig))
        .ok()?;
    secrets
        .iter()
        .any(|secret| {
            let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
                .expect("HMAC takes keys of any length");
            mac.update(value.as_bytes());
            mac.verify_slice(&sig).is_ok()
        })
        .then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()
    }

    #[test]
    fn ids_are_32_alphanumerics() {
        let id = generate_id(32);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(id, generate_id(32));
    }

    #[test]
    fn the_dont_remember_cookie_matches_better_auths_observed_value() {
        // What better-auth 1.7.25 sets for `rememberMe: false` with this secret.
        assert_eq!(
            sign_value(&secret(), "true"),
            "true.0R39059RJMlqy6vRfLQM+9OejOdzDaSFqtRZ3UvvW0o="
        );
    }

    #[test]
    fn a_tampered_signature_is_rejected_and_an_old_secret_still_verifies() {
        let signed = sign_value(&secret(), "abc");
        assert_eq!(verify_signed(&[secret()], &signed, true), Some("abc"));
        let tampered = signed.replacen("abc", "abd", 1);
        assert_eq!(verify_signed(&[secret()], &tampered, true), None);
        let newer: SecretString = "a-newer-secret-0123456789-abcdefghijklmnop".into();
        assert_eq!(
            verify_signed(&[newer, secret()], &signed, true),
            Some("abc")
        );
    }
}
