//! Snapshots of JSON shapes: `assert_json_shape!` is `insta::assert_json_snapshot!` with every
//! volatile value redacted, wherever it stands, in the spirit of `tests/interop/lib/normalize.mjs`.
//!
//! A redaction replaces a value only when it has the expected format (an id is 32 alphanumerics, a
//! date is ISO 8601 with milliseconds in UTC, ...); anything else stays verbatim, so a value in the
//! wrong format fails the snapshot. Key order is part of the snapshot: serde_json's
//! `preserve_order` is on (Cargo.toml), so a response parsed into a `Value` keeps its wire order.
//!
//! The snapshots are inline. A run outside CI that finds one changed fails and leaves the new
//! value in a `.pending-snap` file beside the source (git ignores it) for `cargo insta review`;
//! with `CI=true` or `INSTA_UPDATE=no` (scripts/test.sh) insta writes nothing.

use insta::internals::{Content, ContentPath, Redaction};
use insta::{Settings, dynamic_redaction};

/// Keys whose values are ids: 32 alphanumerics, or (task ids) a positive integer.
const IDS: [&str; 6] = ["id", "userId", "user_id", "accountId", "sub", "kid"];
/// Keys whose values are ISO 8601 dates with milliseconds.
const DATES: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "expiresAt",
    "created_at",
    "updated_at",
];
/// Keys whose values are e-mail addresses made by `random_email`.
const EMAILS: [&str; 2] = ["email", "updateTo"];
/// Keys whose values are seconds since the epoch (JWT claims).
const EPOCHS: [&str; 3] = ["iat", "exp", "nbf"];
/// Keys whose values are key material of a JWK (Ed25519: 32 bytes, base64url).
const KEYS: [&str; 2] = ["x", "d"];

/// Settings with every redaction this module knows; `assert_json_shape!` binds them.
pub fn redactions() -> Settings {
    let mut settings = Settings::clone_current();
    let mut add = |keys: &[&str], redaction: fn() -> Redaction| {
        for key in keys {
            settings.add_redaction(&format!(".**.{key}"), redaction());
        }
    };
    add(&IDS, || {
        checked("[id]", |v| v.as_u64().is_some_and(|n| n > 0) || is_id(v))
    });
    add(&["token"], || checked("[token]", is_id));
    add(&["token"], || checked("[jwt]", is_jwt));
    add(&DATES, || checked("[date]", is_date));
    add(&EMAILS, || checked("[email]", is_random_email));
    add(&EPOCHS, || checked("[epoch]", |v| v.as_i64().is_some()));
    add(&KEYS, || checked("[key]", is_key));
    settings
}

/// Replaces a value that passes `check` with `placeholder`; leaves any other value as it is.
fn checked(placeholder: &'static str, check: fn(&Content) -> bool) -> Redaction {
    dynamic_redaction(move |value: Content, _: ContentPath<'_>| {
        if check(&value) {
            Content::from(placeholder)
        } else {
            value
        }
    })
}

fn is_id(value: &Content) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `2026-11-24T21:44:44.205Z`, as JavaScript's `Date.toISOString()` writes it.
fn is_date(value: &Content) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 24 && s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    })
}

fn is_random_email(value: &Content) -> bool {
    value.as_str().is_some_and(|s| {
        s.strip_prefix("user-")
            .and_then(|s| s.strip_suffix("@example.com"))
            .is_some_and(|local| local.len() == 10)
    })
}

/// A compact JWS: three base64url segments, the first a JSON object.
fn is_jwt(value: &Content) -> bool {
    value.as_str().is_some_and(|s| {
        s.starts_with("eyJ")
            && s.split('.').count() == 3
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    })
}

fn is_key(value: &Content) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// `insta::assert_json_snapshot!(value, @"...")` under [`redactions`]; with a description (what
/// a loop is at), `assert_json_shape!(value, "description", @"...")`. It may stand in a loop or a
/// helper (`allow_duplicates!`): every pass is compared with the one literal.
macro_rules! assert_json_shape {
    ($value:expr, @$snapshot:literal $(,)?) => {
        $crate::helpers::snapshot::redactions().bind(|| {
            ::insta::allow_duplicates! {
                ::insta::assert_json_snapshot!($value, @$snapshot)
            }
        })
    };
    ($value:expr, $description:expr, @$snapshot:literal $(,)?) => {{
        let mut settings = $crate::helpers::snapshot::redactions();
        settings.set_description($description);
        settings.bind(|| {
            ::insta::allow_duplicates! {
                ::insta::assert_json_snapshot!($value, @$snapshot)
            }
        })
    }};
}
pub(crate) use assert_json_shape;

#[test]
fn redactions_replace_only_values_in_their_format() {
    let value = serde_json::json!({
        "user": {"id": "0123456789abcdefABCDEF0123456789", "email": "user-abcdefghij@example.com",
            "createdAt": "2026-11-24T21:44:44.205Z", "updatedAt": "2026-11-24T21:44:44Z"},
        "session": {"token": "short", "userId": "not-an-id", "expiresAt": "tomorrow"},
        "task": {"id": 7, "user_id": "0123456789abcdefABCDEF0123456789"},
        "jwt": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "iat": 1_795_556_684, "exp": "soon"},
        "jwk": {"x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "too-short"}
    });
    assert_json_shape!(value, @r#"
    {
      "user": {
        "id": "[id]",
        "email": "[email]",
        "createdAt": "[date]",
        "updatedAt": "2026-11-24T21:44:44Z"
      },
      "session": {
        "token": "short",
        "userId": "not-an-id",
        "expiresAt": "tomorrow"
      },
      "task": {
        "id": "[id]",
        "user_id": "[id]"
      },
      "jwt": {
        "token": "[jwt]",
        "iat": "[epoch]",
        "exp": "soon"
      },
      "jwk": {
        "x": "[key]",
        "d": "too-short"
      }
    }
    "#);
}
