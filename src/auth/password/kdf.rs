//! The two password formats (argon2id PHC strings, Better Auth's scrypt `saltHex:keyHex`), computed
//! with memory the hashing thread owns and reuses.
//!
//! Argon2's 19 MiB of blocks live in a [`Scratch`] kept by each hashing thread, so a hash allocates
//! nothing. Scrypt has no API taking caller memory; its allocation is freed and reused on the same
//! thread (the same glibc arena), so it is bounded by the number of hashing threads as well.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq as _;
use unicode_normalization::UnicodeNormalization as _;

use crate::config::PasswordHasherKind;

/// OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
const ARGON2_M_COST: u32 = 19_456;
const ARGON2_T_COST: u32 = 2;
const ARGON2_P_COST: u32 = 1;

/// Memory a hashing thread keeps between hashes.
#[derive(Default)]
pub struct Scratch {
    argon2_blocks: Vec<Block>,
}

impl Scratch {
    /// `count` reusable blocks, or `None` for a stored hash costlier than ours (allocated per call,
    /// so an odd hash cannot grow every thread's memory for good).
    fn argon2_blocks(&mut self, count: usize) -> Option<&mut [Block]> {
        if count > argon2_params().block_count() {
            return None;
        }
        if self.argon2_blocks.len() < count {
            self.argon2_blocks.resize(count, Block::default());
        }
        Some(&mut self.argon2_blocks[..count])
    }
}

#[expect(
    clippy::expect_used,
    reason = "constant parameters within argon2's ranges"
)]
fn argon2_params() -> Params {
    Params::new(ARGON2_M_COST, ARGON2_T_COST, ARGON2_P_COST, None).expect("valid argon2 parameters")
}

#[expect(
    clippy::expect_used,
    reason = "constant parameters within scrypt's ranges"
)]
fn scrypt_params() -> scrypt::Params {
    // @better-auth/utils password.node.mjs: N=16384, r=16, p=1, 64-byte key.
    scrypt::Params::new(14, 16, 1).expect("valid scrypt parameters")
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes[..]);
    bytes
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn nfkc(password: &str) -> String {
    password.nfkc().collect()
}

/// Hashes `password` in the `kind` format with a fresh random salt.
pub fn hash(
    kind: PasswordHasherKind,
    password: &str,
    scratch: &mut Scratch,
) -> anyhow::Result<String> {
    match kind {
        PasswordHasherKind::Scrypt => {
            let salt_hex = hex(&random_bytes::<16>());
            let key = scrypt_key(password, &salt_hex)?;
            Ok(format!("{salt_hex}:{}", hex(&key)))
        }
        PasswordHasherKind::Argon2id => argon2_hash(password, &random_bytes::<16>(), scratch),
    }
}

/// Whether `password` matches `hash` (either format); a malformed hash is a mismatch.
pub fn verify(password: &str, hash: &str, scratch: &mut Scratch) -> bool {
    if hash.starts_with("$argon2") {
        return argon2_verify(password, hash, scratch);
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

/// A well-formed hash of `kind` that no password matches, costing a real verification: random salt
/// and random output, so it needs no hashing to make.
pub fn dummy(kind: PasswordHasherKind) -> anyhow::Result<String> {
    match kind {
        PasswordHasherKind::Scrypt => Ok(format!(
            "{}:{}",
            hex(&random_bytes::<16>()),
            hex(&random_bytes::<64>())
        )),
        PasswordHasherKind::Argon2id => argon2_phc(
            &random_bytes::<16>(),
            &random_bytes::<{ Params::DEFAULT_OUTPUT_LEN }>(),
        ),
    }
}

fn scrypt_key(password: &str, salt_hex: &str) -> anyhow::Result<[u8; 64]> {
    // Better Auth normalizes to NFKC and uses the hex *string* itself as the salt.
    let mut key = [0u8; 64];
    scrypt::scrypt(
        nfkc(password).as_bytes(),
        salt_hex.as_bytes(),
        &scrypt_params(),
        &mut key,
    )
    .map_err(|e| anyhow::anyhow!("scrypt: {e}"))?;
    Ok(key)
}

/// Runs argon2 in the thread's blocks when they are big enough.
fn argon2_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    scratch: &mut Scratch,
) -> argon2::Result<()> {
    match scratch.argon2_blocks(argon2.params().block_count()) {
        Some(blocks) => argon2.hash_password_into_with_memory(password, salt, out, blocks),
        None => argon2.hash_password_into(password, salt, out),
    }
}

fn argon2_hash(password: &str, salt: &[u8], scratch: &mut Scratch) -> anyhow::Result<String> {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon2, nfkc(password).as_bytes(), salt, &mut out, scratch)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    argon2_phc(salt, &out)
}

