//! The task API's wire shapes: the task as sent (snake_case, as the FastAPI/SQLModel backend sends
//! it), and the documented request bodies and query parameters. Bodies are parsed by
//! `tasks::input`, which reports every violation at once; these types describe them, with the
//! schemas of the parsed types (`tasks::content`) for the text members.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::db::models::Task;
use crate::tasks::Priority;
use crate::tasks::content::{Description, Tags, TaskTitle};
use crate::tasks::list::{Order, SortKey, Status};
use crate::wire::{ser_iso, ser_iso_opt};

/// A task.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "user_id": "xMbf3brruZJ0wSl1zVwZIbH27yk1V866", "title": "Buy milk",
    "description": "Two litres", "completed": false, "priority": "medium", "tags": ["home"],
    "due_date": "2026-12-01T17:00:00.000Z", "created_at": "2026-11-24T21:44:44.205Z",
    "updated_at": "2026-11-24T21:44:44.205Z"
}))]
pub struct TaskResponse {
    pub id: i64,
    /// The owner's user id.
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Vec<String>,
    #[serde(serialize_with = "ser_iso_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_date: Option<DateTime<Utc>>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<Task> for TaskResponse {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            user_id: t.user_id,
            title: t.title,
            description: t.description,
            completed: t.completed,
            // The column has a CHECK constraint; anything else cannot be stored.
            priority: Priority::parse(&t.priority).unwrap_or_default(),
            tags: t.tags.into_iter().flatten().collect(),
            due_date: t.due_date,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

// `schema_with`: the text members are documented by the parsed types' own schemas, built from the
// constants their `parse` checks, so the documented limits are the enforced ones.
/// A whole task, to create (POST) or replace (PUT) one. Omitted optional fields take their
/// defaults; `id`, `user_id`, `created_at`, `updated_at` and unknown members are ignored.
#[derive(Debug, ToSchema)]
#[schema(example = json!({
    "title": "Buy milk", "description": "Two litres", "priority": "high",
    "tags": ["home"], "due_date": "2026-12-01T17:00:00Z"
}))]
pub struct TaskInput {
    #[schema(schema_with = TaskTitle::schema)]
    pub title: TaskTitle,
    #[schema(schema_with = description_or_null)]
    pub description: Option<Description>,
    /// Default `false`.
    #[schema(nullable = false)]
    pub completed: Option<bool>,
    /// Default `medium`.
    #[schema(nullable = false)]
    pub priority: Option<Priority>,
    #[schema(schema_with = tags_or_empty)]
    pub tags: Option<Tags>,
    /// An RFC 3339 date-time; default `null`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_date: Option<String>,
}

/// Any subset of a task's fields. Only `description` and `due_date` may be `null`.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"title": "Buy oat milk", "due_date": null}))]
pub struct TaskPatchInput {
    #[schema(schema_with = TaskTitle::schema)]
    pub title: Option<TaskTitle>,
    #[schema(schema_with = Description::schema)]
    pub description: Option<Description>,
    #[schema(nullable = false)]
    pub completed: Option<bool>,
    #[schema(nullable = false)]
    pub priority: Option<Priority>,
    #[schema(schema_with = Tags::schema)]
    pub tags: Option<Tags>,
    /// An RFC 3339 date-time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_date: Option<String>,
}

/// `description` of a whole task, with its default.
fn description_or_null() -> RefOr<Schema> {
    with_default(Description::schema(), "`null`")
}

/// `tags` of a whole task, with its default.
fn tags_or_empty() -> RefOr<Schema> {
    with_default(Tags::schema(), "`[]`")
}

/// `schema` whose description ("...characters.") goes on to name the default a draft applies.
fn with_default(mut schema: RefOr<Schema>, default: &str) -> RefOr<Schema> {
    let description = match &mut schema {
        RefOr::T(Schema::Object(object)) => &mut object.description,
        RefOr::T(Schema::Array(array)) => &mut array.description,
        _ => return schema,
    };
    if let Some(text) = description {
        *text = format!("{}; default {default}.", text.trim_end_matches('.'));
    }
    schema
}

/// The optional body of `PATCH .../complete`.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"completed": true}))]
pub struct CompleteInput {
    /// Sets `completed` instead of toggling it.
    #[schema(nullable = false)]
    pub completed: Option<bool>,
}

// Defaults are stated in the descriptions, not as `default`: openapi-typescript (by default) types a
// property with a default as always present, which would make clients send every one of them.
/// Listing parameters. Unknown parameters are ignored; a bad value is a 400 `INVALID_QUERY`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Filter by completion; default `all`.
    #[param(inline)]
    pub status: Option<Status>,
    /// Filter by priority.
    #[param(inline)]
    pub priority: Option<Priority>,
    // No examples on the filters: Swagger UI's "Try it out" would pre-fill them.
    /// Only tasks carrying this tag.
    pub tag: Option<String>,
    /// Case-insensitive substring of the title or description; `%`, `_` and `\` match themselves.
    pub q: Option<String>,
    /// Sort key; ties are broken by `id`. `priority` orders high > medium > low; tasks without a
    /// due date sort last. Default `created_at`.
    #[param(inline)]
    pub sort: Option<SortKey>,
    /// Sort direction; default `desc`.
    #[param(inline)]
    pub order: Option<Order>,
    /// Page size; default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Matches to skip; default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The task id in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TaskPath {
    /// The task's id.
    #[param(example = 1)]
    pub id: i64,
}

/// The user id in the path of the hackathon form.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// Must equal the authenticated user's id (case-sensitive), else 403 `FORBIDDEN`.
    #[param(example = "xMbf3brruZJ0wSl1zVwZIbH27yk1V866")]
    pub user_id: String,
}
