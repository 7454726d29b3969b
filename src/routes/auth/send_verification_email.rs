//! `POST /send-verification-email` (`better-auth/src/api/routes/email-verification.ts`).

use std::time::{Duration, Instant};

use actix_web::{post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AuthContext;
use super::StatusResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::mail::{send_verification, sign_token};
use super::session_guard::{OptionalSession, SessionPolicy as _};
use super::zod::{Kind, opt, req};
use crate::auth::email_token::EmailToken;
use crate::auth::users;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// Better Auth's timing floor for the no-session path of send-verification-email.
const MINIMUM_DURATION: Duration = Duration::from_millis(500);

/// `POST /send-verification-email` body.
#[derive(Deserialize, ToSchema)]
pub struct SendVerificationEmailRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Where the link finally redirects (default `/`).
    #[serde(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
}

impl AuthBody for SendVerificationEmailRequest {
    const SHAPE: Shape =
        Shape::Object(&[req("email", Kind::Email), opt("callbackURL", Kind::String)]);
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
    ctx: AuthContext,
    AuthJson { body, .. }: AuthJson<SendVerificationEmailRequest>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    if !ctx.mailer.enabled() {
        return Err(ApiError::BadRequest(ErrorCode::VerificationEmailNotEnabled));
    }
    let callback = body.callback_url.as_deref();
    let Some(caller) = OptionalSession::lookup(&ctx).await? else {
        send_signed_out(&ctx, &body.email, callback).await?;
        return Ok(web::Json(StatusResponse::OK));
    };
    if caller.user.email.to_lowercase() != body.email.to_lowercase() {
        return Err(ApiError::BadRequest(ErrorCode::EmailMismatch));
    }
    if caller.user.email_verified {
        return Err(ApiError::BadRequest(ErrorCode::EmailAlreadyVerified));
    }
    send_verification(&ctx, &caller.user.id, &caller.user.email, callback)?;
    Ok(web::Json(StatusResponse::OK))
}

/// The signed-out path: same answer and at least the same duration whatever the address is.
async fn send_signed_out(
    state: &AppState,
    email: &str,
    callback: Option<&str>,
) -> Result<(), ApiError> {
    let start = Instant::now();
    let user = users::find_by_email(&mut state.conn().await?, email).await?;
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
