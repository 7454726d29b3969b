//! Better Auth's body and query schemas, checked as zod checks them and reported in its words
//! (`[body.email] Invalid email address`), every issue at once, in field order.

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode};

/// The type a body field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    /// A string of at least one character.
    NonEmpty,
    Email,
    Boolean,
}

/// One field of a body schema.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// A required field.
pub const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// An optional field.
pub const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

/// zod's name for a JSON value's type in "received X".
fn received(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// Validates `body` against `fields` in order; every issue is reported, joined with `"; "`.
/// `record` marks Better Auth's `object & record` schemas (sign-up), which report twice on a non-object.
pub fn validate<'a>(
    body: Option<&'a Value>,
    fields: &[Field],
    record: bool,
) -> Result<&'a Map<String, Value>, ApiError> {
    let obj = match body {
        Some(Value::Object(obj)) => obj,
        other => {
            let got = received(other);
            let mut message = format!("[body] Invalid input: expected object, received {got}");
            if record {
                message.push_str(&format!(
                    "; [body] Invalid input: expected record, received {got}"
                ));
            }
            return Err(validation(message));
        }
    };
    check_fields("body", obj, fields)?;
    check_storable("body", obj)?;
    Ok(obj)
}

/// Validates a `z.record(z.string(), z.any())` body (update-user, update-session).
pub fn validate_record(body: Option<&Value>) -> Result<&Map<String, Value>, ApiError> {
    match body {
        Some(Value::Object(obj)) => check_storable("body", obj).map(|()| obj),
        other => Err(validation(format!(
            "[body] Invalid input: expected record, received {}",
            received(other)
        ))),
    }
}

/// The query string as better-call reads it: an object whose repeated keys become arrays.
pub fn query_object(query_string: &str) -> Map<String, Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string).unwrap_or_default();
    let mut query = Map::new();
    for (key, value) in pairs {
        match query.get_mut(&key) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value)]);
            }
            None => {
                query.insert(key, Value::String(value));
            }
        }
    }
    query
}

/// The query of an e-mailed link (`?token=...&callbackURL=...`): parsed, validated, and its
/// `callbackURL` checked as the route's `originCheck` does (`verify-email`, `delete-user/callback`).
pub fn link_query(
    query_string: &str,
    origins: &crate::auth::origin::TrustedOrigins,
) -> Result<LinkQuery, ApiError> {
    let query = query_object(query_string);
    validate_query(
        &query,
        &[req("token", Kind::String), opt("callbackURL", Kind::String)],
    )?;
    origins.check_url(
        query.get("callbackURL"),
        crate::auth::origin::UrlLabel::CallbackUrl,
    )?;
    let text = |key: &str| query.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(LinkQuery {
        token: text("token").unwrap_or_default(),
        callback_url: text("callbackURL"),
    })
}

/// A validated link query.
#[derive(Debug)]
pub struct LinkQuery {
    pub token: String,
    /// `callbackURL`, trusted.
    pub callback_url: Option<String>,
}

/// Validates a query object against `fields` (`[query.token] ...` messages).
pub fn validate_query(query: &Map<String, Value>, fields: &[Field]) -> Result<(), ApiError> {
    check_fields("query", query, fields)?;
    check_storable("query", query)
}

/// Every string of a body or query, at any depth, must be text the database can store and within
/// its member's limit (`crate::text`). Checked here, with the validation, so no field can forget it.
fn check_storable(location: &str, obj: &Map<String, Value>) -> Result<(), ApiError> {
    let mut issues = Vec::new();
    for (name, value) in obj {
        storable_issues(&format!("{location}.{name}"), name, value, &mut issues);
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(validation(issues.join("; ")))
    }
}

