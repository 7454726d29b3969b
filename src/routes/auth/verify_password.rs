//! `POST /verify-password` (`better-auth/src/api/routes/password.ts` `verifyPassword`).

use actix_web::{post, web};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::AuthContext;
use super::StatusResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::session_guard::Sensitive;
use super::zod::{Kind, req};
use crate::auth::password::check_length;
use crate::auth::users;
use crate::error::{ApiError, ErrorCode};

/// `POST /verify-password` body.
#[derive(Deserialize)]
pub struct VerifyPasswordRequest {
    password: SecretString,
}

impl AuthBody for VerifyPasswordRequest {
    const SHAPE: Shape = Shape::Object(&[req("password", Kind::String)]);
}

/// Check the caller's password (Better Auth marks this server-only, so it is not in the OpenAPI
/// document, but it is routable over HTTP). No credential account counts as a wrong password,
/// and hashes nothing (`validatePassword`).
#[post("/verify-password")]
pub async fn verify_password(
    ctx: AuthContext,
    AuthJson { body, session, .. }: AuthJson<VerifyPasswordRequest, Sensitive>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    check_length(body.password.expose_secret(), false)?;
    let mut conn = ctx.conn().await?;
    let account = users::find_credential_account(&mut conn, &session.user.id).await?;
    drop(conn);
    let matches = match account.and_then(|a| a.password) {
        Some(stored) => ctx.hasher.verify(&body.password, &stored).await?,
        None => false,
    };
    if !matches {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    Ok(web::Json(StatusResponse::OK))
}
