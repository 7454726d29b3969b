//! Better Auth's `symmetricEncrypt`/`symmetricDecrypt` (`better-auth/src/crypto/index.ts`):
//! XChaCha20-Poly1305 under SHA-256 of the secret, `hex(nonce ‖ ciphertext ‖ tag)`, and with
//! versioned secrets the `$ba$<version>$<hex>` envelope.

use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};

use crate::config::Config;

const ENVELOPE: &str = "$ba$";
const NONCE_LEN: usize = 24;

/// Decryption failed: unknown version, malformed input or a wrong secret.
#[derive(Debug, thiserror::Error)]
#[error("cannot decrypt: {0}")]
pub struct DecryptError(&'static str);

fn cipher(secret: &SecretString) -> XChaCha20Poly1305 {
    let key = Sha256::digest(secret.expose_secret().as_bytes());
    XChaCha20Poly1305::new(&key)
}

/// Lowercase hex, as `bytesToHex`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase or uppercase hex to bytes; `None` for odd lengths or non-hex digits.
pub(super) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// `rawEncrypt`: a random 24-byte nonce, prepended (noble's `managedNonce`).
pub fn raw_encrypt(secret: &SecretString, plaintext: &str) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce);
    seal(secret, nonce, plaintext)
}

#[expect(
    clippy::expect_used,
    reason = "XChaCha20-Poly1305 encryption of a bounded plaintext cannot fail"
)]
fn seal(secret: &SecretString, nonce: [u8; NONCE_LEN], plaintext: &str) -> String {
    let sealed = cipher(secret)
        .encrypt(&XNonce::from(nonce), plaintext.as_bytes())
        .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    to_hex(&out)
}

/// `rawDecrypt`.
pub fn raw_decrypt(secret: &SecretString, hex: &str) -> Result<String, DecryptError> {
    let bytes = from_hex(hex).ok_or(DecryptError("not hex"))?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err(DecryptError("too short"));
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| DecryptError("bad nonce"))?;
    let plain = cipher(secret)
        .decrypt(&nonce, sealed)
        .map_err(|_| DecryptError("authentication failed"))?;
    String::from_utf8(plain).map_err(|_| DecryptError("not UTF-8"))
}

/// `parseEnvelope`: `$ba$<version>$<hex>`.
fn parse_envelope(data: &str) -> Option<(u32, &str)> {
    let rest = data.strip_prefix(ENVELOPE)?;
    let (version, hex) = rest.split_once('$')?;
    Some((version.parse().ok()?, hex))
}

/// `symmetricEncrypt` with the deployment's secrets: the current secret, enveloped with its
/// version when `BETTER_AUTH_SECRETS` is used.
pub fn encrypt(config: &Config, plaintext: &str) -> String {
    let hex = raw_encrypt(config.current_secret(), plaintext);
    match config.secret_versions.first() {
        Some(version) => format!("{ENVELOPE}{version}${hex}"),
        None => hex,
    }
}

/// `symmetricDecrypt`: an envelope picks its secret by version; bare hex uses the legacy secret
/// as Better Auth does, and, beyond it, any configured secret (the AEAD tag rejects wrong ones).
pub fn decrypt(config: &Config, data: &str) -> Result<String, DecryptError> {
    if let Some((version, hex)) = parse_envelope(data) {
        if config.secret_versions.is_empty() {
            return raw_decrypt(config.current_secret(), hex);
        }
        let index = config
            .secret_versions
            .iter()
            .position(|v| *v == version)
            .ok_or(DecryptError("unknown secret version (retired?)"))?;
        return raw_decrypt(&config.secrets[index], hex);
    }
    let candidates = config.legacy_secret.iter().chain(config.secrets.iter());
    let mut last = DecryptError("no secret");
    for secret in candidates {
        match raw_decrypt(secret, data) {
            Ok(plain) => return Ok(plain),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        s.into()
    }

    const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
    const PLAIN: &str = r#"{"crv":"Ed25519","d":"AAAA","x":"BBBB","kty":"OKP"}"#;
    /// Computed by `scripts/xchacha_decrypt.py encrypt` (an independent Python implementation:
    /// hashlib SHA-256, HChaCha20 checked against draft-irtf-cfrg-xchacha-03 §2.2.1, and
    /// `cryptography`'s ChaCha20-Poly1305) with nonce 00 01 .. 17.
    const SEALED: &str = "000102030405060708090a0b0c0d0e0f101112131415161713000bf6640e211ebb5415adcf64ac5d41a28b49a4556664186a05c13a805f58bc919aa66964eb90cf9f942c41f3eecc0a1208cb6f5aa73bbfa377dedbdea3dacec6aa";

    #[test]
    fn sealing_matches_an_independent_implementation_byte_for_byte() {
        let nonce: [u8; 24] = std::array::from_fn(|i| i as u8);
        assert_eq!(seal(&secret(SECRET), nonce, PLAIN), SEALED);
        assert_eq!(raw_decrypt(&secret(SECRET), SEALED).unwrap(), PLAIN);
    }

    #[test]
    fn a_wrong_secret_or_a_tampered_byte_fails_to_decrypt() {
        let other = secret("another-secret-0123456789-abcdefghijklmn");
        assert!(raw_decrypt(&other, SEALED).is_err());
        let tampered = format!("{}0", &SEALED[..SEALED.len() - 1]);
        assert!(raw_decrypt(&secret(SECRET), &tampered).is_err());
        assert!(raw_decrypt(&secret(SECRET), "zz").is_err());
        let fresh = raw_encrypt(&secret(SECRET), PLAIN);
        assert_ne!(fresh, SEALED, "nonces are random");
        assert_eq!(raw_decrypt(&secret(SECRET), &fresh).unwrap(), PLAIN);
    }

    #[test]
    fn envelopes_parse_like_better_auths() {
        assert_eq!(parse_envelope("$ba$2$abcdef"), Some((2, "abcdef")));
        assert_eq!(parse_envelope("$ba$-1$abcdef"), None);
        assert_eq!(parse_envelope("$ba$x$abcdef"), None);
        assert_eq!(parse_envelope("abcdef"), None);
    }
}
