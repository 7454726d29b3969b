//! `CurrentUser`: who sent a task request, decided from its headers before the body is read.
//!
//! Credentials, in this order:
//! 1. `Authorization: Bearer <JWT>` (three dot-separated parts): HS256 with the shared secret, or
//!    this server's own EdDSA JWTs (`auth::jwt::bearer`).
//! 2. `Authorization: Bearer <session token>`, raw or signed, as the bearer plugin accepts it.
//! 3. The signed session cookie; unsafe methods then need a trusted `Origin` (403 as on the auth
//!    routes, `better-auth/src/api/middlewares/origin-check.ts`).
//!
//! A bearer credential that is presented but invalid is a 401; it does not fall back to the cookie.

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::cookies::{find_cookie, read_signed};
use crate::auth::jwt::bearer::{looks_like_jwt, verify_bearer_jwt};
use crate::auth::sessions::Lookup;
use crate::error::ApiError;
use crate::routes::auth::{AuthRequest, bearer_token, cookie_header};
use crate::state::{AppState, LazyConn};

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A bearer JWT.
    Jwt,
    /// A bearer session token.
    BearerSession,
    /// The session cookie.
    Cookie,
}

/// The authenticated user of a request; a handler parameter. Failure is 401 `UNAUTHORIZED` with
/// `WWW-Authenticate: Bearer`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user id (`user.id`, or a JWT's `sub`).
    pub id: String,
    pub method: AuthMethod,
}

/// The credential a request carries, before it is checked.
enum Credential {
    Jwt(String),
    SessionToken(String),
    Cookie(String),
}

fn unauthorized() -> ApiError {
    ApiError::BearerRequired
}

/// Finds the credential; `Err` when one is presented but malformed or badly signed.
fn credential(req: &HttpRequest, state: &AppState) -> Result<Option<Credential>, ApiError> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(value) = authorization.filter(|v| v.get(..7).is_some_and(is_bearer)) {
        let token = value[7..].trim();
        if looks_like_jwt(token) {
            return Ok(Some(Credential::Jwt(token.to_owned())));
        }
        return bearer_token(req, state)
            .map(|t| Some(Credential::SessionToken(t)))
            .ok_or_else(unauthorized);
    }
    let cookies = cookie_header(req);
    match find_cookie(&cookies, &state.cookies.session_token) {
        None => Ok(None),
        Some(raw) => read_signed(raw, &state.config.secrets)
            .map(|t| Some(Credential::Cookie(t)))
            .ok_or_else(unauthorized),
    }
}

fn is_bearer(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("bearer ")
}

async fn session_user(
    state: &AppState,
    token: &str,
    method: AuthMethod,
) -> Result<CurrentUser, ApiError> {
    let mut conn = LazyConn::new(state);
    match state.sessions().lookup(&mut conn, token).await? {
        Lookup::Valid(_, user) => Ok(CurrentUser {
            id: user.id,
            method,
        }),
        Lookup::Gone => Err(unauthorized()),
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

#[tracing::instrument(name = "authenticate", skip_all)]
async fn authenticate(req: HttpRequest) -> Result<CurrentUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState is not registered")))?;
    match credential(&req, &state)?.ok_or_else(unauthorized)? {
        Credential::Jwt(token) => verify_bearer_jwt(&**state, &state.config, &token)
            .await?
            .map(|claims| CurrentUser {
                id: claims.sub,
                method: AuthMethod::Jwt,
            })
            .ok_or_else(unauthorized),
        Credential::SessionToken(token) => {
            session_user(&state, &token, AuthMethod::BearerSession).await
        }
        Credential::Cookie(token) => {
            if !is_safe(req.method()) {
                AuthRequest::from_http(&req, &state).validate_origin(&state, true)?;
            }
            session_user(&state, &token, AuthMethod::Cookie).await
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}
