//! The Better Auth routes under `/api/auth`, byte-compatible with better-auth 1.7.

mod account;
pub mod body;
mod change_email;
mod context;
mod delete_user;
mod email_change;
mod email_verification;
mod guard;
mod jwt;
mod mail;
mod misc;
mod password;
mod rate_limit;
mod response;
mod session;
mod sessions;
mod sign_in;
mod sign_up;
mod update_user;

use serde_json::Value;
use utoipa_actix_web::scope::Scope;

pub use body::RawBody;
pub use context::{AuthRequest, bearer_credential, bearer_token};
pub use rate_limit::rate_limit;
pub use response::{AuthHeaders, SessionResponse, SessionWithUser, UserResponse};

use crate::auth::origin::UrlLabel;
use crate::error::ApiError;
use crate::state::AppState;

/// The `/api/auth` scope. Unknown paths and methods get Better Auth's empty 404.
pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/auth")
        .service(sign_up::sign_up_email)
        .service(sign_in::sign_in_email)
        .service(session::get_session)
        .service(session::post_get_session)
        .service(session::sign_out)
        .service(sessions::list_sessions)
        .service(sessions::revoke_session)
        .service(sessions::revoke_sessions)
        .service(sessions::revoke_other_sessions)
        .service(sessions::update_session)
        .service(update_user::update_user)
        .service(update_user::change_password)
        .service(change_email::change_email)
        .service(delete_user::delete_user)
        .service(delete_user::delete_user_callback)
        .service(password::request_password_reset)
        .service(password::reset_password_callback)
        .service(password::reset_password)
        .service(email_verification::send_verification_email)
        .service(email_verification::verify_email)
        .service(account::list_accounts)
        .service(account::unlink_account)
        // Better Auth marks verify-password server-only: routable, but not in the OpenAPI document.
        .map(|scope| scope.service(password::verify_password))
        .service(jwt::get_token)
        .service(jwt::get_jwks)
        .service(misc::ok)
        .service(misc::error_page)
        .default_service(actix_web::web::to(no_route))
}

async fn no_route() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}

/// `originCheckMiddleware` for state-changing routes: the Origin when cookies are sent, then
/// every callback-like URL in the body (or `callbackURL` in the query).
pub fn origin_check(
    ctx: &AuthRequest,
    state: &AppState,
    body: Option<&Value>,
) -> Result<(), ApiError> {
    ctx.validate_origin(state, false)?;
    let get = |key: &str| body.and_then(|b| b.get(key));
    let query_value = ctx.query_callback.clone().map(Value::String);
    let callback = get("callbackURL")
        .filter(|v| is_truthy(v))
        .or(query_value.as_ref());
    state.origins.check_url(callback, UrlLabel::CallbackUrl)?;
    state
        .origins
        .check_url(get("redirectTo"), UrlLabel::RedirectTo)?;
    state
        .origins
        .check_url(get("errorCallbackURL"), UrlLabel::ErrorCallbackUrl)?;
    state
        .origins
        .check_url(get("newUserCallbackURL"), UrlLabel::NewUserCallbackUrl)?;
    Ok(())
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    }
}

/// Signs a user in, as sign-in and sign-up do: a session (one day when `rememberMe` is false, else
/// `expiresIn`) and its cookies, `dont_remember` included (`better-auth/src/cookies/index.ts`).
pub async fn start_session(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    ctx: &AuthRequest,
    user: &crate::db::models::User,
    remember_me: Option<bool>,
) -> Result<(crate::db::models::Session, AuthHeaders), ApiError> {
    let dont_remember = remember_me == Some(false);
    let lifetime = if dont_remember {
        crate::auth::sessions::DONT_REMEMBER_LIFETIME
    } else {
        state.config.session.expires_in
    };
    let session = crate::auth::sessions::create(conn, &user.id, &ctx.client, lifetime).await?;
    let mut headers = AuthHeaders::default();
    headers.set_session_with_cache(state, ctx, &session, user, dont_remember);
    Ok((session, headers))
}
