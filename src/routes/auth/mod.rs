//! The Better Auth routes under `/api/auth`, byte-compatible with better-auth 1.7.

mod body;
mod context;
mod jwt;
mod misc;
mod rate_limit;
mod response;
mod session;
mod sign_in;
mod sign_up;

use serde_json::Value;
use utoipa_actix_web::scope::Scope;

pub use body::RawBody;
pub use context::{AuthRequest, bearer_token};
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

fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    }
}
