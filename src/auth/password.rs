//! Password hashing: Better Auth's scrypt format and argon2id, on dedicated hashing threads.
//!
//! Hashes run on `PASSWORD_HASH_CONCURRENCY` threads of their own, never on the async workers, fed
//! by a bounded queue: a sign-in storm queues instead of starving `get-session`, and memory stays
//! at one argon2 buffer per thread however many sign-ins arrive.

mod kdf;
mod pool;

use std::sync::Arc;

use secrecy::{ExposeSecret as _, SecretString};

use crate::config::PasswordHasherKind;
use crate::error::{ApiError, ErrorCode};

pub use pool::{HashPoolError, QUEUE_PER_THREAD};

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
    pool: Arc<pool::HashPool>,
    /// A hash of the configured kind, verified on the unknown-user path so timing reveals nothing.
    dummy: Arc<str>,
}

impl PasswordHasher {
    /// A hasher producing `kind` hashes on `threads` hashing threads.
    pub fn new(kind: PasswordHasherKind, threads: usize) -> anyhow::Result<Self> {
        Ok(Self {
            kind,
            pool: Arc::new(pool::HashPool::start(threads)?),
            dummy: kdf::dummy(kind)?.into(),
        })
    }

    /// Hashes a new password in the configured format.
    pub async fn hash(&self, password: &SecretString) -> anyhow::Result<String> {
        let kind = self.kind;
        let password = password.clone();
        self.pool
            .run(move |scratch| kdf::hash(kind, password.expose_secret(), scratch))
            .await?
    }

    /// Verifies a password against a stored hash of either format. A malformed hash is a mismatch.
    pub async fn verify(&self, password: &SecretString, hash: &str) -> anyhow::Result<bool> {
        let password = password.clone();
        let hash = hash.to_owned();
        Ok(self
            .pool
            .run(move |scratch| kdf::verify(password.expose_secret(), &hash, scratch))
            .await?)
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

    /// Hashes queued or running (the `/metrics` queue depth).
    pub fn queue_depth(&self) -> usize {
        self.pool.depth()
    }

    /// The number of hashing threads.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_from_many_tasks_at_once_verify_their_own_password_only() {
        for kind in [PasswordHasherKind::Argon2id, PasswordHasherKind::Scrypt] {
            let hasher = PasswordHasher::new(kind, 2).unwrap();
            let tasks: Vec<_> = (0..12)
                .map(|i| {
                    let hasher = hasher.clone();
                    tokio::spawn(async move {
                        let password = SecretString::from(format!("password number {i}"));
                        let hash = hasher.hash(&password).await.unwrap();
                        let other = SecretString::from(format!("password number {}", i + 1));
                        let verified = hasher.verify(&password, &hash).await.unwrap();
                        let other_verified = hasher.verify(&other, &hash).await.unwrap();
                        (verified, other_verified)
                    })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), (true, false));
            }
            assert_eq!(hasher.queue_depth(), 0);
        }
    }

    #[tokio::test]
    async fn the_dummy_verification_matches_no_password() {
        let hasher = PasswordHasher::new(PasswordHasherKind::Argon2id, 1).unwrap();
        let password = SecretString::from("anything at all");
        hasher.verify_dummy(&password).await.unwrap();
        assert!(!hasher.verify(&password, &hasher.dummy).await.unwrap());
    }

    #[test]
    fn js_length_counts_utf16_units() {
        assert_eq!(js_length("abc"), 3);
        assert_eq!(js_length("😀"), 2);
    }
}
