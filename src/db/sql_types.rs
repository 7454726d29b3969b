//! The two column types whose storage differs by backend, so that one schema and one query serve
//! both.
//!
//! - [`Instant`]: `timestamptz` on PostgreSQL; on SQLite, Better Auth's text,
//!   `Date.prototype.toISOString()` (`2026-11-30T18:26:22.631Z`). Node compares these strings in
//!   SQL (`expiresAt > ?` in list-sessions), so every row must have exactly that fixed-width form:
//!   Diesel's own SQLite format (`2026-11-30 18:26:22.631+00:00`) would sort a live session before
//!   an expired one.
//! - [`TagList`]: `text[]` on PostgreSQL, a JSON array of strings on SQLite.
//!
//! Read models keep `DateTime<Utc>` and `Vec<Option<String>>`. Written values and filter operands
//! go through the newtypes [`At`] and [`Tags`]: Diesel's blanket `AsExpression` impl leaves no room
//! for `DateTime<Utc>: AsExpression<Instant>`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone as _, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, Nullable, SqlType, Text, Timestamptz};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A point in time: `timestamptz` on PostgreSQL, ISO-8601 text with milliseconds on SQLite.
#[derive(SqlType, diesel::query_builder::QueryId, Clone, Copy, Debug, Default)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Instant;

/// A list of tags: `text[]` on PostgreSQL, a JSON array on SQLite.
#[derive(SqlType, diesel::query_builder::QueryId, Clone, Copy, Debug, Default)]
#[diesel(postgres_type(oid = 1009, array_oid = 1009))]
#[diesel(sqlite_type(name = "Text"))]
pub struct TagList;

/// A written instant (an insert value, a `SET`, a filter operand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Instant)]
pub struct At(pub DateTime<Utc>);

impl From<DateTime<Utc>> for At {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

/// Written tags.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = TagList)]
pub struct Tags(pub Vec<Option<String>>);

/// The latest instant both backends store alike: JavaScript writes a year past 9999 as
/// `+010000-…`, which would break SQLite's text ordering.
fn clamped(t: DateTime<Utc>) -> DateTime<Utc> {
    let max = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .map(|t| t + chrono::TimeDelta::milliseconds(999));
    match max {
        Some(max) if t > max => max,
        _ => t,
    }
}

/// `Date.prototype.toISOString()`: milliseconds (truncated), `Z`.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    clamped(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads Better Auth's text and the other forms SQLite files hold: `T` or space, any fraction,
/// `Z` or an offset, or none (UTC).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let spaced = text.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&spaced) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(&spaced, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    NaiveDateTime::parse_from_str(&spaced, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

impl FromSql<Instant, Pg> for DateTime<Utc> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<Timestamptz, Pg>>::from_sql(bytes)
    }
}

impl ToSql<Instant, Pg> for At {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Instant, Sqlite> for DateTime<Utc> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        parse_instant(&text).ok_or_else(|| format!("not a date: {text:?}").into())
    }
}

impl ToSql<Instant, Sqlite> for At {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(iso_millis(self.0));
        Ok(IsNull::No)
    }
}

impl FromSql<TagList, Pg> for Vec<Option<String>> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<Array<Nullable<Text>>, Pg>>::from_sql(bytes)
    }
}

impl ToSql<TagList, Pg> for Tags {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Vec<Option<String>> as ToSql<Array<Nullable<Text>>, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<TagList, Sqlite> for Vec<Option<String>> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(serde_json::from_str(&text)?)
    }
}

impl ToSql<TagList, Sqlite> for Tags {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn writes_exactly_what_to_iso_string_writes() {
        let t = at("2026-11-30T18:26:22.631Z");
        assert_eq!(iso_millis(t), "2026-11-30T18:26:22.631Z");
        // Truncated to milliseconds, never rounded; whole seconds keep `.000`.
        let t = at("2026-11-30T18:26:22.631999Z");
        assert_eq!(iso_millis(t), "2026-11-30T18:26:22.631Z");
        assert_eq!(
            iso_millis(at("2026-01-02T03:04:05Z")),
            "2026-01-02T03:04:05.000Z"
        );
    }

    #[test]
    fn reads_node_diesel_and_bare_forms() {
        let expected = at("2026-11-30T18:26:22.631Z");
        for text in [
            "2026-11-30T18:26:22.631Z",
            "2026-11-30 18:26:22.631+00:00",
            "2026-11-30T19:26:22.631+01:00",
            "2026-11-30 18:26:22.631",
        ] {
            assert_eq!(at(text), expected, "{text}");
        }
        assert_eq!(
            iso_millis(at("2026-11-30 18:26:22")),
            "2026-11-30T18:26:22.000Z"
        );
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn far_future_instants_keep_four_digit_years() {
        let far = DateTime::<Utc>::MAX_UTC;
        assert_eq!(iso_millis(far), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn text_order_is_time_order() {
        let a = iso_millis(at("2026-11-30T09:59:59.999Z"));
        let b = iso_millis(at("2026-11-30T10:00:00.000Z"));
        assert!(a < b);
    }
}
