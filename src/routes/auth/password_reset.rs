//! Password reset: `POST /request-password-reset`, `GET /reset-password/{token}` and
//! `POST /reset-password` (`better-auth/src/api/routes/password.ts`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AuthContext;
use super::StatusResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::response::redirect;
use super::zod::{Kind, opt, query_object, req, validate_query};
use crate::auth::audit::Audit;
use crate::auth::callback_url::redirect_with;
use crate::auth::email::{Template, reset_password_link};
use crate::auth::origin::UrlLabel;
use crate::auth::password::check_length;
use crate::auth::{accounts, users, verification};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// `POST /request-password-reset` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestPasswordResetRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Where the e-mailed link redirects (with `?token=` or `?error=INVALID_TOKEN`).
    #[schema(nullable = false)]
    redirect_to: Option<String>,
}

impl AuthBody for RequestPasswordResetRequest {
    const SHAPE: Shape =
        Shape::Object(&[req("email", Kind::Email), opt("redirectTo", Kind::String)]);
}

/// `POST /request-password-reset` response; the same whether or not the address is known.
#[derive(Serialize, ToSchema)]
pub struct RequestPasswordResetResponse {
    status: bool,
    message: &'static str,
}

const RESET_SENT: RequestPasswordResetResponse = RequestPasswordResetResponse {
    status: true,
    message: "If this email exists in our system, check your email for the reset link",
};

/// Mail a password-reset link.
///
/// Answers the same for known and unknown addresses (after the same database work), so the
/// answer reveals nothing.
#[utoipa::path(
    tag = "auth",
    request_body(content = RequestPasswordResetRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Link sent if the address is known", body = RequestPasswordResetResponse),
        (status = 400, description = "Validation failed, or e-mail is off", body = ErrorBody),
        (status = 403, description = "Untrusted redirectTo", body = ErrorBody),
    )
)]
#[post("/request-password-reset")]
pub async fn request_password_reset(
    ctx: AuthContext,
    AuthJson { body, .. }: AuthJson<RequestPasswordResetRequest>,
) -> Result<web::Json<RequestPasswordResetResponse>, ApiError> {
    if !ctx.mailer.enabled() {
        return Err(ApiError::BadRequest(ErrorCode::ResetPasswordDisabled));
    }
    let mut conn = ctx.conn().await?;
    let Some(user) = users::find_by_email(&mut conn, &body.email).await? else {
        // The unknown path does the same work: a token and a verification lookup.
        let _ = verification::new_reset_token();
        let dummy = "dummy-verification-token";
        ctx.verifications()
            .find(&mut conn, &ctx.sweeper, dummy)
            .await?;
        Audit::event("request_password_reset")
            .outcome("unknown_email")
            .log();
        return Ok(web::Json(RESET_SENT));
    };
    let token = verification::new_reset_token();
    let identifier = verification::reset_password_identifier(&token);
    let lifetime = ctx.config.flows.reset_password_token_expires_in;
    let store = ctx.verifications();
    store
        .create(&mut conn, &identifier, &user.id, lifetime)
        .await?;
    drop(conn);
    let url = reset_password_link(&ctx.config.auth_base(), &token, body.redirect_to.as_deref());
    ctx.mailer
        .send(&user.email, Template::ResetPassword { url });
    Audit::success("request_password_reset", &user.id)
        .outcome("sent")
        .log();
    Ok(web::Json(RESET_SENT))
}

