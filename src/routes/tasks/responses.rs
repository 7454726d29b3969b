//! The documented error responses of the task operations, each written once as a
//! `utoipa::IntoResponses` set. Beside its success response, a handler's `responses(...)` lists:
//! - its operation's own errors (`ListErrors`, `CreateErrors`, ...), shared by its two routes;
//! - the errors several operations share (`MalformedJson`, `UnreadableBody`, `TaskNotFound`);
//! - what the extractors answer on every route of a form: `Unauthorized`, and a 403, which is
//!   `NotYours` under `/api/{user_id}/tasks` and `UntrustedOrigin` for writes under `/api/tasks`.
//!
//! The success responses stay in the handlers' attributes: a `body = TaskResponse` there is what
//! registers the `TaskResponse` schema (an `IntoResponses` set registers none). The statuses of
//! the layers around every route (408, 503, ...) are added by `openapi::CommonResponses`. Nothing
//! constructs these types; they exist for the documentation.

use utoipa::IntoResponses;

use crate::error::ErrorBody;

/// Every operation: missing or invalid credentials.
#[derive(IntoResponses)]
#[response(status = 401, description = "Missing or invalid credentials",
    headers(("WWW-Authenticate" = String, description = "`Bearer`")),
    example = json!({"message": "Unauthorized", "code": "UNAUTHORIZED"}))]
pub struct Unauthorized(pub ErrorBody);

/// Every operation under `/api/{user_id}/tasks`: another user's path (checked before the task id).
#[derive(IntoResponses)]
#[response(status = 403, description = "The path's `user_id` is not the authenticated user's (`FORBIDDEN`); for writes, also a session cookie without a trusted Origin",
    example = json!({"message": "You may only access your own tasks", "code": "FORBIDDEN"}))]
pub struct NotYours(pub ErrorBody);

/// Writes under `/api/tasks`: a session cookie without a trusted Origin.
#[derive(IntoResponses)]
#[response(status = 403, description = "A session cookie was sent without a trusted Origin (`INVALID_ORIGIN`, `MISSING_OR_NULL_ORIGIN`)",
    example = json!({"message": "Invalid origin", "code": "INVALID_ORIGIN"}))]
pub struct UntrustedOrigin(pub ErrorBody);

/// List tasks.
#[derive(IntoResponses)]
#[response(status = 400, description = "A bad query parameter (`INVALID_QUERY`)",
    example = json!({"message": "limit must be an integer from 1 to 500", "code": "INVALID_QUERY"}))]
pub struct ListErrors(pub ErrorBody);

/// Create a task.
#[derive(IntoResponses)]
pub enum CreateErrors {
    #[response(status = 400, description = "Malformed JSON (`INVALID_JSON`)",
        example = json!({"message": "Malformed JSON in request body", "code": "INVALID_JSON"}))]
    MalformedJson(ErrorBody),
    #[response(status = 422, description = "Invalid fields (`VALIDATION_ERROR`)",
        example = json!({"message": "title: is required", "code": "VALIDATION_ERROR",
            "errors": [{"field": "title", "message": "is required"}]}))]
    Invalid(ErrorBody),
}

/// Create, replace and update: a body the server will not read.
#[derive(IntoResponses)]
pub enum UnreadableBody {
    #[response(status = 413, description = "Body too large (`PAYLOAD_TOO_LARGE`)")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`)")]
    NotJson(ErrorBody),
}

/// Get a task.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such task of this user (`TASK_NOT_FOUND`)",
    example = json!({"message": "Task not found", "code": "TASK_NOT_FOUND"}))]
pub struct GetErrors(pub ErrorBody);

/// Replace, update and complete: a body that is not JSON (`CreateErrors` has an example).
#[derive(IntoResponses)]
#[response(status = 400, description = "Malformed JSON (`INVALID_JSON`)")]
pub struct MalformedJson(pub ErrorBody);

/// Replace, update, complete and delete: no such task of this user (`GetErrors` has an example).
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such task of this user (`TASK_NOT_FOUND`)"
)]
pub struct TaskNotFound(pub ErrorBody);

/// Replace a task.
#[derive(IntoResponses)]
#[response(status = 422, description = "Invalid fields (`VALIDATION_ERROR`)")]
pub struct ReplaceErrors(pub ErrorBody);

/// Update some fields of a task.
#[derive(IntoResponses)]
#[response(status = 422, description = "Invalid fields (`VALIDATION_ERROR`)",
    example = json!({"message": "title: must not be null", "code": "VALIDATION_ERROR",
        "errors": [{"field": "title", "message": "must not be null"}]}))]
pub struct UpdateErrors(pub ErrorBody);

/// Toggle or set a task's completion.
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "`completed` is not a boolean (`VALIDATION_ERROR`)"
)]
pub struct CompleteErrors(pub ErrorBody);
