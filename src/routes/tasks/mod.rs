//! The task API. Every operation exists twice: under `/api/tasks` (the user comes from the
//! credentials) and under `/api/{user_id}/tasks` (the hackathon contract: the path id must be the
//! authenticated user's, else 403, before any 404).
//!
//! Order of checks: credentials (401) → path user (403) → task id (404) → query (400) → body
//! (413, 415, 400, 422) → database (404). Bodies and queries are read by the handlers, after the
//! extractors have authenticated the request, so a bad token with a bad body is a 401. What the
//! domain answers becomes HTTP here: no task is a 404 (`existing`), an owner that no longer exists
//! a 401 (`unknown_owner`).

pub mod current_user;
mod handlers;
pub mod responses;
pub mod schema;

use std::future::{Ready, ready};

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;
use utoipa_actix_web::scope::Scope;

use super::extract::RawBody;
use crate::db::models::Task;
use crate::error::{ApiError, ErrorCode};
use current_user::CurrentUser;
use schema::TaskResponse;

/// The `/api/tasks` scope.
pub fn scope() -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/tasks")
        .service(handlers::list_tasks)
        .service(handlers::create_task)
        .service(handlers::get_task)
        .service(handlers::replace_task)
        .service(handlers::update_task)
        .service(handlers::complete_task)
        .service(handlers::delete_task)
}

/// The `/api/{user_id}/tasks` scope.
pub fn user_scope() -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/{user_id}/tasks")
        .service(handlers::list_user_tasks)
        .service(handlers::create_user_task)
        .service(handlers::get_user_task)
        .service(handlers::replace_user_task)
        .service(handlers::update_user_task)
        .service(handlers::complete_user_task)
        .service(handlers::delete_user_task)
}

/// The authenticated owner of the addressed tasks.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The owner's user id.
    pub user_id: String,
}

/// One task of the authenticated owner, by id (not yet loaded).
#[derive(Debug, Clone)]
pub struct OwnedTask {
    /// The owner's user id.
    pub user_id: String,
    /// The task's id.
    pub id: i64,
}

/// Authenticates, then checks the `{user_id}` path segment, when there is one, case-sensitively.
async fn owner(req: &HttpRequest) -> Result<String, ApiError> {
    let user = CurrentUser::from_request(req, &mut Payload::None).await?;
    match req.match_info().get("user_id") {
        Some(path_id) if path_id != user.id => Err(ApiError::Forbidden(ErrorCode::Forbidden)),
        _ => Ok(user.id),
    }
}

/// A task id is a positive integer; anything else names no task.
fn task_id(req: &HttpRequest) -> Result<i64, ApiError> {
    req.match_info()
        .get("id")
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound(ErrorCode::TaskNotFound))
}

impl FromRequest for Owner {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            Ok(Owner {
                user_id: owner(&req).await?,
            })
        })
    }
}

impl FromRequest for OwnedTask {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user_id = owner(&req).await?;
            Ok(OwnedTask {
                user_id,
                id: task_id(&req)?,
            })
        })
    }
}

/// The request body, not yet read. Extracting it only takes it: actix polls a handler's extractors
/// together, so the handler reads it ([`Body::json`]) once the credentials have been checked.
pub struct Body {
    req: HttpRequest,
    payload: Payload,
}

impl FromRequest for Body {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Body {
            req: req.clone(),
            payload: payload.take(),
        }))
    }
}

impl Body {
    /// Reads the body as JSON ([`json_body`]).
    async fn json(self) -> Result<Option<Value>, ApiError> {
        json_body(&self.req, self.payload).await
    }
}

/// Reads a JSON body up to the configured limit: `None` when empty; 413 when too large, 415 for a
/// non-JSON `Content-Type`, 400 `INVALID_JSON` when malformed.
async fn json_body(req: &HttpRequest, mut payload: Payload) -> Result<Option<Value>, ApiError> {
    let raw = RawBody::from_request(req, &mut payload).await?;
    if raw.bytes.is_empty() {
        return Ok(None);
    }
    if let Some(content_type) = &raw.content_type {
        let base = content_type.split(';').next().unwrap_or("").trim();
        let base = base.to_ascii_lowercase();
        if base != "application/json" && !base.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Content-Type \"{content_type}\" is not allowed. Allowed types: application/json"
            )));
        }
    }
    serde_json::from_slice(&raw.bytes)
        .map(Some)
        .map_err(|_| ApiError::BadRequest(ErrorCode::InvalidJson))
}

/// A JSON response that no shared cache may keep (task data is per user).
fn json(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// The task an owner-scoped query found; `None` is another user's task or none at all, a 404.
fn existing(task: Option<Task>) -> Result<TaskResponse, ApiError> {
    task.map(TaskResponse::from)
        .ok_or(ApiError::NotFound(ErrorCode::TaskNotFound))
}

/// An insert for a user who no longer exists (a JWT outliving its user) violates the owner's
/// foreign key: the credentials name nobody, so it is a 401.
fn unknown_owner(e: DieselError) -> ApiError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            ApiError::BearerRequired
        }
        other => other.into(),
    }
}
