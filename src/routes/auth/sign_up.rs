//! `POST /sign-up/email` (`better-auth/src/api/routes/sign-up.ts`).

use actix_web::{HttpResponse, http::StatusCode, post, web};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{Kind, RawBody, bool_field, opt, req, str_field, validate};
use super::mail::send_verification;
use super::{AuthHeaders, AuthRequest, UserResponse, origin_check, start_session};
use crate::auth::password::check_length;
use crate::auth::users::{self, SignUp};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const FIELDS: &[super::body::Field] = &[
    req("name", Kind::String),
    req("email", Kind::Email),
    req("password", Kind::NonEmpty),
    opt("image", Kind::String),
    opt("callbackURL", Kind::String),
    opt("rememberMe", Kind::Boolean),
];

/// Sign-up request body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
#[schema(example = json!({"name": "Alice", "email": "alice@example.com", "password": "correct horse battery"}))]
pub struct SignUpRequest {
    #[schema(max_length = 16384)]
    name: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    password: String,
    #[schema(nullable = false)]
    image: Option<String>,
    #[schema(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    #[schema(rename = "rememberMe")]
    #[schema(nullable = false)]
    remember_me: Option<bool>,
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(true)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), FIELDS, true)?;
    ctx.validate_form_csrf(&state)?;
    let (name, email, password) = (
        str_field(obj, "name").unwrap_or_default(),
        str_field(obj, "email").unwrap_or_default(),
        str_field(obj, "password").unwrap_or_default(),
    );
    check_length(password, true)?;
    let flows = &state.config.flows;
    if users::find_by_email(&mut *state.conn().await?, email)
        .await?
        .is_some()
    {
        tracing::info!(target: "audit", event = "sign_up", outcome = "failure", reason = "email_taken", ip = %ctx.client.ip_address);
        if flows.require_email_verification {
            state.hasher.hash(&SecretString::from(password)).await?;
        }
        return duplicate(&state, name, email, str_field(obj, "image"));
    }
    // The hash runs with no connection held, so a sign-up storm cannot drain the pool.
    let hash = state.hasher.hash(&SecretString::from(password)).await?;
    let mut conn = state.conn().await?;
    let input = SignUp {
        name,
        email,
        image: str_field(obj, "image"),
        password_hash: &hash,
    };
    let Some(user) = users::create_with_password(&mut conn, input).await? else {
        return duplicate(&state, name, email, str_field(obj, "image"));
    };
    if flows.sends_on_sign_up() && state.mailer.enabled() {
        send_verification(&state, &user.id, &user.email, str_field(obj, "callbackURL"))?;
    }
    if flows.require_email_verification {
        // sign-up.ts: no auto sign-in when the address must be verified first.
        tracing::info!(target: "audit", event = "sign_up", outcome = "success", user_id = %user.id, ip = %ctx.client.ip_address, user_agent = %ctx.client.user_agent);
        let body = SignUpResponse {
            token: None,
            user: user.into(),
        };
        return Ok(AuthHeaders::default().json(StatusCode::OK, &body));
    }
    let remember_me = bool_field(obj, "rememberMe");
    let (session, headers) = start_session(&state, &mut conn, &ctx, &user, remember_me).await?;
    tracing::info!(target: "audit", event = "sign_up", outcome = "success", user_id = %user.id, ip = %ctx.client.ip_address, user_agent = %ctx.client.user_agent);
    let body = SignUpResponse {
        token: Some(session.token),
        user: user.into(),
    };
    Ok(headers.json(StatusCode::OK, &body))
}

/// A taken address: `422`, or, when sign-up cannot sign in anyway (`requireEmailVerification`),
/// Better Auth's fake success so the answer does not reveal the address (sign-up.ts).
fn duplicate(
    state: &AppState,
    name: &str,
    email: &str,
    image: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    if state.config.flows.require_email_verification {
        return Ok(synthetic_user(name, email, image));
    }
    Err(ApiError::Unprocessable(
        ErrorCode::UserAlreadyExistsUseAnotherEmail,
    ))
}

/// Better Auth's `buildGenericDuplicateResponse`: a user that looks freshly created.
fn synthetic_user(name: &str, email: &str, image: Option<&str>) -> HttpResponse {
    let now = crate::wire::now();
    let user = UserResponse {
        name: name.to_owned(),
        email: users::lowercase_email(email),
        email_verified: false,
        image: image.map(str::to_owned),
        created_at: now,
        updated_at: now,
        id: crate::auth::crypto::generate_id(32),
    };
    AuthHeaders::default().json(StatusCode::OK, &SignUpResponse { token: None, user })
}
