//! Where single-use verification values live. Without a secondary storage: the `verification` table
//! (`auth::verification`). With one, as Better Auth 1.7.25 without `verification.storeInDatabase`:
//! `verification:<identifier>` in Redis only, the value as JSON with a TTL to its expiry, consumed
//! with `GETDEL` (`db/internal-adapter.ts`), so a link one server mailed works on any other.

use std::time::Duration;

use crate::db::DbConn;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::session_store::StoreError;
use super::session_store::stored::ttl_secs;
use super::verification::{self, Sweeper};
use crate::db::models::Verification;
use crate::secondary_storage::SecondaryStorage;
use crate::wire::{after, now, ser_iso, truncate_ms};

/// The verification storage of this server, borrowed for one request.
#[derive(Clone, Copy)]
pub struct VerificationStore<'a> {
    pub kv: Option<&'a SecondaryStorage>,
}

/// The value under `verification:<identifier>`, in the order Better Auth writes it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(serialize_with = "ser_iso")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    updated_at: DateTime<Utc>,
    value: String,
    identifier: String,
    #[serde(serialize_with = "ser_iso")]
    expires_at: DateTime<Utc>,
}

impl From<Stored> for Verification {
    fn from(s: Stored) -> Self {
        Self {
            id: s.id.unwrap_or_default(),
            identifier: s.identifier,
            value: s.value,
            expires_at: truncate_ms(s.expires_at),
            created_at: truncate_ms(s.created_at),
            updated_at: truncate_ms(s.updated_at),
        }
    }
}

fn key(identifier: &str) -> String {
    format!("verification:{identifier}")
}

type Result<T> = std::result::Result<T, StoreError>;

impl VerificationStore<'_> {
    /// `createVerificationValue`: `identifier → value`, valid for `lifetime`.
    pub async fn create(
        self,
        conn: &mut DbConn,
        identifier: &str,
        value: &str,
        lifetime: Duration,
    ) -> Result<()> {
        let Some(kv) = self.kv else {
            verification::create(conn, identifier, value, lifetime).await?;
            return Ok(());
        };
        let now = now();
        let stored = Stored {
            id: None,
            created_at: now,
            updated_at: now,
            value: value.to_owned(),
            identifier: identifier.to_owned(),
            expires_at: after(now, lifetime),
        };
        let ttl = ttl_secs(stored.expires_at.timestamp_millis(), now.timestamp_millis());
        if ttl > 0 {
            let json = serde_json::to_string(&stored).unwrap_or_default();
            kv.set(&key(identifier), &json, ttl).await?;
        }
        Ok(())
    }

    /// `findVerificationValue`: the value, expired or not.
    pub async fn find(
        self,
        conn: &mut DbConn,
        sweeper: &Sweeper,
        identifier: &str,
    ) -> Result<Option<Verification>> {
        let Some(kv) = self.kv else {
            return Ok(verification::find(conn, sweeper, identifier).await?);
        };
        let raw = kv.get(&key(identifier)).await?;
        Ok(parse(raw.as_deref()))
    }

    /// `consumeVerificationValue`: takes the value once; an expired one is taken but `None`.
    pub async fn consume(
        self,
        conn: &mut DbConn,
        identifier: &str,
    ) -> Result<Option<Verification>> {
        let Some(kv) = self.kv else {
            return Ok(verification::consume(conn, identifier).await?);
        };
        let raw = kv.get_and_delete(&key(identifier)).await?;
        Ok(parse(raw.as_deref()).filter(|v| v.expires_at >= Utc::now()))
    }
}

fn parse(raw: Option<&str>) -> Option<Verification> {
    let stored: Stored = serde_json::from_str(raw?).ok()?;
    Some(stored.into())
}
