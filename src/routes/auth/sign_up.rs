//! `POST /sign-up/email` (`better-auth/src/api/routes/sign-up.ts`).

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
use crate::auth::credentials::{self, NewCredentials, SignUpError};
use crate::auth::password::check_length;
use crate::auth::users;
use crate::error::{ApiError, ErrorBody, ErrorCode};

/// Sign-up request body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "Alice", "email": "alice@example.com", "password": "correct horse battery"}))]
pub struct SignUpRequest {
    #[schema(max_length = 16384)]
    name: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = String)]
    password: SecretString,
    #[schema(nullable = false)]
    image: Option<String>,
    #[serde(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    #[schema(nullable = false)]
    remember_me: Option<bool>,
}

impl AuthBody for SignUpRequest {
    const SHAPE: Shape = Shape::ObjectAndRecord(&[
        req("name", Kind::String),
        req("email", Kind::Email),
        req("password", Kind::NonEmpty),
        opt("image", Kind::String),
        opt("callbackURL", Kind::String),
        opt("rememberMe", Kind::Boolean),
    ]);
    const ACCEPTS_FORM: bool = true;
}

/// Sign-up response.
#[derive(Serialize, ToSchema)]
pub struct SignUpResponse {
    /// The raw session token; `null` when sign-up does not sign in (`REQUIRE_EMAIL_VERIFICATION`).
    token: Option<String>,
    user: UserResponse,
}

/// Sign up with email and password.
///
/// Creates the user and its credential account, signs the user in and sets the session cookie.
#[utoipa::path(
    tag = "auth",
    request_body(content = SignUpRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed up and signed in", body = SignUpResponse,
            headers(("set-auth-token" = String, description = "Signed session token (bearer plugin)"))),
        (status = 400, description = "Validation failed, or password too short or long", body = ErrorBody),
        (status = 403, description = "Origin or CSRF check failed", body = ErrorBody),
        (status = 415, description = "Unsupported content type", body = ErrorBody),
        (status = 422, description = "Email already registered", body = ErrorBody),
    )
)]
#[post("/sign-up/email")]
pub async fn sign_up_email(
    ctx: AuthContext,
    AuthJson { body, .. }: AuthJson<SignUpRequest>,
) -> Result<web::Json<SignUpResponse>, ApiError> {
    check_length(body.password.expose_secret(), true)?;
    let flows = &ctx.config.flows;
    let hash_when_taken = flows.require_email_verification;
    let registered = match credentials::register(
        &*ctx,
        &ctx.hasher,
        body.credentials(),
        hash_when_taken,
    )
    .await
    {
        Ok(registered) => registered,
        Err(SignUpError::Taken) => return duplicate(&ctx, &body),
        Err(SignUpError::Failed(e)) => return Err(ApiError::Internal(e)),
    };
    let (user, mut conn) = (registered.user, registered.conn);
    if flows.sends_on_sign_up() && ctx.mailer.enabled() {
        send_verification(&ctx, &user.id, &user.email, body.callback_url.as_deref())?;
    }
    // sign-up.ts: no auto sign-in when the address must be verified first.
    let token = match flows.require_email_verification {
        true => None,
        false => {
            let session = start_session(&ctx, &mut conn, &user, body.remember_me);
            Some(session.await?.token)
        }
    };
    Audit::success("sign_up", &user.id)
        .client(&ctx.request.client)
        .log();
    let user = user.into();
    Ok(web::Json(SignUpResponse { token, user }))
}

impl SignUpRequest {
    fn credentials(&self) -> NewCredentials<'_> {
        NewCredentials {
            name: &self.name,
            email: &self.email,
            image: self.image.as_deref(),
            password: &self.password,
        }
    }
}

/// A taken address: `422`, or, when sign-up cannot sign in anyway (`requireEmailVerification`),
/// Better Auth's `buildGenericDuplicateResponse`: a user that looks freshly created, so the answer
/// does not reveal the address (sign-up.ts).
fn duplicate(
    ctx: &AuthContext,
    body: &SignUpRequest,
) -> Result<web::Json<SignUpResponse>, ApiError> {
    Audit::failure("sign_up", "email_taken")
        .client(&ctx.request.client)
        .log();
    if !ctx.config.flows.require_email_verification {
        return Err(ApiError::Unprocessable(
            ErrorCode::UserAlreadyExistsUseAnotherEmail,
        ));
    }
    let now = crate::wire::now();
    let user = UserResponse {
        name: body.name.clone(),
        email: users::lowercase_email(&body.email),
        email_verified: false,
        image: body.image.clone(),
        created_at: now,
        updated_at: now,
        id: crate::auth::crypto::generate_id(32),
    };
    Ok(web::Json(SignUpResponse { token: None, user }))
}
