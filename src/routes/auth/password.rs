//! Password reset and check: `POST /request-password-reset`, `GET /reset-password/{token}`,
//! `POST /reset-password`, `POST /verify-password` (`better-auth/src/api/routes/password.ts`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Map, Value, json};
use url::Url;
use utoipa::ToSchema;

use super::body::{Kind, RawBody, opt, query_object, req, str_field, validate, validate_query};
use super::guard::{Reply, require_sensitive_session, respond};
use super::sessions::StatusResponse;
use super::{AuthHeaders, AuthRequest, origin_check};
use crate::auth::email::{Template, reset_password_link};
use crate::auth::origin::UrlLabel;
use crate::auth::password::check_length;
use crate::auth::{accounts, sessions, users, verification};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const REQUEST_FIELDS: &[super::body::Field] =
    &[req("email", Kind::Email), opt("redirectTo", Kind::String)];

/// `POST /request-password-reset` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct RequestPasswordResetRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Where the e-mailed link redirects (with `?token=` or `?error=INVALID_TOKEN`).
    #[schema(rename = "redirectTo")]
    #[schema(nullable = false)]
    redirect_to: Option<String>,
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), REQUEST_FIELDS, false)?;
    if !state.mailer.enabled() {
        return Err(ApiError::BadRequest(ErrorCode::ResetPasswordDisabled));
    }
    let email = str_field(obj, "email").unwrap_or_default();
    let mut conn = state.conn().await?;
    let Some(user) = users::find_by_email(&mut conn, email).await? else {
        // The unknown path does the same work: a token and a verification lookup.
        let _ = verification::new_reset_token();
        verification::find(&mut conn, &state.sweeper, "dummy-verification-token").await?;
        tracing::info!(target: "audit", event = "request_password_reset", outcome = "unknown_email");
        return Ok(AuthHeaders::default().json(actix_web::http::StatusCode::OK, &RESET_SENT));
    };
    let token = verification::new_reset_token();
    let identifier = verification::reset_password_identifier(&token);
    let lifetime = state.config.flows.reset_password_token_expires_in;
    verification::create(&mut conn, &identifier, &user.id, lifetime).await?;
    drop(conn);
    let url = reset_password_link(
        &state.config.auth_base(),
        &token,
        str_field(obj, "redirectTo"),
    );
    state
        .mailer
        .send(&user.email, Template::ResetPassword { url });
    tracing::info!(target: "audit", event = "request_password_reset", outcome = "sent", user_id = %user.id);
    Ok(AuthHeaders::default().json(actix_web::http::StatusCode::OK, &RESET_SENT))
}

/// `new URL(callbackURL, baseURL)` with `searchParams.set(key, value)`.
fn redirect_with(base: &str, callback: &str, key: &str, value: &str) -> Option<String> {
    let mut url = Url::parse(base).ok()?.join(callback).ok()?;
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => {
            pairs[i].1 = value.to_owned();
            let mut seen = false;
            pairs.retain(|(k, _)| k != key || !std::mem::replace(&mut seen, true));
        }
        None => pairs.push((key.to_owned(), value.to_owned())),
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
    Some(url.into())
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
    state: web::Data<AppState>,
    token: web::Path<String>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query_object(http.query_string());
    validate_query(&query, &[req("callbackURL", Kind::String)])?;
    state
        .origins
        .check_url(query.get("callbackURL"), UrlLabel::CallbackUrl)?;
    let callback = str_field(&query, "callbackURL").unwrap_or_default();
    let base = state.config.auth_base();
    let invalid = || {
        let target = if callback.is_empty() {
            format!("{base}/error")
        } else {
            callback.to_owned()
        };
        redirect_with(&base, &target, "error", "INVALID_TOKEN")
    };
    let identifier = verification::reset_password_identifier(&token);
    let row = verification::find(&mut *state.conn().await?, &state.sweeper, &identifier).await?;
    let valid = row.is_some_and(|r| r.expires_at >= chrono::Utc::now());
    let location = if callback.is_empty() || !valid {
        invalid()
    } else {
        redirect_with(&base, callback, "token", &token)
    };
    let location =
        location.ok_or_else(|| ApiError::internal(anyhow::anyhow!("unusable callbackURL")))?;
    respond(AuthHeaders::default(), Ok(Reply::Redirect(location)))
}

