//! Session management: `GET /list-sessions`, `POST /revoke-session`, `/revoke-sessions`,
//! `/revoke-other-sessions`, `/update-session` (`better-auth/src/api/routes/session.ts`,
//! `update-session.ts`).

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::body::{Kind, RawBody, req, str_field, validate, validate_record};
use super::guard::{
    Reply, require_fresh_session, require_sensitive_session, require_session, respond,
};
use super::{AuthRequest, SessionResponse, origin_check};
use crate::auth::sessions;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `{"status": true}`, the body of most state-changing auth endpoints.
#[derive(Serialize, ToSchema)]
pub struct StatusResponse {
    #[schema(example = true)]
    pub status: bool,
}

/// `POST /revoke-session` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct RevokeSessionRequest {
    /// The raw token of the session to revoke.
    token: String,
}

/// List the caller's active sessions.
///
/// Requires a fresh session (created less than `SESSION_FRESH_AGE` ago). Session objects include
/// their raw tokens, as Better Auth's do.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Unexpired sessions, oldest first", body = Vec<SessionResponse>),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "Session is not fresh", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/list-sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    ctx: AuthRequest,
) -> Result<HttpResponse, ApiError> {
    let authed = require_fresh_session(&state, &ctx).await?;
    let result = async {
        let list = sessions::list_active(&mut *state.conn().await?, &authed.user.id).await?;
        let list: Vec<SessionResponse> = list.into_iter().map(Into::into).collect();
        Reply::json(&list)
    }
    .await;
    respond(authed.headers, result)
}

/// Revoke one of the caller's sessions by its token.
///
/// Always answers `{"status":true}`, also for unknown tokens and other users' tokens (which are left
/// alone). Revoking the current session expires the session cookies.
#[utoipa::path(
    tag = "auth",
    request_body(content = RevokeSessionRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = StatusResponse),
        (status = 400, description = "Validation failed", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/revoke-session")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), &[req("token", Kind::String)], false)?;
    let mut authed = require_sensitive_session(&state, &ctx).await?;
    let token = str_field(obj, "token").unwrap_or_default();
    let result = async {
        sessions::delete_owned(&mut *state.conn().await?, &authed.user.id, token).await?;
        Ok(Reply::Json(json!({"status": true})))
    }
    .await;
    if result.is_ok() && token == authed.session.token {
        authed.headers.clear_session(&state, &ctx);
    }
    respond(authed.headers, result)
}

/// Revoke all of the caller's sessions, the current one included; expires the session cookies.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Done", body = StatusResponse),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/revoke-sessions")]
pub async fn revoke_sessions(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let mut authed = require_sensitive_session(&state, &ctx).await?;
    let result = async {
        sessions::delete_all_for_user(&mut *state.conn().await?, &authed.user.id).await?;
        Ok(Reply::Json(json!({"status": true})))
    }
    .await;
    if result.is_ok() {
        authed.headers.clear_session(&state, &ctx);
    }
    respond(authed.headers, result)
}

/// Revoke every session of the caller except the current one.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Done", body = StatusResponse),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/revoke-other-sessions")]
pub async fn revoke_other_sessions(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let authed = require_sensitive_session(&state, &ctx).await?;
    let result = async {
        let mut conn = state.conn().await?;
        sessions::delete_others(&mut conn, &authed.user.id, &authed.session.token).await?;
        Ok(Reply::Json(json!({"status": true})))
    }
    .await;
    respond(authed.headers, result)
}

/// Update the current session's additional fields.
///
/// This server configures no additional session fields (as Better Auth's default), so every
/// valid request is answered `400 {"message":"No fields to update"}`.
#[utoipa::path(
    tag = "auth",
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 400, description = "No fields to update, or not an object", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/update-session")]
pub async fn update_session(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    validate_record(body.as_ref())?;
    let authed = require_session(&state, &ctx).await?;
    // `parseSessionInput` keeps only configured additional fields, and there are none.
    respond(
        authed.headers,
        Err(ApiError::BadRequestMessageOnly("No fields to update")),
    )
}
