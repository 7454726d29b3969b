//! Counters in the `rateLimit` table, shared by every instance on the database. One statement
//! decides and counts atomically (the conflicting row is locked), so concurrent requests on any
//! number of instances never exceed the limit. Time is the database's clock, common to all.

use std::time::Duration;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{OptionalExtension as _, QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};

use super::Decision;
use super::memory::retry_after;
use crate::auth::crypto::generate_id;
use crate::config::Limit;

const NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

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
pub async fn consume(
    conn: &mut AsyncPgConnection,
    key: &str,
    limit: Limit,
) -> QueryResult<Decision> {
    let window = ms(limit.window);
    let counted: Option<Counted> = diesel::sql_query(format!(
        r#"INSERT INTO "rateLimit" AS r (id, key, count, "lastRequest")
           SELECT $1, $2, 1, {NOW_MS}
           ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN EXCLUDED."lastRequest" - r."lastRequest" >= $3 THEN 1 ELSE r.count + 1 END,
             "lastRequest" = EXCLUDED."lastRequest"
           WHERE EXCLUDED."lastRequest" - r."lastRequest" >= $3 OR r.count < $4
           RETURNING r.count"#
    ))
    .bind::<Text, _>(generate_id(32))
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(window)
    .bind::<Integer, _>(i32::try_from(limit.max).unwrap_or(i32::MAX))
    .get_result(conn)
    .await
    .optional()?;
    if counted.is_some() {
        return Ok(Decision::Allowed);
    }
    let last: Option<Last> = diesel::sql_query(format!(
        r#"SELECT "lastRequest" AS last, {NOW_MS} AS now FROM "rateLimit" WHERE key = $1"#
    ))
    .bind::<Text, _>(key)
    .get_result(conn)
    .await
    .optional()?;
    let retry_after_secs = last.map_or(limit.window.as_secs(), |l| {
        retry_after(l.last, window, l.now)
    });
    Ok(Decision::Limited { retry_after_secs })
}

/// Deletes rows whose window has certainly passed.
pub async fn sweep(conn: &mut AsyncPgConnection, longest_window: Duration) -> QueryResult<usize> {
    diesel::sql_query(format!(
        r#"DELETE FROM "rateLimit" WHERE "lastRequest" < {NOW_MS} - $1"#
    ))
    .bind::<BigInt, _>(ms(longest_window))
    .execute(conn)
    .await
}
