//! `GET /get-session` and `POST /sign-out` (`better-auth/src/api/routes/session.ts`, `sign-out.ts`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use serde_json::{Value, json};

use super::body::RawBody;
use super::guard::{self, Caller, Start};
use super::{AuthHeaders, AuthRequest, SessionWithUser, origin_check};
use crate::auth::jwt_sign;
use crate::auth::sessions::{self, Lookup};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;
use crate::wire::iso;

/// `z.coerce.boolean()`: any non-empty value, even `"false"`, is true.
fn query_flag(req: &HttpRequest, name: &str) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == name && !v.is_empty())
}

/// Get the current session.
///
/// Returns the session and its user, or `null` when there is none. Extends the session (sliding
/// refresh) once per `updateAge`, unless `disableRefresh` is set or the session is not remembered.
/// With the cookie cache on, a valid `session_data` cookie answers without reading the session.
#[utoipa::path(
    tag = "auth",
    params(
        // Strings, not booleans: `z.coerce.boolean()` takes any non-empty value as true.
        ("disableCookieCache" = Option<String>, Query, description = "Bypass the cookie cache and read the database; any non-empty value is true"),
        ("disableRefresh" = Option<String>, Query, description = "Do not extend the session; any non-empty value (even `false`) is true"),
    ),
    responses(
        (status = 200, description = "The session, or `null`", body = Option<SessionWithUser>,
            headers(("set-auth-jwt" = String, description = "A fresh JWT (jwt plugin)"))),
        (status = 401, description = "The session vanished during refresh", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/get-session")]
pub async fn get_session(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let mut headers = AuthHeaders::default();
    headers.no_store();
    let use_cache = !query_flag(&req, "disableCookieCache");
    let token = match guard::start(&state, &ctx, &mut headers, use_cache) {
        Start::NoSession => return Ok(headers.json(StatusCode::OK, &())),
        Start::Cached(caller) => {
            let mut conn = state.conn().await?;
            let jwt = jwt_sign::issue(
                &mut conn,
                &state.config,
                &state.signing_keys,
                &caller.user,
                true,
            );
            headers.set_jwt(jwt.await?);
            return Ok(headers.json(StatusCode::OK, &cached_body(*caller)));
        }
        Start::Database(token) => token,
    };
    let mut conn = state.conn().await?;
    let (mut session, user) = match sessions::lookup(&mut conn, token).await? {
        Lookup::Valid(s, u) => (s, u),
        Lookup::Gone => {
            headers.clear_session(&state, &ctx);
            return Ok(headers.json(StatusCode::OK, &()));
        }
    };
    let cfg = state.config.session;
    // Neither a refresh nor a cache for a not-remembered session or with `disableRefresh`.
    if !ctx.dont_remember && !query_flag(&req, "disableRefresh") {
        if sessions::refresh_due(&session, cfg.expires_in, cfg.update_age) {
            let Some(refreshed) = sessions::refresh(&mut conn, token, cfg.expires_in).await? else {
                headers.clear_session(&state, &ctx);
                return Err(ApiError::Unauthorized(ErrorCode::FailedToGetSession));
            };
            session = refreshed;
            headers.set_session_with_cache(&state, &ctx, &session, &user, false);
        } else {
            headers.set_cache(&state, &ctx, &session, &user, false);
        }
    }
    // The jwt plugin's after-hook: a fresh JWT whenever a session was found.
    headers.set_jwt(
        jwt_sign::issue(&mut conn, &state.config, &state.signing_keys, &user, false).await?,
    );
    let body = SessionWithUser {
        session: session.into(),
        user: user.into(),
    };
    Ok(headers.json(StatusCode::OK, &body))
}

/// A cache hit's body: Better Auth answers with its zod schemas' key order there
/// (`sessionSchema`, `userSchema`), not the adapter's.
fn cached_body(caller: Caller) -> Value {
    let (s, u) = (caller.session, caller.user);
    json!({
        "session": {
            "id": s.id, "createdAt": iso(&s.created_at), "updatedAt": iso(&s.updated_at),
            "userId": s.user_id, "expiresAt": iso(&s.expires_at), "token": s.token,
            "ipAddress": s.ip_address, "userAgent": s.user_agent,
        },
        "user": {
            "id": u.id, "createdAt": iso(&u.created_at), "updatedAt": iso(&u.updated_at),
            "email": u.email, "emailVerified": u.email_verified, "name": u.name, "image": u.image,
        },
    })
}

/// `POST /get-session`: Better Auth answers 405 unless `deferSessionRefresh` is on.
#[utoipa::path(
    tag = "auth",
    responses((status = 405, description = "deferSessionRefresh is not enabled", body = ErrorBody))
)]
#[post("/get-session")]
pub async fn post_get_session(raw: RawBody) -> Result<HttpResponse, ApiError> {
    raw.parse(false)?;
    // Better Auth sets the cache headers before it refuses (`session.ts`).
    let mut response = ApiError::MethodNotAllowed(ErrorCode::MethodNotAllowedDeferSessionRequired)
        .error_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// Sign-out response.
#[derive(Serialize, ToSchema)]
pub struct SignOutResponse {
    success: bool,
}

/// Sign out.
///
/// Deletes the current session, if any, and always expires the session cookies.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Signed out", body = SignOutResponse),
        (status = 403, description = "Cookie sent without a trusted Origin", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    if let Some(token) = ctx.session_token.as_deref() {
        let deleted = sessions::delete_by_token(&mut *state.conn().await?, token).await?;
        if deleted > 0 {
            tracing::info!(target: "audit", event = "sign_out", ip = %ctx.client.ip_address, user_agent = %ctx.client.user_agent);
        }
    }
    let mut headers = AuthHeaders::default();
    headers.clear_session(&state, &ctx);
    Ok(headers.json(StatusCode::OK, &SignOutResponse { success: true }))
}
