//! `GET /get-session` (`better-auth/src/api/routes/session.ts`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, get, post, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::AuthContext;
use super::SessionWithUser;
use super::body::parse;
use super::session_guard::{self, Caller, Found, Source, Start, read_session};
use crate::auth::jwt::sign;
use crate::auth::session_store::DbAccess;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::routes::extract::RawBody;
use crate::state::LazyConn;
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
    ctx: AuthContext,
    req: HttpRequest,
) -> Result<web::Json<SessionBody>, ApiError> {
    ctx.headers.edit().no_store();
    let source = match query_flag(&req, "disableCookieCache") {
        true => Source::Database,
        false => Source::CacheOrDatabase,
    };
    let token = match session_guard::start(&ctx, source) {
        Start::NoSession => return Ok(web::Json(SessionBody::None)),
        Start::Cached(caller) => {
            add_jwt(&ctx, &mut LazyConn::new(&ctx), &caller).await?;
            return Ok(web::Json(SessionBody::Cached(cached_body(*caller))));
        }
        Start::Database(token) => token,
    };
    // A connection only if the database must be read (no secondary storage, or a cold key cache).
    let mut conn = LazyConn::new(&ctx);
    // Neither a refresh nor a cache for a not-remembered session or with `disableRefresh`.
    let refresh = !ctx.request.dont_remember && !query_flag(&req, "disableRefresh");
    let caller = match read_session(&ctx, &mut conn, token, refresh).await? {
        Found::Live(caller) => *caller,
        Found::Gone => return Ok(web::Json(SessionBody::None)),
        Found::RefreshRaced => {
            ctx.clear_session();
            return Err(ApiError::Unauthorized(ErrorCode::FailedToGetSession));
        }
    };
    add_jwt(&ctx, &mut conn, &caller).await?;
    Ok(web::Json(SessionBody::Found(Box::new(SessionWithUser {
        session: caller.session.into(),
        user: caller.user.into(),
    }))))
}

/// The jwt plugin's after-hook: a fresh JWT whenever a session was found.
async fn add_jwt(
    ctx: &AuthContext,
    conn: &mut impl DbAccess,
    caller: &Caller,
) -> Result<(), ApiError> {
    let (keys, user) = (&ctx.signing_keys, &caller.user);
    let jwt = sign::issue(conn, &ctx.config, keys, user, caller.from_cache).await?;
    ctx.headers.edit().set_jwt(jwt);
    Ok(())
}

/// What get-session answers.
#[derive(Serialize)]
#[serde(untagged)]
pub enum SessionBody {
    /// `null`: no session.
    None,
    /// From the cookie cache, in its own key order.
    Cached(Value),
    /// From the database.
    Found(Box<SessionWithUser>),
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
    parse(&raw, false)?;
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