/// Collects the issues of `value`, found at `path` under the top-level member `member`.
fn storable_issues(path: &str, member: &str, value: &Value, issues: &mut Vec<String>) {
    if !crate::text::storable(path) {
        let shown = path.replace('\0', "\\u0000");
        issues.push(format!("[{shown}] {}", crate::text::NUL_MESSAGE));
        return;
    }
    match value {
        Value::String(s) => {
            if let Some(issue) = crate::text::auth_field_issue(member, s) {
                issues.push(format!("[{path}] {issue}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                storable_issues(&format!("{path}.{i}"), member, item, issues);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                storable_issues(&format!("{path}.{name}"), member, item, issues);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn check_fields(
    location: &str,
    obj: &Map<String, Value>,
    fields: &[Field],
) -> Result<(), ApiError> {
    let mut issues = Vec::new();
    for field in fields {
        let value = obj.get(field.name);
        let issue = match (value, field.kind) {
            (None, _) if !field.required => None,
            (Some(Value::String(s)), Kind::NonEmpty) if s.is_empty() => {
                Some("Too small: expected string to have >=1 characters".to_string())
            }
            (Some(Value::String(s)), Kind::Email) if !crate::auth::users::is_valid_email(s) => {
                Some("Invalid email address".to_string())
            }
            (Some(Value::String(_)), Kind::String | Kind::NonEmpty | Kind::Email) => None,
            (Some(Value::Bool(_)), Kind::Boolean) => None,
            (v, Kind::Boolean) => Some(format!(
                "Invalid input: expected boolean, received {}",
                received(v)
            )),
            (v, _) => Some(format!(
                "Invalid input: expected string, received {}",
                received(v)
            )),
        };
        if let Some(issue) = issue {
            issues.push(format!("[{location}.{}] {issue}", field.name));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(validation(issues.join("; ")))
    }
}

fn validation(message: String) -> ApiError {
    ApiError::BadRequestMessage {
        code: ErrorCode::ValidationError,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SIGN_UP: &[Field] = &[
        req("name", Kind::String),
        req("email", Kind::Email),
        req("password", Kind::NonEmpty),
        opt("image", Kind::String),
        opt("rememberMe", Kind::Boolean),
    ];

    fn message(e: ApiError) -> String {
        match e {
            ApiError::BadRequestMessage { message, .. } => message,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn issues_are_reported_in_zods_format_and_order() {
        let body = json!({"email": "nope", "password": 5, "rememberMe": "false"});
        let e = validate(Some(&body), SIGN_UP, true).unwrap_err();
        assert_eq!(
            message(e),
            "[body.name] Invalid input: expected string, received undefined; [body.email] Invalid email address; [body.password] Invalid input: expected string, received number; [body.rememberMe] Invalid input: expected boolean, received string"
        );
    }

    #[test]
    fn a_missing_body_on_sign_up_reports_object_and_record() {
        assert_eq!(
            message(validate(None, SIGN_UP, true).unwrap_err()),
            "[body] Invalid input: expected object, received undefined; [body] Invalid input: expected record, received undefined"
        );
    }

    #[test]
    fn queries_repeat_keys_as_arrays_and_report_under_query() {
        let q = query_object("token=a&callbackURL=%2Fx&token=b");
        assert_eq!(q["callbackURL"], "/x");
        let e = validate_query(&q, &[req("token", Kind::String)]).unwrap_err();
        assert_eq!(
            message(e),
            "[query.token] Invalid input: expected string, received array"
        );
        let e = validate_query(&query_object(""), &[req("token", Kind::String)]).unwrap_err();
        assert_eq!(
            message(e),
            "[query.token] Invalid input: expected string, received undefined"
        );
    }

    #[test]
    fn a_record_body_must_be_an_object() {
        assert_eq!(
            message(validate_record(Some(&json!([1]))).unwrap_err()),
            "[body] Invalid input: expected record, received array"
        );
        assert!(validate_record(Some(&json!({}))).is_ok());
    }

    #[test]
    fn nul_anywhere_and_overlong_emails_are_refused_with_the_member_named() {
        let body = json!({"name": "a\u{0}b", "email": "a@b.co", "password": "p"});
        assert_eq!(
            message(validate(Some(&body), SIGN_UP, true).unwrap_err()),
            "[body.name] Invalid input: must not contain NUL (U+0000) characters"
        );
        let long = format!("{}@example.com", "x".repeat(2_800));
        let body = json!({"name": "n", "email": long, "password": "p"});
        assert_eq!(
            message(validate(Some(&body), SIGN_UP, true).unwrap_err()),
            "[body.email] Too big: expected string to have <=254 characters"
        );
        let record = json!({"meta": {"tags": ["ok", "no\u{0}"]}});
        assert_eq!(
            message(validate_record(Some(&record)).unwrap_err()),
            "[body.meta.tags.1] Invalid input: must not contain NUL (U+0000) characters"
        );
        let query = query_object("token=a%00b");
        assert_eq!(
            message(validate_query(&query, &[req("token", Kind::String)]).unwrap_err()),
            "[query.token] Invalid input: must not contain NUL (U+0000) characters"
        );
    }

    #[test]
    fn an_empty_password_is_too_small() {
        let body = json!({"name": "", "email": "a@b.co", "password": ""});
        assert_eq!(
            message(validate(Some(&body), SIGN_UP, true).unwrap_err()),
            "[body.password] Too small: expected string to have >=1 characters"
        );
    }
}
