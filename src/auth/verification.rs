//! Single-use tokens in the `verification` table (password reset, delete account), as
//! `better-auth/src/db/internal-adapter.ts` keeps them: the newest row per identifier wins,
//! consuming is race-safe, and expired rows are swept at most once a minute.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;

use super::crypto::{generate_id, random_string};
use crate::db::models::{NewVerification, Verification};
use crate::db::schema::verification;
use crate::wire::{after, now};

/// The identifier of a password-reset token (`reset-password:<token>`).
pub fn reset_password_identifier(token: &str) -> String {
    format!("reset-password:{token}")
}

/// The identifier of a delete-account token (`delete-account-<token>`).
pub fn delete_account_identifier(token: &str) -> String {
    format!("delete-account-{token}")
}

/// A password-reset token: `generateId(24)`.
pub fn new_reset_token() -> String {
    generate_id(24)
}

/// A delete-account token: `generateRandomString(32, "0-9", "a-z")`.
pub fn new_delete_token() -> String {
    random_string(32, b"0123456789abcdefghijklmnopqrstuvwxyz")
}

/// When the next sweep of expired rows may run (Better Auth: at most once per 60 s per process).
#[derive(Debug, Default)]
pub struct Sweeper {
    next_ms: AtomicI64,
}

const SWEEP_INTERVAL_MS: i64 = 60_000;

impl Sweeper {
    fn due(&self) -> bool {
        let now = Utc::now().timestamp_millis();
        let next = AtomicI64::load(&self.next_ms, Ordering::Relaxed);
        now >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now + SWEEP_INTERVAL_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

/// Stores `identifier → value`, valid for `lifetime`.
pub async fn create(
    conn: &mut DbConn,
    identifier: &str,
    value: &str,
    lifetime: Duration,
) -> QueryResult<Verification> {
    crate::db_write!(conn, c => {
        let now = now();
        diesel::insert_into(verification::table)
            .values(NewVerification {
                id: &generate_id(32),
                identifier,
                value,
                expires_at: At(after(now, lifetime)),
                created_at: At(now),
                updated_at: At(now),
            })
            .returning(Verification::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
    })
}

/// The newest row for `identifier`, expired or not (`findVerificationValue`); sweeps expired rows
/// when a sweep is due.
pub async fn find(
    conn: &mut DbConn,
    sweeper: &Sweeper,
    identifier: &str,
) -> QueryResult<Option<Verification>> {
    let found = crate::db_run!(conn, c => {
        verification::table
            .filter(verification::identifier.eq(identifier))
            .order((verification::created_at.desc(), verification::id.desc()))
            .select(Verification::as_select())
            .first(c)
            .await
            .optional()
    })?;
    if sweeper.due() {
        crate::db_write!(conn, c => {
            diesel::delete(verification::table.filter(verification::expires_at.lt(At(Utc::now()))))
                .execute(c)
                .await
        })?;
    }
    Ok(found)
}

/// Atomically takes the newest row for `identifier` and drops older ones
/// (`consumeVerificationValue`). Only one concurrent caller gets the row; an expired row is
/// still deleted but reported as `None`.
pub async fn consume(conn: &mut DbConn, identifier: &str) -> QueryResult<Option<Verification>> {
    let identifier = identifier.to_owned();
    let taken = conn
        .transaction(async |conn| {
            crate::db_run!(conn, c => {
                let newest = verification::table
                    .filter(verification::identifier.eq(&identifier))
                    .order((verification::created_at.desc(), verification::id.desc()))
                    .select(verification::id)
                    .first::<String>(c)
                    .await
                    .optional()?;
                let Some(id) = newest else {
                    return Ok(None);
                };
                let taken = diesel::delete(verification::table.find(&id))
                    .returning(Verification::as_returning())
                    .get_result(c)
                    .await
                    .optional()?;
                if let Some(row) = &taken {
                    diesel::delete(
                        verification::table
                            .filter(verification::identifier.eq(&identifier))
                            .filter(verification::created_at.le(At(row.created_at))),
                    )
                    .execute(c)
                    .await?;
                }
                Ok::<_, diesel::result::Error>(taken)
            })
        })
        .await?;
    Ok(taken.filter(|row| row.expires_at >= Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_better_auths_shapes() {
        let reset = new_reset_token();
        assert_eq!(reset.len(), 24);
        assert!(reset.bytes().all(|b| b.is_ascii_alphanumeric()));
        let delete = new_delete_token();
        assert_eq!(delete.len(), 32);
        assert!(
            delete
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        );
        assert_eq!(reset_password_identifier("abc"), "reset-password:abc");
        assert_eq!(delete_account_identifier("abc"), "delete-account-abc");
    }

    #[test]
    fn the_sweeper_runs_at_most_once_a_minute() {
        let sweeper = Sweeper::default();
        assert!(sweeper.due());
        assert!(!sweeper.due());
    }
}
