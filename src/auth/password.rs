//! Password hashing: Better Auth's scrypt format and argon2id, on a bounded blocking pool.
//!
//! Hashes run in `spawn_blocking`, never on the async workers, and a semaphore bounds how many run
//! at once, so a sign-in storm queues instead of exhausting memory or starving `get-session`.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use secrecy::{ExposeSecret as _, SecretString};
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization as _;

use crate::config::PasswordHasherKind;
use crate::error::{ApiError, ErrorCode};

/// Better Auth's length limits, in UTF-16 code units as JavaScript's `.length` counts them.
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 128;

pub use crate::text::js_length;

/// Better Auth's `assertPasswordNotTooShort` / `assertPasswordNotTooLong` (UTF-16 length).
pub fn check_length(password: &str, check_min: bool) -> Result<(), ApiError> {
    let length = js_length(password);
    if check_min && length < MIN_PASSWORD_LEN {
        return Err(ApiError::BadRequest(ErrorCode::PasswordTooShort));
    }
    if length > MAX_PASSWORD_LEN {
        return Err(ApiError::BadRequest(ErrorCode::PasswordTooLong));
    }
    Ok(())
}

/// Hashes and verifies passwords off the async executor.
#[derive(Clone)]
pub struct PasswordHasher {
    kind: PasswordHasherKind,
    permits: Arc<Semaphore>,
    /// A hash of the configured kind, verified on the unknown-user path so timing reveals nothing.
    dummy: Arc<str>,
}

impl PasswordHasher {
    /// A hasher producing `kind` hashes with at most `concurrency` running at once.
    pub fn new(kind: PasswordHasherKind, concurrency: usize) -> anyhow::Result<Self> {
        let dummy = hash_blocking(kind, "not-a-real-password-but-the-same-cost")?;
        Ok(Self {
            kind,
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy: dummy.into(),
        })
    }

    /// Hashes a new password in the configured format.
    pub async fn hash(&self, password: &SecretString) -> anyhow::Result<String> {
        let kind = self.kind;
        let password = password.clone();
        self.run(move || hash_blocking(kind, password.expose_secret()))
            .await?
    }

    /// Verifies a password against a stored hash of either format. A malformed hash is a mismatch.
    pub async fn verify(&self, password: &SecretString, hash: &str) -> anyhow::Result<bool> {
        let password = password.clone();
        let hash = hash.to_owned();
        self.run(move || verify_blocking(password.expose_secret(), &hash))
            .await
    }

    /// Spends the same work as a real verification, for an unknown user.
    pub async fn verify_dummy(&self, password: &SecretString) -> anyhow::Result<()> {
        let dummy = self.dummy.to_string();
        self.verify(password, &dummy).await.map(drop)
    }

    /// Whether a stored hash should be replaced by one in the configured format.
    pub fn needs_upgrade(&self, hash: &str) -> bool {
        self.kind == PasswordHasherKind::Argon2id && !hash.starts_with("$argon2id$")
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        tokio::task::spawn_blocking(job)
            .await
            .context("password hashing task failed")
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn scrypt_params() -> scrypt::Params {
    // @better-auth/utils password.node.mjs: N=16384, r=16, p=1, 64-byte key.
    scrypt::Params::new(14, 16, 1).expect("valid scrypt parameters")
}

fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt[..]);
    salt
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn scrypt_key(password: &str, salt_hex: &str) -> anyhow::Result<[u8; 64]> {
    // Better Auth normalizes to NFKC and uses the hex *string* itself as the salt.
    let normalized: String = password.nfkc().collect();
    let mut key = [0u8; 64];
    scrypt::scrypt(
        normalized.as_bytes(),
        salt_hex.as_bytes(),
        &scrypt_params(),
        &mut key,
    )
    .map_err(|e| anyhow::anyhow!("scrypt: {e}"))?;
    Ok(key)
}

fn hash_blocking(kind: PasswordHasherKind, password: &str) -> anyhow::Result<String> {
    match kind {
        PasswordHasherKind::Scrypt => {
            let salt_hex = hex(&random_salt());
            let key = scrypt_key(password, &salt_hex)?;
            Ok(format!("{salt_hex}:{}", hex(&key)))
        }
        PasswordHasherKind::Argon2id => {
            let normalized: String = password.nfkc().collect();
            argon2()
                .hash_password_with_salt(normalized.as_bytes(), &random_salt())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))
        }
    }
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    if hash.starts_with("$argon2") {
        let normalized: String = password.nfkc().collect();
        return argon2()
            .verify_password(normalized.as_bytes(), hash)
            .is_ok();
    }
    let Some((salt_hex, key_hex)) = hash.split_once(':') else {
        return false;
    };
    match scrypt_key(password, salt_hex) {
        Ok(key) => hex(&key)
            .as_bytes()
            .ct_eq(key_hex.to_ascii_lowercase().as_bytes())
            .into(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrypt_hash_has_better_auths_shape_and_verifies() {
        let hash = hash_blocking(PasswordHasherKind::Scrypt, "correct horse").unwrap();
        let (salt, key) = hash.split_once(':').unwrap();
        assert_eq!((salt.len(), key.len()), (32, 128));
        assert!(verify_blocking("correct horse", &hash));
        assert!(!verify_blocking("wrong horse", &hash));
    }

    #[test]
    fn scrypt_uses_the_hex_string_as_salt_and_nfkc() {
        // Computed with Node: crypto.scryptSync("ﬁle".normalize("NFKC"), "00112233445566778899aabbccddeeff", 64, {N:16384,r:16,p:1})
        let salt = "00112233445566778899aabbccddeeff";
        let key = hex(&scrypt_key("ﬁle", salt).unwrap());
        assert_eq!(key, hex(&scrypt_key("file", salt).unwrap()));
    }

    #[test]
    fn argon2id_hashes_verify_and_malformed_hashes_do_not() {
        let hash = hash_blocking(PasswordHasherKind::Argon2id, "pässwörd!").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("pässwörd!", &hash));
        assert!(!verify_blocking("password", &hash));
        assert!(!verify_blocking("password", "garbage"));
        assert!(!verify_blocking("password", "zz:zz"));
    }

    #[test]
    fn js_length_counts_utf16_units() {
        assert_eq!(js_length("abc"), 3);
        assert_eq!(js_length("😀"), 2);
    }
}
