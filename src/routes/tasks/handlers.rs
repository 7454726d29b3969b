//! The task handlers. `both_forms!` declares each operation once and emits its two routes
//! (`/api/tasks...` and `/api/{user_id}/tasks...`), each with its own OpenAPI operation.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::schema::{
    CompleteInput, ListQuery, TaskInput, TaskPatchInput, TaskPath, TaskResponse, UserPath,
};
use super::{OwnedTask, Owner, json, json_body};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tasks::input::{TaskDraft, TaskPatch, completion};
use crate::tasks::list::ListParams;
use crate::tasks::queries;

/// One handler with its OpenAPI operation.
macro_rules! operation {
    (
        $(#[doc = $doc:literal])+
        [$method:ident $path:literal] $name:ident ($($arg:ident: $ty:ty),*) => $imp:ident;
        params($($params:tt)*) $(request_body($($body:tt)*))? responses($($responses:tt)*)
    ) => {
        $(#[doc = $doc])+
        #[utoipa::path(
            tag = "tasks",
            params($($params)*),
            $(request_body($($body)*),)?
            responses($($responses)*),
            security(("bearerJwt" = []), ("bearerSession" = []), ("sessionCookie" = []))
        )]
        #[$method($path)]
        pub async fn $name($($arg: $ty),*) -> Result<HttpResponse, ApiError> {
            $imp($($arg),*).await
        }
    };
}

