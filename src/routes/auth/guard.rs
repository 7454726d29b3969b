//! Better Auth's session middlewares (`better-auth/src/api/routes/session.ts`): the caller's
//! session, found as `getSession` finds it (expired rows deleted and cookies expired, sliding
//! refresh re-setting the cookie), plus the `Reply` helper that keeps those cookies on errors too.

use actix_web::{HttpResponse, http::StatusCode};
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::{AuthHeaders, AuthRequest};
use crate::auth::cookie_cache;
use crate::auth::sessions::{self, Lookup};
use crate::db::models::{Session, User};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The signed-in caller.
#[derive(Debug)]
pub struct Caller {
    pub session: Session,
    pub user: User,
    /// The session came from the `session_data` cookie, not the database.
    pub from_cache: bool,
}

/// A caller whose session was required, with the headers the lookup produced.
#[derive(Debug)]
pub struct Authed {
    pub session: Session,
    pub user: User,
    /// The session came from the `session_data` cookie, not the database.
    pub from_cache: bool,
    /// A sliding refresh's cookie, if one happened; handlers add theirs.
    pub headers: AuthHeaders,
}

/// Where `getSession` goes after its cookie-cache step.
pub enum Start<'a> {
    /// No session credential: answer `null`.
    NoSession,
    /// A usable cache: the session, with no database access.
    Cached(Box<Caller>),
    /// Read the database for this token.
    Database(&'a str),
}

/// The cookie-cache step of `getSession` (`api/routes/session.ts`). With the cache on and no
/// valid token there is no session. With the cache off, cache cookies the request carried are
/// expired. An unusable cache (bad signature, another secret, expired, another version or
/// token, or input Better Auth answers 500 for) is expired and the database read instead.
pub fn start<'a>(
    state: &AppState,
    ctx: &'a AuthRequest,
    headers: &mut AuthHeaders,
    use_cache: bool,
) -> Start<'a> {
    let cache = &state.config.cookie_cache;
    if cache.strategy.is_none() && ctx.cache_value.is_some() {
        headers.clean_cache(state, ctx);
    }
    let Some(token) = ctx.session_token.as_deref() else {
        return Start::NoSession;
    };
    let Some(value) = ctx.cache_value.as_deref().filter(|_| use_cache) else {
        return Start::Database(token);
    };
    if cache.strategy.is_none() {
        return Start::Database(token);
    }
    let now = Utc::now();
    match cookie_cache::decode(&state.config, value, now) {
        Some(c) if c.usable(token, &cache.version, now.timestamp_millis()) => {
            Start::Cached(Box::new(Caller {
                session: c.session,
                user: c.user,
                from_cache: true,
            }))
        }
        _ => {
            headers.expire_cache(state);
            Start::Database(token)
        }
    }
}

/// `getSessionFromCtx`: the caller's session, or `None`. `sensitive` (the sensitive session
/// middleware) skips the cookie cache. A missing or expired row expires the cookies (into
/// `headers`); a due refresh extends the session and re-sets the cookie; a database read
/// re-issues the cache. A refresh that loses a race counts as no session, as Better Auth's
/// `.catch(() => null)` does.
pub async fn lookup_session(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
    sensitive: bool,
) -> Result<Option<Caller>, ApiError> {
    let token = match start(state, ctx, headers, !sensitive) {
        Start::NoSession => return Ok(None),
        Start::Cached(caller) => return Ok(Some(*caller)),
        Start::Database(token) => token,
    };
    let mut conn = state.conn().await?;
    let (mut session, user) = match sessions::lookup(&mut conn, token).await? {
        Lookup::Valid(s, u) => (s, u),
        Lookup::Gone => {
            headers.clear_session(state, ctx);
            return Ok(None);
        }
    };
    if !ctx.dont_remember {
        let cfg = state.config.session;
        if sessions::refresh_due(&session, cfg.expires_in, cfg.update_age) {
            let Some(refreshed) = sessions::refresh(&mut conn, token, cfg.expires_in).await? else {
                return Ok(None);
            };
            session = refreshed;
            headers.set_session_with_cache(state, ctx, &session, &user, false);
        } else {
            headers.set_cache(state, ctx, &session, &user, false);
        }
    }
    Ok(Some(Caller {
        session,
        user,
        from_cache: false,
    }))
}