/// The PHC string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, as `argon2`'s own hasher writes it.
fn argon2_phc(salt: &[u8], output: &[u8]) -> anyhow::Result<String> {
    let phc = |e: argon2::password_hash::phc::Error| anyhow::anyhow!("argon2 PHC string: {e}");
    let hash = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&argon2_params())
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(Salt::new(salt).map_err(phc)?),
        hash: Some(Output::new(output).map_err(phc)?),
    };
    Ok(hash.to_string())
}

fn argon2_verify(password: &str, hash: &str, scratch: &mut Scratch) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str());
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let params = Params::try_from(&parsed);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, params) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    argon2_into(&argon2, nfkc(password).as_bytes(), salt, &mut out, scratch).is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use argon2::PasswordHasher as _;

    use super::*;

    #[test]
    fn a_scrypt_hash_has_better_auths_shape_and_verifies() {
        let scratch = &mut Scratch::default();
        let hash = hash(PasswordHasherKind::Scrypt, "correct horse", scratch).unwrap();
        let (salt, key) = hash.split_once(':').unwrap();
        assert_eq!((salt.len(), key.len()), (32, 128));
        assert!(verify("correct horse", &hash, scratch));
        assert!(!verify("wrong horse", &hash, scratch));
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
        let scratch = &mut Scratch::default();
        let hash = hash(PasswordHasherKind::Argon2id, "pässwörd!", scratch).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("pässwörd!", &hash, scratch));
        assert!(!verify("password", &hash, scratch));
        assert!(!verify("password", "garbage", scratch));
        assert!(!verify(
            "password",
            "$argon2id$v=19$m=19456,t=2,p=1$garbage",
            scratch
        ));
        assert!(!verify("password", "zz:zz", scratch));
    }

    #[test]
    fn argon2id_in_reused_memory_is_byte_for_byte_the_crates_own_hash() {
        let scratch = &mut Scratch::default();
        let salt = [7u8; 16];
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params())
            .hash_password_with_salt(b"same password", &salt)
            .unwrap()
            .to_string();
        // Twice: the second run starts from the first one's leftover blocks.
        assert_eq!(
            argon2_hash("same password", &salt, scratch).unwrap(),
            reference
        );
        assert_eq!(
            argon2_hash("same password", &salt, scratch).unwrap(),
            reference
        );
    }

    #[test]
    fn argon2_hashes_of_other_costs_still_verify() {
        let cheap = Params::new(1024, 1, 1, Some(16)).unwrap();
        let dearer = Params::new(ARGON2_M_COST * 2, 1, 1, None).unwrap();
        let scratch = &mut Scratch::default();
        for params in [cheap, dearer] {
            let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_with_salt(b"other cost", &[1u8; 16])
                .unwrap()
                .to_string();
            assert!(verify("other cost", &hash, scratch));
            assert!(!verify("other costs", &hash, scratch));
        }
        assert!(scratch.argon2_blocks.len() <= argon2_params().block_count());
    }

    #[test]
    fn dummy_hashes_are_well_formed_and_match_nothing() {
        let scratch = &mut Scratch::default();
        let argon2 = dummy(PasswordHasherKind::Argon2id).unwrap();
        assert!(argon2.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(PasswordHash::new(&argon2).is_ok());
        assert!(!verify("", &argon2, scratch));
        let scrypt = dummy(PasswordHasherKind::Scrypt).unwrap();
        let (salt, key) = scrypt.split_once(':').unwrap();
        assert_eq!((salt.len(), key.len()), (32, 128));
        assert!(!verify("", &scrypt, scratch));
    }
}