/// Follow the e-mailed reset link: redirects to `callbackURL?token=<token>`, or with
/// `?error=INVALID_TOKEN` when the token is unknown or expired.
#[utoipa::path(
    tag = "auth",
    params(
        ("token" = String, Path, description = "The reset token from the e-mail"),
        ("callbackURL" = String, Query, description = "The page that asks for the new password"),
    ),
    responses(
        (status = 302, description = "Redirect to callbackURL with `token` or `error`"),
        (status = 400, description = "callbackURL missing", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
    )
)]
#[get("/reset-password/{token}")]
pub async fn reset_password_callback(
    ctx: AuthContext,
    token: web::Path<String>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query_object(http.query_string());
    validate_query(&query, &[req("callbackURL", Kind::String)])?;
    let callback = query.get("callbackURL");
    ctx.origins.check_url(callback, UrlLabel::CallbackUrl)?;
    let callback = callback.and_then(|c| c.as_str()).unwrap_or_default();
    let identifier = verification::reset_password_identifier(&token);
    let mut conn = ctx.conn().await?;
    let row = ctx
        .verifications()
        .find(&mut conn, &ctx.sweeper, &identifier);
    let row = row.await?;
    let valid = row.is_some_and(|r| r.expires_at >= chrono::Utc::now());
    let base = ctx.config.auth_base();
    let location = match (callback.is_empty(), valid) {
        (false, true) => redirect_with(&base, callback, "token", &token),
        (true, _) => redirect_with(&base, &format!("{base}/error"), "error", "INVALID_TOKEN"),
        (false, false) => redirect_with(&base, callback, "error", "INVALID_TOKEN"),
    };
    let location =
        location.ok_or_else(|| ApiError::internal(anyhow::anyhow!("unusable callbackURL")))?;
    Ok(redirect(&location))
}

/// `POST /reset-password` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    #[schema(value_type = String)]
    new_password: SecretString,
    /// The reset token (or pass it as `?token=`).
    #[schema(nullable = false)]
    token: Option<String>,
}

impl AuthBody for ResetPasswordRequest {
    const SHAPE: Shape =
        Shape::Object(&[req("newPassword", Kind::String), opt("token", Kind::String)]);
}

/// Set a new password with a reset token.
///
/// The token is single-use. With `REVOKE_SESSIONS_ON_PASSWORD_RESET`, every session of the user is
/// deleted. A user without a credential account gets one.
#[utoipa::path(
    tag = "auth",
    request_body(content = ResetPasswordRequest, content_type = "application/json"),
    params(("token" = Option<String>, Query, description = "The reset token, if not in the body")),
    responses(
        (status = 200, description = "Password changed", body = StatusResponse),
        (status = 400, description = "Invalid token, password length, unknown user, or validation", body = ErrorBody),
    )
)]
#[post("/reset-password")]
pub async fn reset_password(
    ctx: AuthContext,
    AuthJson { body, .. }: AuthJson<ResetPasswordRequest>,
    http: HttpRequest,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let query = query_object(http.query_string());
    validate_query(&query, &[opt("token", Kind::String)])?;
    let query_token = query.get("token").and_then(|t| t.as_str());
    let token = body.token.as_deref().filter(|t| !t.is_empty());
    let token = token.or(query_token.filter(|t| !t.is_empty()));
    let token = token.ok_or(ApiError::BadRequest(ErrorCode::InvalidToken))?;
    check_length(body.new_password.expose_secret(), true)?;
    let identifier = verification::reset_password_identifier(token);
    let user_id = reset_user(&ctx, &identifier).await?;
    // No connection is held while the new password is hashed.
    let hash = ctx.hasher.hash(&body.new_password).await?;
    let revoke = ctx.config.flows.revoke_sessions_on_password_reset;
    let mut conn = ctx.conn().await?;
    let revoked = conn
        .transaction(async |conn| {
            let consumed = ctx.verifications().consume(conn, &identifier).await?;
            if consumed.is_none() {
                return Err(ApiError::BadRequest(ErrorCode::InvalidToken));
            }
            let revoked = match revoke {
                true => Some(ctx.sessions().delete_all_for_user(conn, &user_id).await?),
                false => None,
            };
            accounts::set_credential_password(conn, &user_id, &hash).await?;
            Ok(revoked)
        })
        .await?;
    if let Some(revoked) = revoked {
        revoked.apply().await?;
    }
    Audit::success("reset_password", &user_id)
        .revoked_sessions(revoke)
        .log();
    Ok(web::Json(StatusResponse::OK))
}

/// The user a live reset token (by its `identifier`) was issued to.
async fn reset_user(state: &AppState, identifier: &str) -> Result<String, ApiError> {
    let mut conn = state.conn().await?;
    let row = state
        .verifications()
        .find(&mut conn, &state.sweeper, identifier);
    let row = row.await?;
    let row = row
        .filter(|r| r.expires_at >= chrono::Utc::now())
        .ok_or(ApiError::BadRequest(ErrorCode::InvalidToken))?;
    let user = users::find_by_id(&mut conn, &row.value).await?;
    Ok(user
        .ok_or(ApiError::BadRequest(ErrorCode::UserNotFound))?
        .id)
}
