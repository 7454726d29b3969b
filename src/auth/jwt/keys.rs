//! The JWT plugin's key set in the `jwks` table, stored exactly as Better Auth stores it
//! (`better-auth/src/plugins/jwt/utils.ts` `createJwk`, `adapter.ts`, `sign.ts` `resolveSigningKey`),
//! so keys minted by a Node Better Auth on the same database are used here and vice versa.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::key_encryption;
use crate::auth::crypto::generate_id;
use crate::auth::session_store::DbAccess;
use crate::config::Config;
use crate::db::models::{Jwk, NewJwk};
use crate::db::schema::jwks;
use crate::wire::{after, now};

/// The algorithm of the keys this server mints and signs with.
pub const EDDSA: &str = "EdDSA";
/// Their curve.
pub const ED25519: &str = "Ed25519";
/// Serializes key minting across requests and instances (`pg_advisory_xact_lock`).
const MINT_LOCK: i64 = 0x6a77_6b73; // "jwks"

/// An Ed25519 public JWK in jose's `exportJWK` key order.
#[derive(Debug, Serialize, Deserialize)]
pub struct PublicJwk {
    pub crv: String,
    pub x: String,
    pub kty: String,
}

/// The private JWK in jose's `exportJWK` key order.
#[derive(Serialize, Deserialize)]
struct PrivateJwk {
    crv: String,
    d: String,
    x: String,
    kty: String,
}

/// A decrypted Ed25519 key, ready to sign; `kid` is its `jwks.id`.
///
/// Signs with aws-lc: every get-session signs a JWT, and its Ed25519 takes about half of
/// ed25519-dalek's time on this hardware. Ed25519 is deterministic, so the signatures are the
/// same bytes either way (see the test below).
pub struct SigningKey {
    pub kid: String,
    key: aws_lc_rs::signature::Ed25519KeyPair,
}

