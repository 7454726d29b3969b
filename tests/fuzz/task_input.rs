//! Target `task_input`: task bodies (`TaskDraft::from_json`, `TaskPatch::from_json`,
//! `completion`): a value within the documented limits, or a 422 `VALIDATION_ERROR` naming fields.

use better_auth_actix::error::ApiError;
use better_auth_actix::tasks::content::{DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX};
use better_auth_actix::tasks::input::{TaskDraft, TaskPatch, completion};
use chrono::Timelike as _;
use proptest::prelude::*;
use serde_json::Value;

use crate::support;

const KEYS: &[&str] = &[
    "title",
    "description",
    "completed",
    "priority",
    "tags",
    "due_date",
    "id",
    "user_id",
];
const FIELDS: &[&str] = &[
    "body",
    "title",
    "description",
    "completed",
    "priority",
    "tags",
    "due_date",
];

fn title_ok(t: &str, max: usize) -> bool {
    t == t.trim() && (1..=max).contains(&t.chars().count())
}

fn check_patch(p: &TaskPatch) -> Result<(), TestCaseError> {
    prop_assert!(
        p.title
            .as_ref()
            .is_none_or(|t| title_ok(t.as_str(), TITLE_MAX)),
        "{:?}",
        p
    );
    let description = p.description.as_ref().and_then(Option::as_ref);
    prop_assert!(description.is_none_or(|d| d.as_str().chars().count() <= DESCRIPTION_MAX));
    let tags: Option<Vec<&str>> = p.tags.as_ref().map(|t| t.iter().collect());
    prop_assert!(
        tags.is_none_or(|t| t.len() <= TAGS_MAX && t.iter().all(|t| title_ok(t, TAG_MAX)))
    );
    let due = p.due_date.flatten();
    prop_assert!(
        due.is_none_or(|d| d.nanosecond() % 1_000_000 == 0),
        "{:?}",
        due
    );
    Ok(())
}

/// A 422 naming known fields; with NUL characters in the body any 400 or 422 envelope is allowed
/// (stricter string checks may refuse them).
fn check_error(e: &ApiError, body: Option<&Value>) -> Result<(), TestCaseError> {
    let (status, envelope) = support::envelope(e);
    if body.is_some_and(|b| b.to_string().contains("\\u0000")) {
        prop_assert!(status == 400 || status == 422, "{}", envelope);
        return Ok(());
    }
    prop_assert_eq!(status, 422, "{}", envelope);
    prop_assert_eq!(&envelope["code"], "VALIDATION_ERROR");
    let errors = envelope["errors"].as_array().expect("field errors");
    prop_assert!(!errors.is_empty());
    for error in errors {
        prop_assert!(
            FIELDS.contains(&error["field"].as_str().unwrap_or_default()),
            "{}",
            error
        );
        prop_assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    Ok(())
}

fn check(body: Option<&Value>) -> Result<(), TestCaseError> {
    match TaskDraft::from_json(body) {
        Ok(d) => {
            prop_assert!(body.is_some_and(|b| b.get("title").is_some()));
            check_patch(&TaskPatch::from(d))?;
        }
        Err(e) => check_error(&e, body)?,
    }
    match TaskPatch::from_json(body) {
        Ok(p) => check_patch(&p)?,
        Err(e) => check_error(&e, body)?,
    }
    match completion(body) {
        Ok(Some(c)) => {
            prop_assert_eq!(body.and_then(|b| b.get("completed")), Some(&Value::Bool(c)))
        }
        Ok(None) => {}
        Err(e) => check_error(&e, body)?,
    }
    Ok(())
}

#[test]
fn every_seed_replays_as_a_task_body() {
    for (name, bytes) in support::corpus("task_input") {
        let body = serde_json::from_slice::<Value>(&bytes).ok();
        check(body.as_ref()).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

#[test]
fn far_due_dates_are_truncated_to_milliseconds() {
    // The seed that found `truncate_ms` keeping nanoseconds past 2262.
    let (_, bytes) = support::corpus("task_input")
        .into_iter()
        .find(|(n, _)| n == "due-far-future.txt")
        .unwrap();
    let body = serde_json::from_slice::<Value>(&bytes).unwrap();
    let due = TaskDraft::from_json(Some(&body)).unwrap().due_date.unwrap();
    assert_eq!(due.to_rfc3339(), "+10000-01-01T23:58:59.999+00:00");
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn mutated_task_bodies_validate_or_name_their_fields(bytes in support::input("task_input")) {
        check(serde_json::from_slice::<Value>(&bytes).ok().as_ref())?;
    }

    #[test]
    fn arbitrary_json_validates_or_names_its_fields(
        body in prop::option::weighted(0.95, support::json(KEYS)),
    ) {
        check(body.as_ref())?;
    }
}
