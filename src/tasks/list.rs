//! Listing parameters: filters, search, sort and page, parsed from a query string.

use serde::de::{DeserializeOwned, IntoDeserializer, value};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::Priority;
use crate::error::{ApiError, ErrorCode};

/// Which tasks by completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    All,
    Pending,
    Completed,
}

/// The sort key; `id` always breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    CreatedAt,
    UpdatedAt,
    Title,
    /// `high > medium > low`.
    Priority,
    /// Tasks without a due date come last in either order.
    DueDate,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// Validated listing parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub status: Status,
    pub priority: Option<Priority>,
    pub tag: Option<String>,
    /// Case-insensitive substring of title or description, matched literally.
    pub q: Option<String>,
    pub sort: SortKey,
    pub order: Order,
    pub limit: i64,
    pub offset: i64,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            status: Status::All,
            priority: None,
            tag: None,
            q: None,
            sort: SortKey::CreatedAt,
            order: Order::Desc,
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::BadRequestMessage {
        code: ErrorCode::InvalidQuery,
        message,
    }
}

/// The variant of `T` that `value` spells, as serde spells it (`rename_all`); otherwise a message
/// listing the spellings as the documentation does.
fn one_of<T: DeserializeOwned + PartialSchema>(name: &str, value: &str) -> Result<T, String> {
    T::deserialize(IntoDeserializer::<value::Error>::into_deserializer(value))
        .map_err(|_| format!("{name} must be one of {}", spellings::<T>().join(", ")))
}

/// The values `T`'s schema lists (`enum`), in declaration order; the schema derives them from the
/// same serde attributes that `one_of` parses with.
fn spellings<T: PartialSchema>() -> Vec<String> {
    let RefOr::T(Schema::Object(schema)) = T::schema() else {
        return Vec::new();
    };
    let values = schema.enum_values.unwrap_or_default().into_iter();
    values
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn integer(name: &str, value: &str, min: i64, max: i64) -> Result<i64, String> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{name} must be an integer from {min} to {max}"))
}

/// A text filter: empty means none; a NUL is refused here, since the database would refuse it.
fn filter_text(name: &str, value: &str) -> Result<Option<String>, String> {
    if !crate::text::storable(value) {
        return Err(format!("{name} must not contain NUL (U+0000) characters"));
    }
    Ok(Some(value.to_owned()).filter(|v| !v.is_empty()))
}

impl ListParams {
    /// Parses a query string. Unknown parameters are ignored; a repeated one takes its last value;
    /// empty `q` and `tag` mean no filter. Every bad value is reported in one 400 `INVALID_QUERY`.
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| invalid("the query string is malformed".into()))?;
        let mut params = Self::default();
        let mut problems = Vec::new();
        for (key, value) in &pairs {
            if let Err(problem) = params.set(key, value) {
                problems.push(problem);
            }
        }
        if problems.is_empty() {
            Ok(params)
        } else {
            Err(invalid(problems.join("; ")))
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "status" => self.status = one_of(key, value)?,
            "priority" => self.priority = Some(one_of(key, value)?),
            "tag" => self.tag = filter_text(key, value)?,
            "q" => self.q = filter_text(key, value)?,
            "sort" => self.sort = one_of(key, value)?,
            "order" => self.order = one_of(key, value)?,
            "limit" => self.limit = integer(key, value, 1, MAX_LIMIT)?,
            "offset" => self.offset = integer(key, value, 0, i64::MAX)?,
            _ => {}
        }
        Ok(())
    }
}

/// An `ILIKE` pattern matching `text` as a literal substring: `\`, `%` and `_` are escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_to_an_empty_query() {
        assert_eq!(ListParams::parse("").unwrap(), ListParams::default());
    }

    #[test]
    fn every_parameter_is_read() {
        let p = ListParams::parse(
            "status=completed&priority=high&tag=work&q=a%25b&sort=due_date&order=asc&limit=5&offset=10&x=1",
        )
        .unwrap();
        assert_eq!(p.status, Status::Completed);
        assert_eq!(p.priority, Some(Priority::High));
        assert_eq!(p.tag.as_deref(), Some("work"));
        assert_eq!(p.q.as_deref(), Some("a%b"));
        assert_eq!(
            (p.sort, p.order, p.limit, p.offset),
            (SortKey::DueDate, Order::Asc, 5, 10)
        );
    }

    #[test]
    fn bad_values_are_all_reported() {
        let e = ListParams::parse("status=done&limit=0&offset=-1").unwrap_err();
        let ApiError::BadRequestMessage { code, message } = e else {
            panic!("unexpected {e:?}")
        };
        assert_eq!(code, ErrorCode::InvalidQuery);
        assert_eq!(
            message,
            "status must be one of all, pending, completed; limit must be an integer from 1 to 500; offset must be an integer from 0 to 9223372036854775807"
        );
    }

    #[test]
    fn a_nul_in_a_filter_is_a_bad_query_not_a_database_error() {
        let Err(ApiError::BadRequestMessage { code, message }) =
            ListParams::parse("q=%00&tag=a%00")
        else {
            panic!("expected INVALID_QUERY");
        };
        assert_eq!(code, ErrorCode::InvalidQuery);
        assert_eq!(
            message,
            "q must not contain NUL (U+0000) characters; tag must not contain NUL (U+0000) characters"
        );
    }

    #[test]
    fn every_documented_spelling_parses_to_the_variant_that_serializes_as_it() {
        fn round_trip<T: DeserializeOwned + PartialSchema + Serialize>() {
            let spellings = spellings::<T>();
            assert!(spellings.len() >= 2);
            for s in spellings {
                let parsed: T = one_of("x", &s).unwrap();
                assert_eq!(serde_json::to_value(parsed).unwrap(), s.as_str());
            }
        }
        round_trip::<Status>();
        round_trip::<Priority>();
        round_trip::<SortKey>();
        round_trip::<Order>();
    }

    #[test]
    fn like_metacharacters_match_themselves() {
        assert_eq!(contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }
}
