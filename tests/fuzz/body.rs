//! Target `body`: the auth routes' body parser (`body::parse`, JSON or form) and its zod-exact
//! validation (`validate`, `validate_record`), and the query reader (`query_object`, `validate_query`).

use actix_web::web::Bytes;
use better_auth_actix::auth::users::is_valid_email;
use better_auth_actix::error::{ApiError, ErrorCode};
use better_auth_actix::routes::auth::body::parse;
use better_auth_actix::routes::auth::zod::{
    Field, Kind, opt, query_object, req, validate, validate_query, validate_record,
};
use better_auth_actix::routes::extract::RawBody;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::support;

const SIGN_UP: &[Field] = &[
    req("name", Kind::String),
    req("email", Kind::Email),
    req("password", Kind::NonEmpty),
    opt("image", Kind::String),
    opt("callbackURL", Kind::String),
    opt("rememberMe", Kind::Boolean),
];
const SIGN_IN: &[Field] = &[
    req("email", Kind::String),
    req("password", Kind::String),
    opt("callbackURL", Kind::String),
    opt("rememberMe", Kind::Boolean),
];
const LINK_QUERY: &[Field] = &[req("token", Kind::String), opt("callbackURL", Kind::String)];
const KEYS: &[&str] = &[
    "name",
    "email",
    "password",
    "image",
    "callbackURL",
    "rememberMe",
    "token",
];
const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/json\0",
    "",
    ";",
    "application/vnd.api+json",
    "\u{e9}\"\\",
];

fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(CONTENT_TYPES).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// zod's name of a value's type.
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

/// The zod issue for one field, computed from the schema table (the model `validate` must match).
fn expected_issue(field: &Field, value: Option<&Value>) -> Option<String> {
    let issue = match (value, field.kind) {
        (None, _) if !field.required => return None,
        (Some(Value::Bool(_)), Kind::Boolean) => return None,
        (v, Kind::Boolean) => format!("Invalid input: expected boolean, received {}", received(v)),
        (Some(Value::String(s)), Kind::NonEmpty) if s.is_empty() => {
            "Too small: expected string to have >=1 characters".into()
        }
        (Some(Value::String(s)), Kind::Email) if !is_valid_email(s) => {
            "Invalid email address".into()
        }
        (Some(Value::String(_)), _) => return None,
        (v, _) => format!("Invalid input: expected string, received {}", received(v)),
    };
    Some(format!("[body.{}] {issue}", field.name))
}

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(members) => members.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A 400 `VALIDATION_ERROR` whose message is `[body...] issue` parts joined with `"; "`.
fn validation_message(e: &ApiError, location: &str) -> Result<String, TestCaseError> {
    let (status, body) = support::envelope(e);
    prop_assert_eq!(status, 400, "{:?}", e);
    prop_assert_eq!(&body["code"], "VALIDATION_ERROR");
    let message = body["message"].as_str().unwrap().to_owned();
    // Members are named by their path (`[body.meta.tags.1]`); a NUL in a member name is shown as `\u0000`.
    let shape = regex::Regex::new(&format!(r"(?s)^\[{location}(\..*)?\] \S")).unwrap();
    for issue in message.split("; ") {
        prop_assert!(shape.is_match(issue), "issue {:?} of {:?}", issue, message);
    }
    Ok(message)
}

/// `validate` against `fields`: the exact zod message of the model. Stricter string checks
/// (NUL characters, lengths) may add or replace issues, but only for members that are strings, and
/// a body the model refuses is never accepted.
fn check_validate(
    body: Option<&Value>,
    fields: &[Field],
    record: bool,
) -> Result<(), TestCaseError> {
    let result = validate(body, fields, record);
    let expected: Vec<String> = match body {
        Some(Value::Object(obj)) => fields
            .iter()
            .filter_map(|f| expected_issue(f, obj.get(f.name)))
            .collect(),
        other => {
            let got = received(other);
            let mut issues = vec![format!(
                "[body] Invalid input: expected object, received {got}"
            )];
            if record {
                issues.push(format!(
                    "[body] Invalid input: expected record, received {got}"
                ));
            }
            issues
        }
    };
    let message = match result {
        Ok(obj) => {
            prop_assert!(
                expected.is_empty(),
                "accepted {:?}, expected {:?}",
                obj,
                expected
            );
            prop_assert!(matches!(body, Some(Value::Object(o)) if std::ptr::eq(o, obj)));
            return Ok(());
        }
        Err(e) => validation_message(&e, "body")?,
    };
    let actual: Vec<&str> = message.split("; ").collect();
    let member = |issue: &str| -> Option<String> {
        let name = issue.strip_prefix("[body.")?.split_once(']')?.0;
        Some(name.to_owned())
    };
    let obj = body.and_then(Value::as_object);
    let string_member = |issue: &str| {
        member(issue).is_some_and(|n| obj.and_then(|o| o.get(&n)).is_some_and(Value::is_string))
    };
    let nul = body.is_some_and(has_nul);
    for issue in actual.iter().filter(|i| !expected.iter().any(|e| e == *i)) {
        prop_assert!(
            nul || string_member(issue),
            "extra {:?} in {:?}",
            issue,
            message
        );
    }
    for issue in expected.iter().filter(|e| !actual.contains(&e.as_str())) {
        // Replaced by another issue about the same string member, or missing: a bug.
        let replaced = actual.iter().any(|a| member(a) == member(issue));
        prop_assert!(
            nul || (string_member(issue) && replaced),
            "missing {:?} in {:?}",
            issue,
            message
        );
    }
    if actual.len() == expected.len() && expected.iter().all(|e| actual.contains(&e.as_str())) {
        prop_assert_eq!(
            &message,
            &expected.join("; "),
            "zod's order is the schema's"
        );
    }
    Ok(())
}

