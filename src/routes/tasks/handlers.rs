//! The task handlers. Each operation is one private function (`list`, `create`, `get_one`,
//! `replace`, `update`, `complete`, `remove`) behind two routes, each a plain wrapper with its own
//! OpenAPI operation:
//! - `list_tasks`, `create_task`, ...: under `/api/tasks`, for the user the credentials name;
//! - `list_user_tasks`, `create_user_task`, ...: under `/api/{user_id}/tasks`, the hackathon form,
//!   whose path user the extractors check (`Owner`, `OwnedTask`).
//!
//! The error sets the wrappers document are in `responses`. The queries answer `None` (or 0 rows)
//! for a task the owner does not have; the handlers make that a 404 (`existing`).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::responses::{
    CompleteErrors, CreateErrors, GetErrors, ListErrors, MalformedJson, NotYours, ReplaceErrors,
    TaskNotFound, Unauthorized, UnreadableBody, UntrustedOrigin, UpdateErrors,
};
use super::schema::{
    CompleteInput, ListQuery, TaskInput, TaskPatchInput, TaskPath, TaskResponse, UserPath,
};
use super::{Body, OwnedTask, Owner, existing, json, unknown_owner};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::tasks::input::{TaskDraft, TaskPatch, completion};
use crate::tasks::list::ListParams;
use crate::tasks::queries;

type State = web::Data<AppState>;
type Reply = Result<HttpResponse, ApiError>;

/// List tasks.
///
/// The user's tasks matching the filters, one page of them; `X-Total-Count` counts every match.
#[utoipa::path(tag = "tasks", params(ListQuery),
    responses((status = 200, description = "One page of tasks", body = Vec<TaskResponse>,
        headers(("X-Total-Count" = i64, description = "Matches before limit and offset"))),
        ListErrors, Unauthorized),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[get("")]
pub async fn list_tasks(owner: Owner, state: State, req: HttpRequest) -> Reply {
    list(owner, state, req).await
}

