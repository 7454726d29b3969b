//! `POST /change-password` (`better-auth/src/api/routes/update-user.ts` `changePassword`).

use actix_web::{post, web};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AuthContext;
use super::UserResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::session_guard::{Sensitive, issue_session};
use super::zod::{Kind, opt, req};
use crate::auth::audit::Audit;
use crate::auth::password::check_length;
use crate::auth::session_store::StoreError;
use crate::auth::users;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// `POST /change-password` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[schema(value_type = String)]
    new_password: SecretString,
    #[schema(value_type = String)]
    current_password: SecretString,
    /// Delete every session (the current one too) and sign in afresh.
    #[schema(nullable = false)]
    revoke_other_sessions: Option<bool>,
}

impl AuthBody for ChangePasswordRequest {
    const SHAPE: Shape = Shape::Object(&[
        req("newPassword", Kind::String),
        req("currentPassword", Kind::String),
        opt("revokeOtherSessions", Kind::Boolean),
    ]);
}

/// `POST /change-password` response.
#[derive(Serialize, ToSchema)]
pub struct ChangePasswordResponse {
    /// The new session's raw token when sessions were revoked, else `null`.
    token: Option<String>,
    user: UserResponse,
}

/// Change the caller's password.
///
/// With `revokeOtherSessions`, every session of the user is deleted and a new one is created and
/// set as the cookie.
#[utoipa::path(
    tag = "auth",
    request_body(content = ChangePasswordRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = ChangePasswordResponse),
        (status = 400, description = "Validation, length, no credential account, or wrong current password", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/change-password")]
pub async fn change_password(
    ctx: AuthContext,
    AuthJson { body, session, .. }: AuthJson<ChangePasswordRequest, Sensitive>,
) -> Result<web::Json<ChangePasswordResponse>, ApiError> {
    let revoke = body.revoke_other_sessions == Some(true);
    let user_id = session.user.id.as_str();
    let hash = new_hash(&ctx, user_id, &body).await?;
    let lifetime = ctx.config.session.expires_in;
    let mut conn = ctx.conn().await?;
    let (token, revoked) = conn
        .transaction(async |conn| {
            let revoked = match revoke {
                true => Some(ctx.sessions().delete_all_for_user(conn, user_id).await?),
                false => None,
            };
            users::update_password(conn, user_id, &hash).await?;
            if !revoke {
                return Ok::<_, StoreError>((None, revoked));
            }
            let client = &ctx.request.client;
            let session = ctx.sessions().create(conn, &session.user, client, lifetime);
            let session = session.await?;
            Ok((Some(session.token), revoked))
        })
        .await?;
    if let Some(revoked) = revoked {
        revoked.apply().await?;
    }
    Audit::success("change_password", user_id)
        .revoked_sessions(revoke)
        .log();
    if let Some(token) = &token {
        issue_session(&ctx, &mut conn, token, None, false).await?;
    }
    Ok(web::Json(ChangePasswordResponse {
        token,
        user: session.user.into(),
    }))
}

/// The new password's hash, once both lengths and the current password check out; no connection
/// is held while either is hashed. Better Auth hashes the new password before checking the current one.
async fn new_hash(
    state: &AppState,
    user_id: &str,
    body: &ChangePasswordRequest,
) -> Result<String, ApiError> {
    check_length(body.new_password.expose_secret(), true)?;
    check_length(body.current_password.expose_secret(), false)?;
    let account = users::find_credential_account(&mut state.conn().await?, user_id).await?;
    let Some(stored) = account.and_then(|a| a.password) else {
        return Err(ApiError::BadRequest(ErrorCode::CredentialAccountNotFound));
    };
    let hash = state.hasher.hash(&body.new_password).await?;
    if !state.hasher.verify(&body.current_password, &stored).await? {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    Ok(hash)
}