/// Both forms of one operation; `read` or `write` says whether a cookie needs a trusted Origin.
macro_rules! both_forms {
    ($(#[doc = $doc:literal])+ read $($rest:tt)*) => {
        both_forms! { @emit () $(#[doc = $doc])+ $($rest)* }
    };
    ($(#[doc = $doc:literal])+ write $($rest:tt)*) => {
        both_forms! { @emit (
            (status = 403, description = "A session cookie was sent without a trusted Origin (`INVALID_ORIGIN`, `MISSING_OR_NULL_ORIGIN`)",
                body = ErrorBody, example = json!({"message": "Invalid origin", "code": "INVALID_ORIGIN"})),
        ) $(#[doc = $doc])+ $($rest)* }
    };
    (
        @emit ($($forbidden:tt)*)
        $(#[doc = $doc:literal])+
        [$method:ident $path:literal] $plain:ident, $scoped:ident ($($arg:ident: $ty:ty),*) => $imp:ident;
        params($($params:tt)*) $(request_body($($body:tt)*))? responses($($responses:tt)*)
    ) => {
        operation! {
            $(#[doc = $doc])+
            [$method $path] $plain($($arg: $ty),*) => $imp;
            params($($params)*) $(request_body($($body)*))?
            responses($($responses)*
                (status = 401, description = "Missing or invalid credentials", body = ErrorBody,
                    headers(("WWW-Authenticate" = String, description = "`Bearer`")),
                    example = json!({"message": "Unauthorized", "code": "UNAUTHORIZED"})),
                $($forbidden)*
            )
        }
        operation! {
            $(#[doc = $doc])+
            ///
            /// Hackathon form: the path's `user_id` must be the authenticated user's (403 otherwise).
            [$method $path] $scoped($($arg: $ty),*) => $imp;
            params(UserPath, $($params)*) $(request_body($($body)*))?
            responses($($responses)*
                (status = 401, description = "Missing or invalid credentials", body = ErrorBody,
                    headers(("WWW-Authenticate" = String, description = "`Bearer`")),
                    example = json!({"message": "Unauthorized", "code": "UNAUTHORIZED"})),
                (status = 403, description = "The path's `user_id` is not the authenticated user's (`FORBIDDEN`); for writes, also a session cookie without a trusted Origin", body = ErrorBody,
                    example = json!({"message": "You may only access your own tasks", "code": "FORBIDDEN"})),
            )
        }
    };
}

both_forms! {
    /// List tasks.
    ///
    /// The user's tasks matching the filters, one page of them; `X-Total-Count` counts every match.
    read [get ""] list_tasks, list_user_tasks(owner: Owner, state: web::Data<AppState>, req: HttpRequest) => list;
    params(ListQuery)
    responses(
        (status = 200, description = "One page of tasks", body = Vec<TaskResponse>,
            headers(("X-Total-Count" = i64, description = "Matches before limit and offset"))),
        (status = 400, description = "A bad query parameter (`INVALID_QUERY`)", body = ErrorBody,
            example = json!({"message": "limit must be an integer from 1 to 500", "code": "INVALID_QUERY"})),
    )
}

async fn list(
    owner: Owner,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(req.query_string())?;
    let (tasks, total) = queries::list(&mut *state.conn().await?, &owner.user_id, &params).await?;
    let body: Vec<TaskResponse> = tasks.into_iter().map(Into::into).collect();
    let mut response = json(StatusCode::OK, &body);
    response.headers_mut().insert(
        header::HeaderName::from_static("x-total-count"),
        header::HeaderValue::from(total),
    );
    Ok(response)
}

both_forms! {
    /// Create a task.
    ///
    /// Omitted optional fields take their defaults; server-owned fields in the body are ignored.
    write [post ""] create_task, create_user_task(owner: Owner, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) => create;
    params() request_body(content = TaskInput)
    responses(
        (status = 201, description = "Created", body = TaskResponse,
            headers(("Location" = String, description = "The new task's URL"))),
        (status = 400, description = "Malformed JSON (`INVALID_JSON`)", body = ErrorBody,
            example = json!({"message": "Malformed JSON in request body", "code": "INVALID_JSON"})),
        (status = 413, description = "Body too large (`PAYLOAD_TOO_LARGE`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`)", body = ErrorBody),
        (status = 422, description = "Invalid fields (`VALIDATION_ERROR`)", body = ErrorBody,
            example = json!({"message": "title: is required", "code": "VALIDATION_ERROR",
                "errors": [{"field": "title", "message": "is required"}]})),
    )
}

async fn create(
    owner: Owner,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let draft = TaskDraft::from_json(json_body(&req, payload).await?.as_ref())?;
    let task = queries::create(&mut *state.conn().await?, &owner.user_id, &draft).await?;
    let location = format!("{}/{}", req.path(), task.id);
    let mut response = json(StatusCode::CREATED, &TaskResponse::from(task));
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

both_forms! {
    /// Get a task.
    read [get "/{id}"] get_task, get_user_task(task: OwnedTask, state: web::Data<AppState>) => get_one;
    params(TaskPath)
    responses(
        (status = 200, description = "The task", body = TaskResponse),
        (status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)", body = ErrorBody,
            example = json!({"message": "Task not found", "code": "TASK_NOT_FOUND"})),
    )
}

async fn get_one(task: OwnedTask, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = queries::find(&mut *state.conn().await?, &task.owner, task.id).await?;
    Ok(json(StatusCode::OK, &TaskResponse::from(found)))
}

both_forms! {
    /// Replace a task.
    ///
    /// Sets title, description, completed, priority, tags and due_date; omitted optional fields
    /// take their defaults.
    write [put "/{id}"] replace_task, replace_user_task(task: OwnedTask, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) => replace;
    params(TaskPath) request_body(content = TaskInput)
    responses(
        (status = 200, description = "The replaced task", body = TaskResponse),
        (status = 400, description = "Malformed JSON (`INVALID_JSON`)", body = ErrorBody),
        (status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)", body = ErrorBody),
        (status = 413, description = "Body too large (`PAYLOAD_TOO_LARGE`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`)", body = ErrorBody),
        (status = 422, description = "Invalid fields (`VALIDATION_ERROR`)", body = ErrorBody),
    )
}

async fn replace(
    task: OwnedTask,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let changes = TaskDraft::from_json(json_body(&req, payload).await?.as_ref())?.into_changes();
    let updated =
        queries::update(&mut *state.conn().await?, &task.owner, task.id, &changes).await?;
    Ok(json(StatusCode::OK, &TaskResponse::from(updated)))
}

both_forms! {
    /// Update some fields of a task.
    ///
    /// Any subset of the fields; `null` only for `description` and `due_date`.
    write [patch "/{id}"] update_task, update_user_task(task: OwnedTask, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) => update;
    params(TaskPath) request_body(content = TaskPatchInput)
    responses(
        (status = 200, description = "The updated task", body = TaskResponse),
        (status = 400, description = "Malformed JSON (`INVALID_JSON`)", body = ErrorBody),
        (status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)", body = ErrorBody),
        (status = 413, description = "Body too large (`PAYLOAD_TOO_LARGE`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`)", body = ErrorBody),
        (status = 422, description = "Invalid fields (`VALIDATION_ERROR`)", body = ErrorBody,
            example = json!({"message": "title: must not be null", "code": "VALIDATION_ERROR",
                "errors": [{"field": "title", "message": "must not be null"}]})),
    )
}

async fn update(
    task: OwnedTask,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let changes = TaskPatch::from_json(json_body(&req, payload).await?.as_ref())?.into_changes();
    let updated =
        queries::update(&mut *state.conn().await?, &task.owner, task.id, &changes).await?;
    Ok(json(StatusCode::OK, &TaskResponse::from(updated)))
}

both_forms! {
    /// Toggle a task's completion.
    ///
    /// Without a body (or with `{}`) flips `completed` atomically; `{"completed": bool}` sets it.
    write [patch "/{id}/complete"] complete_task, complete_user_task(task: OwnedTask, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) => complete;
    params(TaskPath) request_body(content = Option<CompleteInput>, description = "Optional: without it (or with `null` or `{}`) the task is toggled")
    responses(
        (status = 200, description = "The task after the change", body = TaskResponse),
        (status = 400, description = "Malformed JSON (`INVALID_JSON`)", body = ErrorBody),
        (status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)", body = ErrorBody),
        (status = 422, description = "`completed` is not a boolean (`VALIDATION_ERROR`)", body = ErrorBody),
    )
}

async fn complete(
    task: OwnedTask,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let set = completion(json_body(&req, payload).await?.as_ref())?;
    let updated = queries::complete(&mut *state.conn().await?, &task.owner, task.id, set).await?;
    Ok(json(StatusCode::OK, &TaskResponse::from(updated)))
}

both_forms! {
    /// Delete a task.
    write [delete "/{id}"] delete_task, delete_user_task(task: OwnedTask, state: web::Data<AppState>) => remove;
    params(TaskPath)
    responses(
        (status = 204, description = "Deleted; empty body"),
        (status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)", body = ErrorBody),
    )
}

async fn remove(task: OwnedTask, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    queries::delete(&mut *state.conn().await?, &task.owner, task.id).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