/// List tasks.
///
/// The user's tasks matching the filters, one page of them; `X-Total-Count` counts every match.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, ListQuery),
    responses((status = 200, description = "One page of tasks", body = Vec<TaskResponse>,
        headers(("X-Total-Count" = i64, description = "Matches before limit and offset"))),
        ListErrors, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[get("")]
pub async fn list_user_tasks(owner: Owner, state: State, req: HttpRequest) -> Reply {
    list(owner, state, req).await
}

async fn list(owner: Owner, state: State, req: HttpRequest) -> Reply {
    let params = ListParams::parse(req.query_string())?;
    let (tasks, total) = queries::list(&mut state.conn().await?, &owner.user_id, &params).await?;
    let body: Vec<TaskResponse> = tasks.into_iter().map(Into::into).collect();
    let mut response = json(StatusCode::OK, &body);
    response.headers_mut().insert(
        header::HeaderName::from_static("x-total-count"),
        header::HeaderValue::from(total),
    );
    Ok(response)
}

/// Create a task.
///
/// Omitted optional fields take their defaults; server-owned fields in the body are ignored.
#[utoipa::path(tag = "tasks", request_body(content = TaskInput),
    responses((status = 201, description = "Created", body = TaskResponse,
        headers(("Location" = String, description = "The new task's URL"))),
        CreateErrors, UnreadableBody, Unauthorized, UntrustedOrigin),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[post("")]
pub async fn create_task(owner: Owner, state: State, req: HttpRequest, body: Body) -> Reply {
    create(owner, state, req, body).await
}

/// Create a task.
///
/// Omitted optional fields take their defaults; server-owned fields in the body are ignored.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath), request_body(content = TaskInput),
    responses((status = 201, description = "Created", body = TaskResponse,
        headers(("Location" = String, description = "The new task's URL"))),
        CreateErrors, UnreadableBody, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[post("")]
pub async fn create_user_task(owner: Owner, state: State, req: HttpRequest, body: Body) -> Reply {
    create(owner, state, req, body).await
}

async fn create(owner: Owner, state: State, req: HttpRequest, body: Body) -> Reply {
    let draft = TaskDraft::from_json(body.json().await?.as_ref())?;
    let task = queries::create(&mut state.conn().await?, &owner.user_id, &draft)
        .await
        .map_err(unknown_owner)?;
    let location = format!("{}/{}", req.path(), task.id);
    let mut response = json(StatusCode::CREATED, &TaskResponse::from(task));
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Get a task.
#[utoipa::path(tag = "tasks", params(TaskPath),
    responses((status = 200, description = "The task", body = TaskResponse),
        GetErrors, Unauthorized),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[get("/{id}")]
pub async fn get_task(task: OwnedTask, state: State) -> Reply {
    get_one(task, state).await
}

/// Get a task.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, TaskPath),
    responses((status = 200, description = "The task", body = TaskResponse),
        GetErrors, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[get("/{id}")]
pub async fn get_user_task(task: OwnedTask, state: State) -> Reply {
    get_one(task, state).await
}

async fn get_one(task: OwnedTask, state: State) -> Reply {
    let found = queries::find(&mut state.conn().await?, &task.user_id, task.id).await?;
    Ok(json(StatusCode::OK, &existing(found)?))
}

/// Replace a task.
///
/// Sets title, description, completed, priority, tags and due_date; omitted optional fields
/// take their defaults.
#[utoipa::path(tag = "tasks", params(TaskPath), request_body(content = TaskInput),
    responses((status = 200, description = "The replaced task", body = TaskResponse),
        ReplaceErrors, MalformedJson, TaskNotFound, UnreadableBody, Unauthorized, UntrustedOrigin),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[put("/{id}")]
pub async fn replace_task(task: OwnedTask, state: State, body: Body) -> Reply {
    replace(task, state, body).await
}

/// Replace a task.
///
/// Sets title, description, completed, priority, tags and due_date; omitted optional fields
/// take their defaults.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, TaskPath), request_body(content = TaskInput),
    responses((status = 200, description = "The replaced task", body = TaskResponse),
        ReplaceErrors, MalformedJson, TaskNotFound, UnreadableBody, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[put("/{id}")]
pub async fn replace_user_task(task: OwnedTask, state: State, body: Body) -> Reply {
    replace(task, state, body).await
}

async fn replace(task: OwnedTask, state: State, body: Body) -> Reply {
    let draft = TaskDraft::from_json(body.json().await?.as_ref())?;
    let mut conn = state.conn().await?;
    let updated = queries::update(&mut conn, &task.user_id, task.id, draft.into()).await?;
    Ok(json(StatusCode::OK, &existing(updated)?))
}

/// Update some fields of a task.
///
/// Any subset of the fields; `null` only for `description` and `due_date`.
#[utoipa::path(tag = "tasks", params(TaskPath), request_body(content = TaskPatchInput),
    responses((status = 200, description = "The updated task", body = TaskResponse),
        UpdateErrors, MalformedJson, TaskNotFound, UnreadableBody, Unauthorized, UntrustedOrigin),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[patch("/{id}")]
pub async fn update_task(task: OwnedTask, state: State, body: Body) -> Reply {
    update(task, state, body).await
}

/// Update some fields of a task.
///
/// Any subset of the fields; `null` only for `description` and `due_date`.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, TaskPath), request_body(content = TaskPatchInput),
    responses((status = 200, description = "The updated task", body = TaskResponse),
        UpdateErrors, MalformedJson, TaskNotFound, UnreadableBody, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[patch("/{id}")]
pub async fn update_user_task(task: OwnedTask, state: State, body: Body) -> Reply {
    update(task, state, body).await
}

async fn update(task: OwnedTask, state: State, body: Body) -> Reply {
    let patch = TaskPatch::from_json(body.json().await?.as_ref())?;
    let mut conn = state.conn().await?;
    let updated = queries::update(&mut conn, &task.user_id, task.id, patch).await?;
    Ok(json(StatusCode::OK, &existing(updated)?))
}

/// Toggle a task's completion.
///
/// Without a body (or with `{}`) flips `completed` atomically; `{"completed": bool}` sets it.
#[utoipa::path(tag = "tasks", params(TaskPath),
    request_body(content = Option<CompleteInput>,
        description = "Optional: without it (or with `null` or `{}`) the task is toggled"),
    responses((status = 200, description = "The task after the change", body = TaskResponse),
        CompleteErrors, MalformedJson, TaskNotFound, Unauthorized, UntrustedOrigin),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[patch("/{id}/complete")]
pub async fn complete_task(task: OwnedTask, state: State, body: Body) -> Reply {
    complete(task, state, body).await
}

/// Toggle a task's completion.
///
/// Without a body (or with `{}`) flips `completed` atomically; `{"completed": bool}` sets it.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, TaskPath),
    request_body(content = Option<CompleteInput>,
        description = "Optional: without it (or with `null` or `{}`) the task is toggled"),
    responses((status = 200, description = "The task after the change", body = TaskResponse),
        CompleteErrors, MalformedJson, TaskNotFound, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[patch("/{id}/complete")]
pub async fn complete_user_task(task: OwnedTask, state: State, body: Body) -> Reply {
    complete(task, state, body).await
}

async fn complete(task: OwnedTask, state: State, body: Body) -> Reply {
    let set = completion(body.json().await?.as_ref())?;
    let mut conn = state.conn().await?;
    let updated = queries::complete(&mut conn, &task.user_id, task.id, set).await?;
    Ok(json(StatusCode::OK, &existing(updated)?))
}

/// Delete a task.
#[utoipa::path(tag = "tasks", params(TaskPath),
    responses((status = 204, description = "Deleted; empty body"),
        TaskNotFound, Unauthorized, UntrustedOrigin),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[delete("/{id}")]
pub async fn delete_task(task: OwnedTask, state: State) -> Reply {
    remove(task, state).await
}

/// Delete a task.
///
/// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
#[utoipa::path(tag = "tasks", params(UserPath, TaskPath),
    responses((status = 204, description = "Deleted; empty body"),
        TaskNotFound, Unauthorized, NotYours),
    security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = [])))]
#[delete("/{id}")]
pub async fn delete_user_task(task: OwnedTask, state: State) -> Reply {
    remove(task, state).await
}

async fn remove(task: OwnedTask, state: State) -> Reply {
    let deleted = queries::delete(&mut state.conn().await?, &task.user_id, task.id).await?;
    if deleted == 0 {
        return Err(ApiError::NotFound(ErrorCode::TaskNotFound));
    }
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
