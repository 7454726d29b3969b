//! `POST /sign-in/email` (`better-auth/src/api/routes/sign-in.ts`).

use actix_web::{post, web};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AuthContext;
use super::UserResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::mail::send_verification;
use super::session_guard::start_session;
use super::zod::{Kind, opt, req};
use crate::auth::audit::Audit;
use crate::auth::credentials::{self, Authenticated, SignInError};
use crate::auth::password::check_length;
use crate::auth::users;
use crate::db::models::Session;
use crate::error::{ApiError, ErrorBody, ErrorCode};

/// Sign-in request body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"email": "alice@example.com", "password": "correct horse battery", "rememberMe": true}))]
pub struct SignInRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = String)]
    password: SecretString,
    #[serde(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    #[schema(nullable = false)]
    remember_me: Option<bool>,
}

impl AuthBody for SignInRequest {
    const SHAPE: Shape = Shape::Object(&[
        req("email", Kind::String),
        req("password", Kind::String),
        opt("callbackURL", Kind::String),
        opt("rememberMe", Kind::Boolean),
    ]);
    const ACCEPTS_FORM: bool = true;
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
    ctx: AuthContext,
    AuthJson { body, .. }: AuthJson<SignInRequest>,
) -> Result<web::Json<SignInResponse>, ApiError> {
    body.check()?;
    let require_verified = ctx.config.flows.require_email_verification;
    let (email, password) = (&body.email, &body.password);
    let signed_in =
        credentials::authenticate(&*ctx, &ctx.hasher, email, password, require_verified)
            .await
            .map_err(|e| refused(&ctx, &body, e))?;
    let session = open_session(&ctx, &signed_in, body.remember_me).await?;
    let user = signed_in.user;
    Audit::success("sign_in", &user.id)
        .client(&ctx.request.client)
        .log();
    let url = body.callback_url.filter(|s| !s.is_empty());
    if let Some(url) = &url {
        ctx.headers.edit().location(url.clone());
    }
    Ok(web::Json(SignInResponse {
        redirect: url.is_some(),
        token: session.token,
        url,
        user: user.into(),
    }))
}

/// Stores an upgraded hash, if any, and starts the session: one transaction.
async fn open_session(
    ctx: &AuthContext,
    signed_in: &Authenticated,
    remember_me: Option<bool>,
) -> Result<Session, ApiError> {
    let user = &signed_in.user;
    let mut conn = ctx.conn().await?;
    let session = conn.transaction(async |conn| {
        if let Some(new_hash) = &signed_in.rehash {
            users::update_password(conn, &user.id, new_hash).await?;
        }
        start_session(ctx, conn, user, remember_me).await
    });
    Ok(session.await?)
}

impl SignInRequest {
    /// What sign-in.ts checks before looking the user up: the address, and the password's
    /// maximum length only.
    fn check(&self) -> Result<(), ApiError> {
        if !users::is_valid_email(&self.email) {
            return Err(ApiError::BadRequest(ErrorCode::InvalidEmail));
        }
        check_length(self.password.expose_secret(), false)
    }
}

/// A refused sign-in: audited, and answered as Better Auth does. An unverified address may get
/// its link again first (`sendOnSignIn`).
fn refused(ctx: &AuthContext, body: &SignInRequest, e: SignInError) -> ApiError {
    if !matches!(e, SignInError::Failed(_)) {
        Audit::failure("sign_in", e.reason())
            .client(&ctx.request.client)
            .log();
    }
    match e {
        SignInError::UnknownUser | SignInError::InvalidPassword => {
            ApiError::Unauthorized(ErrorCode::InvalidEmailOrPassword)
        }
        SignInError::EmailNotVerified(user) => {
            let flows = &ctx.config.flows;
            if ctx.mailer.enabled() && flows.send_verification_on_sign_in {
                let callback = body.callback_url.as_deref();
                if let Err(e) = send_verification(ctx, &user.id, &user.email, callback) {
                    return e;
                }
            }
            ApiError::Forbidden(ErrorCode::EmailNotVerified)
        }
        SignInError::Failed(e) => ApiError::Internal(e),
    }
}