async fn required(
    state: &AppState,
    ctx: &AuthRequest,
    sensitive: bool,
) -> Result<Authed, ApiError> {
    let mut headers = AuthHeaders::default();
    match lookup_session(state, ctx, &mut headers, sensitive).await? {
        Some(Caller {
            session,
            user,
            from_cache,
        }) => Ok(Authed {
            session,
            user,
            from_cache,
            headers,
        }),
        None => Err(headers.fail(ApiError::Unauthorized(ErrorCode::Unauthorized))),
    }
}

/// `sessionMiddleware`: 401 `UNAUTHORIZED` without a live session; the cookie cache counts.
pub async fn require_session(state: &AppState, ctx: &AuthRequest) -> Result<Authed, ApiError> {
    required(state, ctx, false).await
}

/// `sensitiveSessionMiddleware`: as [`require_session`], but always from the database.
pub async fn require_sensitive_session(
    state: &AppState,
    ctx: &AuthRequest,
) -> Result<Authed, ApiError> {
    required(state, ctx, true).await
}

/// `freshSessionMiddleware`: as [`require_session`], and 403 `SESSION_NOT_FRESH` when the session
/// was created `freshAge` or more ago (`0` disables the check).
pub async fn require_fresh_session(
    state: &AppState,
    ctx: &AuthRequest,
) -> Result<Authed, ApiError> {
    let authed = require_session(state, ctx).await?;
    if !sessions::is_fresh(&authed.session, state.config.session.fresh_age) {
        return Err(authed
            .headers
            .fail(ApiError::Forbidden(ErrorCode::SessionNotFresh)));
    }
    Ok(authed)
}

/// Sets the session cookie for `token` and, when the cache is on, its `session_data` with the
/// user read back from the database (so it carries what the handler just wrote). `cached`: the
/// caller's session as the cookie cache gave it, which Better Auth re-caches as it is;
/// `user_cached`: Better Auth builds the cached user from the cached one too (verify-email's
/// change-email path), so its keys keep the schema order.
pub async fn issue_session(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
    token: &str,
    cached: Option<&Session>,
    user_cached: bool,
) -> Result<(), ApiError> {
    let dont_remember = ctx.dont_remember;
    headers.set_session(state, ctx, token, dont_remember);
    if state.config.cookie_cache.strategy.is_none() {
        return Ok(());
    }
    let Some((session, user)) = sessions::find_with_user(&mut *state.conn().await?, token).await?
    else {
        return Ok(());
    };
    let from_cache = cookie_cache::FromCache {
        session: cached.is_some_and(|s| s.token == token),
        user: user_cached,
    };
    let session = cached.filter(|_| from_cache.session).unwrap_or(&session);
    headers.set_cache_with(state, ctx, session, &user, dont_remember, from_cache);
    Ok(())
}

/// What a handler's logic decided.
#[derive(Debug)]
pub enum Reply {
    /// `200` with this JSON body.
    Json(Value),
    /// `302` to this location, empty body.
    Redirect(String),
}

impl Reply {
    /// A `200` JSON reply.
    pub fn json(body: &impl Serialize) -> Result<Self, ApiError> {
        serde_json::to_value(body)
            .map(Reply::Json)
            .map_err(ApiError::internal)
    }
}

/// Sends a reply with `headers`; an error keeps them too (Better Auth's `kAPIErrorHeaderSymbol`).
pub fn respond(
    mut headers: AuthHeaders,
    result: Result<Reply, ApiError>,
) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(Reply::Json(body)) => Ok(headers.json(StatusCode::OK, &body)),
        Ok(Reply::Redirect(url)) => {
            headers.location(url);
            Ok(headers.empty(StatusCode::FOUND))
        }
        Err(e) => Err(headers.fail(e)),
    }
}
