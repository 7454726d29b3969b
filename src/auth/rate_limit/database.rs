//! Counters in the `rateLimit` table, shared by every instance on the database. One statement
//! decides and counts atomically (the conflicting row is locked), so concurrent requests on any
//! number of instances never exceed the limit. Time is the database's clock, common to all: on
//! SQLite that is the one host's clock, which a Node Better Auth on the same file reads too.

use std::time::Duration;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{OptionalExtension as _, QueryResult, QueryableByName};
use diesel_async::RunQueryDsl as _;

use super::Decision;
use super::memory::retry_after;
use crate::auth::crypto::generate_id;
use crate::config::Limit;
use crate::db::DbConn;

/// The database clock in epoch milliseconds.
fn now_ms(conn: &DbConn) -> &'static str {
    if conn.is_sqlite() {
        "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
    } else {
        "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    }
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    #[expect(dead_code, reason = "only the row's presence matters")]
    count: i32,
}

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = BigInt)]
    last: i64,
    #[diesel(sql_type = BigInt)]
    now: i64,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Counts one request: a new key opens a window; a window older than `window` restarts at 1;
/// otherwise the count grows only while below `max`. No row back means the request is over.
pub async fn consume(conn: &mut DbConn, key: &str, limit: Limit) -> QueryResult<Decision> {
    let now = now_ms(conn);
    crate::db_write!(conn, c => {
        let window = ms(limit.window);
        let counted: Option<Counted> = diesel::sql_query(format!(
            // One text for both backends: SQLite refuses `INSERT … SELECT … ON CONFLICT` without a
            // WHERE, and a table alias in RETURNING.
            r#"INSERT INTO "rateLimit" AS r (id, key, count, "lastRequest")
               VALUES ($1, $2, 1, {now})
               ON CONFLICT (key) DO UPDATE SET
                 count = CASE WHEN excluded."lastRequest" - r."lastRequest" >= $3 THEN 1 ELSE r.count + 1 END,
                 "lastRequest" = excluded."lastRequest"
               WHERE excluded."lastRequest" - r."lastRequest" >= $3 OR r.count < $4
               RETURNING count"#
        ))
        .bind::<Text, _>(generate_id(32))
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(window)
        .bind::<Integer, _>(i32::try_from(limit.max).unwrap_or(i32::MAX))
        .get_results(c)
        .await
        .and_then(crate::db::single)
        .optional()?;
        if counted.is_some() {
            return Ok(Decision::Allowed);
        }
        let last: Option<Last> = diesel::sql_query(format!(
            r#"SELECT "lastRequest" AS last, {now} AS now FROM "rateLimit" WHERE key = $1"#
        ))
        .bind::<Text, _>(key)
        .get_result(c)
        .await
        .optional()?;
        let retry_after_secs = last.map_or(limit.window.as_secs(), |l| {
            retry_after(l.last, window, l.now)
        });
        Ok(Decision::Limited { retry_after_secs })
    })
}

/// Deletes rows whose window has certainly passed.
pub async fn sweep(conn: &mut DbConn, longest_window: Duration) -> QueryResult<usize> {
    let now = now_ms(conn);
    crate::db_write!(conn, c => {
        diesel::sql_query(format!(
            r#"DELETE FROM "rateLimit" WHERE "lastRequest" < {now} - $1"#
        ))
        .bind::<BigInt, _>(ms(longest_window))
        .execute(c)
        .await
    })
}
