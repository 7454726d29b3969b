//! Task bodies, read field by field into the parsed types of `tasks::content`, so that every
//! violation is reported at once.
//!
//! Server-owned members (`id`, `user_id`, `created_at`, `updated_at`) and unknown members are
//! ignored, as the FastAPI/SQLModel backend ignores them.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Priority;
use super::content::{Description, NUL, Tags, TaskTitle};
use crate::error::{ApiError, FieldError};
use crate::wire::truncate_ms;

/// A whole task as sent to create (POST) or replace (PUT) one; omitted optional fields take defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Tags,
    pub due_date: Option<DateTime<Utc>>,
}

/// A partial update (PATCH): `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<Description>>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Tags>,
    pub due_date: Option<Option<DateTime<Utc>>>,
}

/// Reads fields of a JSON object and collects every violation.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn of(body: Option<&'a Value>) -> Result<Self, ApiError> {
        match body {
            Some(Value::Object(obj)) => Ok(Self {
                obj,
                errors: Vec::new(),
            }),
            _ => Err(ApiError::field("body", "must be a JSON object")),
        }
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `None` when absent or invalid (the violation is recorded); `Some(None)` for an allowed null.
    fn get<T>(
        &mut self,
        name: &str,
        nullable: bool,
        parse: fn(&Value) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.obj.get(name)? {
            Value::Null if nullable => Some(None),
            Value::Null => {
                self.fail(name, "must not be null");
                None
            }
            value if !storable(value) => {
                self.fail(name, NUL);
                None
            }
            value => match parse(value) {
                Ok(v) => Some(Some(v)),
                Err(message) => {
                    self.fail(name, message);
                    None
                }
            },
        }
    }

    fn patch(&mut self) -> TaskPatch {
        TaskPatch {
            title: self.get("title", false, title).flatten(),
            description: self.get("description", true, description),
            completed: self.get("completed", false, boolean).flatten(),
            priority: self.get("priority", false, priority).flatten(),
            tags: self.get("tags", false, tags).flatten(),
            due_date: self.get("due_date", true, due_date),
        }
    }

    fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

