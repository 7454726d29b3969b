//! Listing parameters: filters, search, sort and page, parsed from a query string.

use serde::Serialize;
use utoipa::ToSchema;

use super::Priority;
use crate::error::{ApiError, ErrorCode};

/// Which tasks by completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    All,
    Pending,
    Completed,
}

/// The sort key; `id` always breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
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

fn one_of<T: Copy>(name: &str, value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(s, _)| *s == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(s, _)| *s).collect();
            format!("{name} must be one of {}", names.join(", "))
        })
}

fn integer(name: &str, value: &str, min: i64, max: i64) -> Result<i64, String> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{name} must be an integer from {min} to {max}"))
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
        use SortKey as S;
        if !crate::text::storable(value) {
            return Err(format!("{key} must not contain NUL (U+0000) characters"));
        }
        match key {
            "status" => {
                let choices = [
                    ("all", Status::All),
                    ("pending", Status::Pending),
                    ("completed", Status::Completed),
                ];
                self.status = one_of(key, value, &choices)?;
            }
            "priority" => {
                let choices = Priority::ALL.map(|p| (p.as_str(), p));
                self.priority = Some(one_of(key, value, &choices)?);
            }
            "tag" => self.tag = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "q" => self.q = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "sort" => {
                let choices = [
                    ("created_at", S::CreatedAt),
                    ("updated_at", S::UpdatedAt),
                    ("title", S::Title),
                    ("priority", S::Priority),
                    ("due_date", S::DueDate),
                ];
                self.sort = one_of(key, value, &choices)?;
            }
            "order" => {
                self.order = one_of(key, value, &[("asc", Order::Asc), ("desc", Order::Desc)])?
            }
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
    fn like_metacharacters_match_themselves() {
        assert_eq!(contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }
}