fn check_parsed(body: Option<&Value>) -> Result<(), TestCaseError> {
    check_validate(body, SIGN_UP, true)?;
    check_validate(body, SIGN_IN, false)?;
    match validate_record(body) {
        Ok(_) => prop_assert!(matches!(body, Some(Value::Object(_)))),
        Err(e) => {
            let message = validation_message(&e, "body")?;
            if let Some(Value::Object(obj)) = body {
                // An object is refused only for text the database cannot store or over a limit.
                prop_assert!(
                    has_nul(&Value::Object(obj.clone())) || message.contains("Too big"),
                    "{}",
                    message
                );
            } else {
                prop_assert_eq!(
                    message,
                    format!(
                        "[body] Invalid input: expected record, received {}",
                        received(body)
                    )
                );
            }
        }
    }
    Ok(())
}

/// `parse`: nothing, a value, or one of its documented errors (415, 400 `BAD_REQUEST`, and a 400
/// `VALIDATION_ERROR` should stricter input checks come).
fn check_raw(
    bytes: &[u8],
    content_type: Option<&str>,
    allow_form: bool,
) -> Result<(), TestCaseError> {
    let raw = RawBody {
        bytes: Bytes::copy_from_slice(bytes),
        content_type: content_type.map(str::to_owned),
    };
    match parse(&raw, allow_form) {
        Ok(None) => prop_assert!(bytes.is_empty()),
        Ok(Some(value)) => {
            prop_assert!(!bytes.is_empty());
            let json = content_type
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("application/json");
            if !json {
                let obj = value.as_object();
                prop_assert!(
                    obj.is_some_and(|o| o.values().all(Value::is_string)),
                    "form gave {}",
                    value
                );
            }
            check_parsed(Some(&value))?;
        }
        Err(e) => {
            let (status, body) = support::envelope(&e);
            let code = body["code"].as_str().unwrap_or_default();
            let message = body["message"].as_str().unwrap();
            match (status, code) {
                (415, "UNSUPPORTED_MEDIA_TYPE") => prop_assert!(
                    message.starts_with("Content-Type ")
                        && message.contains(". Allowed types: application/"),
                    "{}",
                    message
                ),
                (400, "BAD_REQUEST" | "VALIDATION_ERROR") => {}
                other => prop_assert!(false, "undocumented error {:?}: {}", other, body),
            }
        }
    }
    Ok(())
}

#[test]
fn every_seed_replays_as_json_and_as_a_form() {
    for (name, bytes) in support::corpus("body") {
        for (ct, form) in [
            ("application/json", false),
            ("application/x-www-form-urlencoded", true),
        ] {
            check_raw(&bytes, Some(ct), form)
                .unwrap_or_else(|e| panic!("seed {name} as {ct}: {e}"));
        }
    }
}

#[test]
fn the_well_formed_seeds_validate() {
    let seeds = support::corpus("body");
    let parsed = |name: &str, content_type: &str| {
        let (_, bytes) = seeds.iter().find(|(n, _)| n == name).expect(name);
        let raw = RawBody {
            bytes: Bytes::copy_from_slice(bytes),
            content_type: Some(content_type.into()),
        };
        parse(&raw, true).unwrap()
    };
    assert!(
        validate(
            parsed("sign-up.txt", "application/json").as_ref(),
            SIGN_UP,
            true
        )
        .is_ok()
    );
    assert!(
        validate(
            parsed("sign-in.txt", "application/json").as_ref(),
            SIGN_IN,
            false
        )
        .is_ok()
    );
    let form = parsed("form.txt", "application/x-www-form-urlencoded");
    assert_eq!(form.as_ref().unwrap()["email"], "ada@example.com");
    assert!(
        validate(form.as_ref(), SIGN_UP, true).is_err(),
        "rememberMe is a string in a form"
    );
}

#[test]
fn deep_nesting_is_a_400_not_a_stack_overflow() {
    let deep = "[".repeat(60_000);
    check_raw(deep.as_bytes(), Some("application/json"), false).unwrap();
    let raw = RawBody {
        bytes: Bytes::from(deep),
        content_type: Some("application/json".into()),
    };
    assert!(matches!(
        parse(&raw, false),
        Err(ApiError::BadRequest(ErrorCode::BadRequest))
    ));
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn arbitrary_bodies_parse_to_a_value_or_a_documented_error(
        bytes in support::input("body"),
        content_type in prop::option::weighted(0.9, content_type()),
        allow_form in any::<bool>(),
    ) {
        check_raw(&bytes, content_type.as_deref(), allow_form)?;
    }

    #[test]
    fn arbitrary_json_gets_zods_exact_messages(body in prop::option::weighted(0.95, support::json(KEYS))) {
        check_parsed(body.as_ref())?;
    }

    #[test]
    fn arbitrary_queries_read_as_strings_or_arrays_with_query_messages(query in support::text("list")) {
        let object: Map<String, Value> = query_object(&query);
        for value in object.values() {
            match value {
                Value::String(_) => {}
                Value::Array(items) => prop_assert!(items.len() >= 2 && items.iter().all(Value::is_string)),
                other => prop_assert!(false, "query value {}", other),
            }
        }
        if let Err(e) = validate_query(&object, LINK_QUERY) {
            validation_message(&e, "query")?;
        }
    }
}