/// Whether every string in `value` is text the database can store (`crate::text`). Every field
/// passes through here before its own parser, so a new field cannot forget it.
fn storable(value: &Value) -> bool {
    match value {
        Value::String(s) => crate::text::storable(s),
        Value::Array(items) => items.iter().all(storable),
        Value::Object(members) => members
            .iter()
            .all(|(k, v)| crate::text::storable(k) && storable(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

impl TaskDraft {
    /// Validates a create or replace body.
    pub fn from_json(body: Option<&Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::of(body)?;
        let patch = fields.patch();
        if !fields.obj.contains_key("title") {
            fields.fail("title", "is required");
        }
        let patch = fields.finish(patch)?;
        // With no violation recorded, the title was present and valid.
        let title = patch
            .title
            .ok_or_else(|| ApiError::field("title", "is required"))?;
        Ok(Self {
            title,
            description: patch.description.flatten(),
            completed: patch.completed.unwrap_or(false),
            priority: patch.priority.unwrap_or_default(),
            tags: patch.tags.unwrap_or_default(),
            due_date: patch.due_date.flatten(),
        })
    }
}

/// A whole task as a patch that sets every user-editable field (PUT).
impl From<TaskDraft> for TaskPatch {
    fn from(draft: TaskDraft) -> Self {
        Self {
            title: Some(draft.title),
            description: Some(draft.description),
            completed: Some(draft.completed),
            priority: Some(draft.priority),
            tags: Some(draft.tags),
            due_date: Some(draft.due_date),
        }
    }
}

impl TaskPatch {
    /// Validates a partial-update body.
    pub fn from_json(body: Option<&Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::of(body)?;
        let patch = fields.patch();
        fields.finish(patch)
    }
}

/// The optional body of `PATCH .../complete`: `{"completed": bool}` sets it; nothing, `null` or
/// `{}` toggles.
pub fn completion(body: Option<&Value>) -> Result<Option<bool>, ApiError> {
    if matches!(body, None | Some(Value::Null)) {
        return Ok(None);
    }
    let mut fields = Fields::of(body)?;
    let completed = fields.get("completed", false, boolean).flatten();
    fields.finish(completed)
}

fn string(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| "must be a string".to_owned())
}

fn title(v: &Value) -> Result<TaskTitle, String> {
    TaskTitle::parse(string(v)?)
}

fn description(v: &Value) -> Result<Description, String> {
    Description::parse(string(v)?)
}

fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| "must be a boolean".to_owned())
}

fn priority(v: &Value) -> Result<Priority, String> {
    string(v)
        .ok()
        .and_then(Priority::parse)
        .ok_or_else(|| "must be one of low, medium, high".to_owned())
}

fn tags(v: &Value) -> Result<Tags, String> {
    let items = v
        .as_array()
        .ok_or_else(|| "must be an array of strings".to_owned())?;
    Tags::parse(items.iter().map(Value::as_str))
}

fn due_date(v: &Value) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(string(v)?)
        .map(|t| truncate_ms(t.with_timezone(&Utc)))
        .map_err(|_| "must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(e: ApiError) -> Vec<(String, String)> {
        match e {
            ApiError::Validation(errors) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_draft_takes_defaults_and_ignores_server_owned_fields() {
        let body = json!({"title": "  Buy milk ", "id": 9, "user_id": "x", "created_at": 1});
        let draft = TaskDraft::from_json(Some(&body)).unwrap();
        assert_eq!(draft.title.as_str(), "Buy milk");
        assert_eq!(draft.priority, Priority::Medium);
        assert_eq!(draft.tags, Tags::default());
        assert!(!draft.completed && draft.description.is_none());
    }

    #[test]
    fn nul_characters_are_refused_in_every_text_field() {
        let body = json!({"title": "a\u{0}", "description": "\u{0}", "tags": ["ok", "b\u{0}"]});
        let found = errors(TaskDraft::from_json(Some(&body)).unwrap_err());
        assert_eq!(
            found,
            ["title", "description", "tags"].map(|f| (
                f.to_string(),
                "must not contain NUL (U+0000) characters".to_string()
            ))
        );
    }

    #[test]
    fn every_violation_is_reported() {
        let body = json!({"title": " ", "description": 5, "priority": "urgent", "tags": ["ok", ""], "due_date": "tomorrow", "completed": null});
        let fields: Vec<String> = errors(TaskDraft::from_json(Some(&body)).unwrap_err())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "title",
                "description",
                "completed",
                "priority",
                "tags",
                "due_date"
            ]
        );
    }

    #[test]
    fn a_patch_allows_null_only_for_nullable_fields() {
        let patch =
            TaskPatch::from_json(Some(&json!({"description": null, "due_date": null}))).unwrap();
        assert_eq!(patch.description, Some(None));
        assert_eq!(patch.due_date, Some(None));
        assert_eq!(
            errors(TaskPatch::from_json(Some(&json!({"title": null}))).unwrap_err()),
            [("title".to_owned(), "must not be null".to_owned())]
        );
    }

    #[test]
    fn a_missing_title_is_reported_after_the_fields_that_were_sent() {
        let mut tags = vec![json!("ok"); 20];
        tags.push(json!(""));
        let body = json!({"priority": "urgent", "tags": tags});
        assert_eq!(
            errors(TaskDraft::from_json(Some(&body)).unwrap_err()),
            [
                ("priority", "must be one of low, medium, high"),
                ("tags", "must have at most 20 tags"),
                ("title", "is required"),
            ]
            .map(|(f, m)| (f.to_owned(), m.to_owned()))
        );
    }

    #[test]
    fn completion_accepts_nothing_an_empty_object_or_a_boolean() {
        assert_eq!(completion(None).unwrap(), None);
        assert_eq!(completion(Some(&Value::Null)).unwrap(), None);
        assert_eq!(completion(Some(&json!({}))).unwrap(), None);
        assert_eq!(
            completion(Some(&json!({"completed": true}))).unwrap(),
            Some(true)
        );
        assert!(completion(Some(&json!({"completed": "yes"}))).is_err());
        assert!(completion(Some(&json!([]))).is_err());
    }
}
