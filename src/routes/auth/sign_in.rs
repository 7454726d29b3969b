//! `POST /sign-in/email` (`better-auth/src/api/routes/sign-in.ts`).

use actix_web::{HttpResponse, http::StatusCode, post, web};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{Kind, RawBody, bool_field, opt, req, str_field, validate};
use super::mail::send_verification;
use super::{AuthRequest, UserResponse, origin_check, start_session};
use crate::auth::password::check_length;
use crate::auth::users;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const FIELDS: &[super::body::Field] = &[
    req("email", Kind::String),
    req("password", Kind::String),
    opt("callbackURL", Kind::String),
    opt("rememberMe", Kind::Boolean),
];

/// Sign-in request body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
#[schema(example = json!({"email": "alice@example.com", "password": "correct horse battery", "rememberMe": true}))]
pub struct SignInRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    password: String,
    #[schema(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    #[schema(rename = "rememberMe")]
    #[schema(nullable = false)]
    remember_me: Option<bool>,
}

/// Sign-in response.
#[derive(Serialize, ToSchema)]
pub struct SignInResponse {
    /// Whether the client should navigate to `url`.
    redirect: bool,
    /// The raw session token.
    token: String,
    /// The callback URL, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    user: UserResponse,
}

/// Sign in with email and password.
///
/// Verifies the password, creates a session and sets the session cookie. An unknown email and a
/// wrong password get the same 401 after the same amount of work.
#[utoipa::path(
    tag = "auth",
    request_body(content = SignInRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in", body = SignInResponse,
            headers(("set-auth-token" = String, description = "Signed session token (bearer plugin)"))),
        (status = 400, description = "Validation failed, invalid email, or password too long", body = ErrorBody),
        (status = 401, description = "Invalid email or password", body = ErrorBody),
        (status = 403, description = "Origin or CSRF check failed, or email not verified", body = ErrorBody),
    )
)]
#[post("/sign-in/email")]
pub async fn sign_in_email(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(true)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), FIELDS, false)?;
    ctx.validate_form_csrf(&state)?;
    let email = str_field(obj, "email").unwrap_or_default();
    let password = SecretString::from(str_field(obj, "password").unwrap_or_default());
    if !users::is_valid_email(email) {
        return Err(ApiError::BadRequest(ErrorCode::InvalidEmail));
    }
    // sign-in.ts checks only the maximum.
    check_length(secrecy::ExposeSecret::expose_secret(&password), false)?;
    let found = {
        let mut conn = state.conn().await?;
        match users::find_by_email(&mut conn, email).await? {
            Some(user) => {
                let account = users::find_credential_account(&mut conn, &user.id).await?;
                account.and_then(|a| a.password).map(|hash| (user, hash))
            }
            None => None,
        }
    };
    let audit_failure = |reason: &str| {
        tracing::info!(target: "audit", event = "sign_in", outcome = "failure", reason, ip = %ctx.client.ip_address, user_agent = %ctx.client.user_agent);
    };
    let Some((user, hash)) = found else {
        state.hasher.verify_dummy(&password).await?;
        audit_failure("unknown_user");
        return Err(ApiError::Unauthorized(ErrorCode::InvalidEmailOrPassword));
    };
    if !state.hasher.verify(&password, &hash).await? {
        audit_failure("invalid_password");
        return Err(ApiError::Unauthorized(ErrorCode::InvalidEmailOrPassword));
    }
    if state.config.flows.require_email_verification && !user.email_verified {
        // sign-in.ts: optionally re-send the link, then refuse.
        if state.mailer.enabled() && state.config.flows.send_verification_on_sign_in {
            send_verification(&state, &user.id, &user.email, str_field(obj, "callbackURL"))?;
        }
        audit_failure("email_not_verified");
        return Err(ApiError::Forbidden(ErrorCode::EmailNotVerified));
    }
    let upgraded = if state.hasher.needs_upgrade(&hash) {
        Some(state.hasher.hash(&password).await?)
    } else {
        None
    };
    let mut conn = state.conn().await?;
    if let Some(new_hash) = upgraded {
        users::update_password(&mut conn, &user.id, &new_hash).await?;
    }
    let remember_me = bool_field(obj, "rememberMe");
    let (session, mut headers) = start_session(&state, &mut conn, &ctx, &user, remember_me).await?;
    tracing::info!(target: "audit", event = "sign_in", outcome = "success", user_id = %user.id, ip = %ctx.client.ip_address, user_agent = %ctx.client.user_agent);
    let url = str_field(obj, "callbackURL")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(url) = &url {
        headers.location(url.clone());
    }
    let body = SignInResponse {
        redirect: url.is_some(),
        token: session.token,
        url,
        user: user.into(),
    };
    Ok(headers.json(StatusCode::OK, &body))
}
