//! `POST /send-verification-email` and `GET /verify-email`
//! (`better-auth/src/api/routes/email-verification.ts`).

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::body::{Kind, RawBody, link_query, opt, req, str_field, validate};
use super::email_change::{append_query, confirm_change};
use super::guard::{Reply, issue_session, lookup_session, respond};
use super::mail::{send_verification, sign_token};
use super::sessions::StatusResponse;
use super::{AuthHeaders, AuthRequest, UserResponse, origin_check};
use crate::auth::email_token::{self, EmailClaims, EmailToken, TokenError};
use crate::auth::{sessions, users};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const SEND_FIELDS: &[super::body::Field] =
    &[req("email", Kind::Email), opt("callbackURL", Kind::String)];

/// Better Auth's timing floor for the no-session path of send-verification-email.
const MINIMUM_DURATION: Duration = Duration::from_millis(500);

/// `POST /send-verification-email` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct SendVerificationEmailRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Where the link finally redirects (default `/`).
    #[schema(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
}

/// (Re)send the e-mail verification link.
///
/// Signed in: the address must be the caller's and not yet verified. Signed out: always
/// `{"status":true}` after at least 500 ms, mailing only an unverified known address.
#[utoipa::path(
    tag = "auth",
    request_body(content = SendVerificationEmailRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Sent (or nothing to do, when signed out)", body = StatusResponse),
        (status = 400, description = "E-mail off, address mismatch, already verified, or validation", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/send-verification-email")]
pub async fn send_verification_email(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), SEND_FIELDS, false)?;
    if !state.mailer.enabled() {
        return Err(ApiError::BadRequest(ErrorCode::VerificationEmailNotEnabled));
    }
    let email = str_field(obj, "email").unwrap_or_default();
    let callback = str_field(obj, "callbackURL");
    let mut headers = AuthHeaders::default();
    let result = async {
        let Some(caller) = lookup_session(&state, &ctx, &mut headers, false).await? else {
            send_signed_out(&state, email, callback).await?;
            return Ok(Reply::Json(json!({"status": true})));
        };
        if caller.user.email.to_lowercase() != email.to_lowercase() {
            return Err(ApiError::BadRequest(ErrorCode::EmailMismatch));
        }
        if caller.user.email_verified {
            return Err(ApiError::BadRequest(ErrorCode::EmailAlreadyVerified));
        }
        send_verification(&state, &caller.user.id, &caller.user.email, callback)?;
        Ok(Reply::Json(json!({"status": true})))
    }
    .await;
    respond(headers, result)
}

/// The signed-out path: same answer and at least the same duration whatever the address is.
async fn send_signed_out(
    state: &AppState,
    email: &str,
    callback: Option<&str>,
) -> Result<(), ApiError> {
    let start = Instant::now();
    let user = users::find_by_email(&mut *state.conn().await?, email).await?;
    let outcome = match user {
        Some(user) if !user.email_verified => {
            send_verification(state, &user.id, &user.email, callback)
        }
        _ => sign_token(
            state,
            EmailToken {
                email,
                ..EmailToken::default()
            },
        )
        .map(drop),
    };
    if let Some(rest) = MINIMUM_DURATION.checked_sub(start.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    outcome
}

/// Follow an e-mailed verification link.
///
/// Marks the address verified (or completes an e-mail change), optionally signs the user in, then
/// redirects to `callbackURL` or answers JSON. Errors redirect to `callbackURL?error=<CODE>` when a
/// callback is given, else are `401`.
#[utoipa::path(
    tag = "auth",
    params(
        ("token" = String, Query, description = "The JWT from the e-mail"),
        ("callbackURL" = Option<String>, Query, description = "Where to redirect afterwards"),
    ),
    responses(
        (status = 200, description = "Verified; `user` is set for e-mail changes, else null"),
        (status = 302, description = "Redirect to callbackURL (with `?error=` on failure)"),
        (status = 400, description = "Validation failed", body = ErrorBody),
        (status = 401, description = "Invalid or expired token, unknown or wrong user", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = link_query(http.query_string(), &state.origins)?;
    let token = str_field(&query, "token").unwrap_or_default();
    let callback = str_field(&query, "callbackURL").filter(|c| !c.is_empty());
    let mut headers = AuthHeaders::default();
    let result = match email_token::verify(&state.config.secrets, token) {
        Ok(claims) if claims.update_to.is_some() => {
            confirm_change(&state, &ctx, &mut headers, &claims, callback).await
        }
        Ok(claims) => verify_address(&state, &ctx, &mut headers, &claims, callback).await,
        Err(TokenError::Expired) => Err(ApiError::Unauthorized(ErrorCode::TokenExpired)),
        Err(TokenError::Invalid) => Err(ApiError::Unauthorized(ErrorCode::InvalidToken)),
    };
    respond(headers, redirect_errors(result, callback))
}

/// `redirectOnError`: with a callback, a 401 becomes `302 <callbackURL>?error=<CODE>`.
fn redirect_errors(
    result: Result<Reply, ApiError>,
    callback: Option<&str>,
) -> Result<Reply, ApiError> {
    match (result, callback) {
        (Err(ApiError::Unauthorized(code)), Some(callback)) => {
            append_query(callback, "error", code.as_str())
                .map(Reply::Redirect)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unusable callbackURL")))
        }
        (result, _) => result,
    }
}

/// Success: redirect to the callback verbatim, or answer `body`.
pub(super) fn done(callback: Option<&str>, body: Value) -> Reply {
    match callback {
        Some(callback) => Reply::Redirect(callback.to_owned()),
        None => Reply::Json(body),
    }
}

/// A plain verification token: mark the address verified, then optionally sign in.
async fn verify_address(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
    claims: &EmailClaims,
    callback: Option<&str>,
) -> Result<Reply, ApiError> {
    let unauthorized = |code| Err(ApiError::Unauthorized(code));
    let Some(user) = users::find_by_email(&mut *state.conn().await?, &claims.email).await? else {
        return unauthorized(ErrorCode::UserNotFound);
    };
    if claims.user_id.as_ref().is_some_and(|id| *id != user.id) {
        return unauthorized(ErrorCode::InvalidToken);
    }
    let body = json!({"status": true, "user": null});
    if user.email_verified {
        return Ok(done(callback, body));
    }
    users::mark_verified(&mut *state.conn().await?, &claims.email).await?;
    tracing::info!(target: "audit", event = "verify_email", user_id = %user.id);
    if state.config.flows.auto_sign_in_after_verification {
        let current = lookup_session(state, ctx, headers, false).await?;
        let token = match current {
            Some(current) if current.user.email == claims.email => current.session.token,
            _ => {
                let lifetime = state.config.session.expires_in;
                let mut conn = state.conn().await?;
                sessions::create(&mut conn, &user.id, &ctx.client, lifetime)
                    .await?
                    .token
            }
        };
        issue_session(state, ctx, headers, &token, None, false).await?;
    }
    Ok(done(callback, body))
}

/// `{"status":true,"user":{...}}` for a completed e-mail change.
pub(super) fn status_with_user(user: crate::db::models::User) -> Value {
    json!({"status": true, "user": UserResponse::from(user)})
}
