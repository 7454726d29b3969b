//! Session management: `GET /list-sessions`, `POST /revoke-session`, `/revoke-sessions`,
//! `/revoke-other-sessions`, `/update-session` (`better-auth/src/api/routes/session.ts`,
//! `update-session.ts`).

use actix_web::{get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AuthContext;
use super::body::{AnyBody, AuthBody, AuthJson, Shape};
use super::session_guard::{Fresh, Required, Sensitive, Session};
use super::zod::{Kind, req};
use super::{SessionResponse, StatusResponse};
use crate::error::{ApiError, ErrorBody};

/// `POST /revoke-session` body.
#[derive(Deserialize, ToSchema)]
pub struct RevokeSessionRequest {
    /// The raw token of the session to revoke.
    token: String,
}

impl AuthBody for RevokeSessionRequest {
    const SHAPE: Shape = Shape::Object(&[req("token", Kind::String)]);
}

/// `POST /update-session` body: any object.
#[derive(Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct UpdateSessionRequest(
    #[expect(dead_code, reason = "no additional session fields are configured")]
    serde_json::Map<String, serde_json::Value>,
);

impl AuthBody for UpdateSessionRequest {
    const SHAPE: Shape = Shape::Record;
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
    ctx: AuthContext,
    Session(caller): Session<Fresh>,
) -> Result<web::Json<Vec<SessionResponse>>, ApiError> {
    let mut conn = ctx.conn().await?;
    let list = ctx.sessions().list(&mut conn, &caller.user.id).await?;
    Ok(web::Json(list.into_iter().map(Into::into).collect()))
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
    ctx: AuthContext,
    request: AuthJson<RevokeSessionRequest, Sensitive>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let (token, caller) = (request.body.token, request.session);
    let mut conn = ctx.conn().await?;
    ctx.sessions()
        .delete_owned(&mut conn, &caller.user.id, &token)
        .await?;
    if token == caller.session.token {
        ctx.clear_session();
    }
    Ok(web::Json(StatusResponse::OK))
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
    ctx: AuthContext,
    request: AuthJson<AnyBody, Sensitive>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let mut conn = ctx.conn().await?;
    let user_id = &request.session.user.id;
    let revoked = ctx.sessions().delete_all_for_user(&mut conn, user_id);
    revoked.await?.apply().await?;
    ctx.clear_session();
    Ok(web::Json(StatusResponse::OK))
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
    ctx: AuthContext,
    request: AuthJson<AnyBody, Sensitive>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let caller = request.session;
    let mut conn = ctx.conn().await?;
    let (user_id, token) = (&caller.user.id, &caller.session.token);
    ctx.sessions()
        .delete_others(&mut conn, user_id, token)
        .await?;
    Ok(web::Json(StatusResponse::OK))
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
    _: AuthJson<UpdateSessionRequest, Required>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    // `parseSessionInput` keeps only configured additional fields, and there are none.
    Err(ApiError::BadRequestMessageOnly("No fields to update"))
}