impl SigningKey {
    /// The key with this 32-byte seed, if `public` is its public half.
    fn from_seed(kid: String, seed: &[u8; 32], public: &[u8]) -> anyhow::Result<Self> {
        let key = aws_lc_rs::signature::Ed25519KeyPair::from_seed_and_public_key(seed, public)
            .map_err(|e| {
                anyhow::anyhow!("jwks row {kid}: private and public halves differ ({e})")
            })?;
        Ok(Self { kid, key })
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.key.sign(message).as_ref());
        out
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A fresh Ed25519 pair as (public JWK JSON, private JWK JSON).
fn generate_pair() -> (String, String) {
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
    let public = PublicJwk {
        crv: ED25519.into(),
        x: x.clone(),
        kty: "OKP".into(),
    };
    let private = PrivateJwk {
        crv: ED25519.into(),
        d: URL_SAFE_NO_PAD.encode(seed),
        x,
        kty: "OKP".into(),
    };
    (to_json(&public), to_json(&private))
}

#[expect(clippy::expect_used, reason = "a JWK of strings always serializes")]
fn to_json(jwk: &impl Serialize) -> String {
    serde_json::to_string(jwk).expect("a JWK of strings always serializes")
}

/// The newest live Ed25519 signing key: `alg` EdDSA (or unset: Better Auth's legacy rows inherit
/// the default alg, `adapter.ts` `getLatestKeyByAlg`), not expired.
pub async fn latest_live(conn: &mut DbConn) -> QueryResult<Option<Jwk>> {
    let at = At(now());
    crate::db_run!(conn, c => {
        jwks::table
            .filter(jwks::alg.is_null().or(jwks::alg.eq(EDDSA)))
            .filter(jwks::crv.is_null().or(jwks::crv.eq(ED25519)))
            .filter(jwks::expires_at.is_null().or(jwks::expires_at.gt(at)))
            .order((jwks::created_at.desc(), jwks::id.desc()))
            .select(Jwk::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Mints a key unless another request or instance just did: under a lock, the newest live key is
/// looked up again first. On PostgreSQL a transaction-scoped advisory lock; on SQLite the write
/// transaction itself holds the file's one write lock, against every writer, Node included.
pub async fn mint(conn: &mut DbConn, config: &Config) -> QueryResult<Jwk> {
    conn.transaction(async |conn| {
        if let DbConn::Pg(pg) = conn {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({MINT_LOCK})"))
                .execute(&mut **pg)
                .await?;
        }
        if let Some(key) = latest_live(conn).await? {
            return Ok(key);
        }
        insert_new(conn, config).await
    })
    .await
}

/// Inserts a fresh key unconditionally (rotation tests and [`mint`]).
pub async fn insert_new(conn: &mut DbConn, config: &Config) -> QueryResult<Jwk> {
    crate::db_write!(conn, c => {
        let (public, private) = generate_pair();
        // `createJwk`: the encrypted private JWK is stored JSON-quoted.
        let private = Value::String(key_encryption::encrypt(config, &private)).to_string();
        let created_at = now();
        let id = generate_id(32);
        let row = NewJwk {
            id: &id,
            public_key: &public,
            private_key: &private,
            created_at: At(created_at),
            expires_at: config.jwt.rotation_interval.map(|d| At(after(created_at, d))),
            alg: Some(EDDSA),
            crv: Some(ED25519),
        };
        crate::auth::audit::Audit::event("jwk_minted")
            .key(&id)
            .log();
        diesel::insert_into(jwks::table)
            .values(row)
            .returning(Jwk::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
    })
}

/// Better Auth's `resolveSigningKey` for EdDSA: the newest live key, minted when there is none.
pub async fn signing_key(conn: &mut DbConn, config: &Config) -> anyhow::Result<SigningKey> {
    let row = match latest_live(conn).await? {
        Some(row) => row,
        None => mint(conn, config).await?,
    };
    decode_private(config, &row)
}

/// The decrypted signing key, reused for `JWKS_CACHE_TTL` so a token costs no query and no
/// decryption. A cached key is never used past its own `expiresAt`; a key minted elsewhere (another
/// instance, a Node Better Auth) is picked up when the entry ages out.
#[derive(Default)]
pub struct KeyCache {
    entry: std::sync::Mutex<Option<CachedKey>>,
}

struct CachedKey {
    key: std::sync::Arc<SigningKey>,
    fetched: std::time::Instant,
    expires_at: Option<DateTime<Utc>>,
}

impl KeyCache {
    /// The signing key, from the cache while it is fresh, else from the `jwks` table.
    pub async fn get(
        &self,
        conn: &mut impl DbAccess,
        config: &Config,
    ) -> anyhow::Result<std::sync::Arc<SigningKey>> {
        let ttl = config.jwt.key_cache_ttl;
        if let Some(key) = self.fresh(ttl) {
            return Ok(key);
        }
        let conn = conn.db().await?;
        let row = match latest_live(conn).await? {
            Some(row) => row,
            None => mint(conn, config).await?,
        };
        let key = std::sync::Arc::new(decode_private(config, &row)?);
        if !ttl.is_zero() {
            let entry = CachedKey {
                key: key.clone(),
                fetched: std::time::Instant::now(),
                expires_at: row.expires_at,
            };
            *self
                .entry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(entry);
        }
        Ok(key)
    }

    fn fresh(&self, ttl: std::time::Duration) -> Option<std::sync::Arc<SigningKey>> {
        let guard = self
            .entry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = guard.as_ref()?;
        let live = entry.expires_at.is_none_or(|at| at > Utc::now());
        (live && entry.fetched.elapsed() < ttl).then(|| entry.key.clone())
    }
}

/// Decrypts and imports a row's private key; checks it matches the public key.
pub fn decode_private(config: &Config, row: &Jwk) -> anyhow::Result<SigningKey> {
    use anyhow::Context as _;
    // Encrypted keys are a JSON string literal; `disablePrivateKeyEncryption` stores the JWK itself.
    let json = match serde_json::from_str::<Value>(&row.private_key).context("privateKey is not JSON")? {
        Value::String(sealed) => key_encryption::decrypt(config, &sealed).with_context(|| {
            format!("failed to decrypt the private key of jwks row {}: is the secret the one that encrypted it?", row.id)
        })?,
        Value::Object(_) => row.private_key.clone(),
        _ => anyhow::bail!("privateKey of jwks row {} is neither a string nor a JWK", row.id),
    };
    let jwk: PrivateJwk = serde_json::from_str(&json).context("private JWK")?;
    anyhow::ensure!(
        jwk.kty == "OKP" && jwk.crv == ED25519,
        "jwks row {} is not an Ed25519 key",
        row.id
    );
    let seed: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&jwk.d)
        .ok()
        .and_then(|d| d.try_into().ok())
        .context("private JWK `d` is not 32 bytes of base64url")?;
    let public = URL_SAFE_NO_PAD
        .decode(&jwk.x)
        .context("private JWK `x` is not base64url")?;
    SigningKey::from_seed(row.id.clone(), &seed, &public)
}

/// Whether a key is still published: unexpired, or expired less than the grace period ago.
pub fn published(row: &Jwk, config: &Config, at: DateTime<Utc>) -> bool {
    row.expires_at
        .is_none_or(|exp| after(exp, config.jwt.grace_period) > at)
}

/// One `/jwks` entry: `{alg, crv, ...publicKey, kid}` with JavaScript's spread key order.
fn public_entry(row: &Jwk) -> Option<Value> {
    let Ok(Value::Object(public)) = serde_json::from_str::<Value>(&row.public_key) else {
        tracing::warn!(kid = %row.id, "jwks row with an unreadable publicKey skipped");
        return None;
    };
    let mut out = Map::new();
    out.insert(
        "alg".into(),
        Value::String(row.alg.clone().unwrap_or_else(|| EDDSA.into())),
    );
    out.insert(
        "crv".into(),
        row.crv.clone().map_or(Value::Null, Value::String),
    );
    out.extend(public);
    if out.get("crv").is_some_and(Value::is_null) {
        out.shift_remove("crv");
    }
    out.insert("kid".into(), Value::String(row.id.clone()));
    Some(Value::Object(out))
}

/// Every key row, oldest first.
async fn all_keys(conn: &mut DbConn) -> QueryResult<Vec<Jwk>> {
    crate::db_run!(conn, c => {
        jwks::table
            .order((jwks::created_at.asc(), jwks::id.asc()))
            .select(Jwk::as_select())
            .load(c)
            .await
    })
}

/// The published public keys (every algorithm, so Node-minted keys verify too), oldest first.
/// With `mint_if_empty`, an empty table first gets a key, as Better Auth's `/jwks` does.
pub async fn public_keys(
    conn: &mut DbConn,
    config: &Config,
    mint_if_empty: bool,
) -> QueryResult<Vec<Value>> {
    let mut rows = all_keys(conn).await?;
    if rows.is_empty() && mint_if_empty {
        mint(conn, config).await?;
        rows = all_keys(conn).await?;
    }
    let at = now();
    Ok(rows
        .iter()
        .filter(|r| published(r, config, at))
        .filter_map(public_entry)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032, section 7.1, TEST 2 (one-byte message).
    const SEED: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    const PUBLIC: &str = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    const SIGNATURE: &str = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
                             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    fn bytes(hex: &str) -> Vec<u8> {
        super::super::key_encryption::from_hex(hex).unwrap_or_default()
    }

    fn key() -> SigningKey {
        let seed: [u8; 32] = bytes(SEED).try_into().unwrap_or_default();
        SigningKey::from_seed("kid".into(), &seed, &bytes(PUBLIC)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn signs_the_rfc_8032_vector() {
        assert_eq!(key().sign(&[0x72]).to_vec(), bytes(SIGNATURE));
    }

    #[test]
    fn signs_the_same_bytes_as_ed25519_dalek() {
        use ed25519_dalek::Signer as _;
        let seed: [u8; 32] = bytes(SEED).try_into().unwrap_or_default();
        let dalek = ed25519_dalek::SigningKey::from_bytes(&seed);
        for message in [
            &b""[..],
            b"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0",
            &[7u8; 1000],
        ] {
            assert_eq!(key().sign(message), dalek.sign(message).to_bytes());
        }
    }

    #[test]
    fn refuses_a_public_half_of_another_key() {
        let seed: [u8; 32] = bytes(SEED).try_into().unwrap_or_default();
        let other = [9u8; 32];
        let other_public = ed25519_dalek::SigningKey::from_bytes(&other).verifying_key();
        let refused = SigningKey::from_seed("kid".into(), &seed, other_public.as_bytes());
        assert!(refused.is_err());
    }
}