const RESET_FIELDS: &[super::body::Field] =
    &[req("newPassword", Kind::String), opt("token", Kind::String)];

/// `POST /reset-password` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct ResetPasswordRequest {
    #[schema(rename = "newPassword")]
    new_password: String,
    /// The reset token (or pass it as `?token=`).
    #[schema(nullable = false)]
    token: Option<String>,
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    let query = query_object(http.query_string());
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), RESET_FIELDS, false)?;
    validate_query(&query, &[opt("token", Kind::String)])?;
    let token = str_field(obj, "token")
        .filter(|t| !t.is_empty())
        .or_else(|| str_field(&query, "token").filter(|t| !t.is_empty()))
        .ok_or(ApiError::BadRequest(ErrorCode::InvalidToken))?;
    let new_password = str_field(obj, "newPassword").unwrap_or_default();
    check_length(new_password, true)?;
    let identifier = verification::reset_password_identifier(token);
    let user_id = {
        let mut conn = state.conn().await?;
        let row = verification::find(&mut conn, &state.sweeper, &identifier).await?;
        let row = row
            .filter(|r| r.expires_at >= chrono::Utc::now())
            .ok_or(ApiError::BadRequest(ErrorCode::InvalidToken))?;
        users::find_by_id(&mut conn, &row.value)
            .await?
            .ok_or(ApiError::BadRequest(ErrorCode::UserNotFound))?
            .id
    };
    let hash = state.hasher.hash(&SecretString::from(new_password)).await?;
    let revoke = state.config.flows.revoke_sessions_on_password_reset;
    let mut conn = state.conn().await?;
    diesel_async::AsyncConnection::transaction(&mut *conn, async |conn| {
        if verification::consume(conn, &identifier).await?.is_none() {
            return Err(ApiError::BadRequest(ErrorCode::InvalidToken));
        }
        if revoke {
            sessions::delete_all_for_user(conn, &user_id).await?;
        }
        accounts::set_credential_password(conn, &user_id, &hash).await?;
        Ok(())
    })
    .await?;
    tracing::info!(target: "audit", event = "reset_password", user_id = %user_id, revoked_sessions = revoke);
    Ok(AuthHeaders::default().json(actix_web::http::StatusCode::OK, &json!({"status": true})))
}

/// Check the caller's password (Better Auth marks this server-only, so it is not in the OpenAPI
/// document, but it is routable over HTTP).
#[post("/verify-password")]
pub async fn verify_password(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), &[req("password", Kind::String)], false)?;
    let authed = require_sensitive_session(&state, &ctx).await?;
    let result = check_own_password(&state, &authed.user.id, obj).await;
    respond(authed.headers, result)
}

/// `validatePassword`: no credential account counts as a wrong password (and hashes nothing).
async fn check_own_password(
    state: &AppState,
    user_id: &str,
    obj: &Map<String, Value>,
) -> Result<Reply, ApiError> {
    let password = str_field(obj, "password").unwrap_or_default();
    check_length(password, false)?;
    let account = users::find_credential_account(&mut *state.conn().await?, user_id).await?;
    let matches = match account.and_then(|a| a.password) {
        Some(stored) => {
            state
                .hasher
                .verify(&SecretString::from(password), &stored)
                .await?
        }
        None => false,
    };
    if !matches {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    Ok(Reply::Json(json!({"status": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost:3000/api/auth";

    #[test]
    fn callbacks_resolve_against_the_base_url_and_set_one_parameter() {
        assert_eq!(
            redirect_with(BASE, "/reset", "token", "abc").as_deref(),
            Some("http://localhost:3000/reset?token=abc")
        );
        assert_eq!(
            redirect_with(
                BASE,
                "http://localhost:3001/r?a=1&token=x&token=y",
                "token",
                "abc"
            )
            .as_deref(),
            Some("http://localhost:3001/r?a=1&token=abc")
        );
        assert_eq!(
            redirect_with(BASE, &format!("{BASE}/error"), "error", "INVALID_TOKEN").as_deref(),
            Some("http://localhost:3000/api/auth/error?error=INVALID_TOKEN")
        );
    }
}
