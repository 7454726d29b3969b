//! Better Auth's session middlewares (`better-auth/src/api/routes/session.ts`): the caller's
//! session, found as `getSession` finds it (expired rows deleted and their cookies expired, a
//! sliding refresh re-setting the cookie), as a [`SessionPolicy`] that [`AuthJson`] or the
//! [`Session`] extractor applies. Cookies a lookup sets are parked in [`ResponseHeaders`], so
//! they reach the response even when the route then fails.
//!
//! [`AuthJson`]: super::body::AuthJson

use std::future::Future;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use chrono::Utc;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use futures_util::future::LocalBoxFuture;

use super::auth_request::app_state;
use super::{AuthRequest, ResponseHeaders};
use crate::auth::cookie_cache;
use crate::auth::sessions::{self, Lookup};
use crate::db::models::{Session as SessionRow, User};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: SessionRow,
    pub user: User,
    /// The session came from the `session_data` cookie, not the database.
    pub from_cache: bool,
}

/// Which session a route needs, and how it is looked up.
pub trait SessionPolicy {
    /// What the route receives.
    type Output;

    /// Looks the session up, parking the cookies it sets in `headers`.
    fn lookup(
        state: &AppState,
        ctx: &AuthRequest,
        headers: &ResponseHeaders,
    ) -> impl Future<Output = Result<Self::Output, ApiError>>;
}

/// No session lookup.
pub struct NoSession;

/// `getSessionFromCtx`: the caller, if any.
pub struct OptionalSession;

/// `sessionMiddleware`: `401 UNAUTHORIZED` without a live session; the cookie cache counts.
pub struct Required;

/// `sensitiveSessionMiddleware`: as [`Required`], but always from the database.
pub struct Sensitive;

/// `freshSessionMiddleware`: as [`Required`], and `403 SESSION_NOT_FRESH` when the session was
/// created `freshAge` or more ago (`0` disables the check).
pub struct Fresh;

impl SessionPolicy for NoSession {
    type Output = ();

    async fn lookup(_: &AppState, _: &AuthRequest, _: &ResponseHeaders) -> Result<(), ApiError> {
        Ok(())
    }
}

impl SessionPolicy for OptionalSession {
    type Output = Option<Caller>;

    async fn lookup(
        state: &AppState,
        ctx: &AuthRequest,
        headers: &ResponseHeaders,
    ) -> Result<Option<Caller>, ApiError> {
        lookup_session(state, ctx, headers, Source::CacheOrDatabase).await
    }
}

impl SessionPolicy for Required {
    type Output = Caller;

    async fn lookup(
        state: &AppState,
        ctx: &AuthRequest,
        headers: &ResponseHeaders,
    ) -> Result<Caller, ApiError> {
        lookup_session(state, ctx, headers, Source::CacheOrDatabase)
            .await?
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthorized))
    }
}

impl SessionPolicy for Sensitive {
    type Output = Caller;

    async fn lookup(
        state: &AppState,
        ctx: &AuthRequest,
        headers: &ResponseHeaders,
    ) -> Result<Caller, ApiError> {
        lookup_session(state, ctx, headers, Source::Database)
            .await?
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthorized))
    }
}

impl SessionPolicy for Fresh {
    type Output = Caller;

    async fn lookup(
        state: &AppState,
        ctx: &AuthRequest,
        headers: &ResponseHeaders,
    ) -> Result<Caller, ApiError> {
        let caller = Required::lookup(state, ctx, headers).await?;
        if !sessions::is_fresh(&caller.session, state.config.session.fresh_age) {
            return Err(ApiError::Forbidden(ErrorCode::SessionNotFresh));
        }
        Ok(caller)
    }
}

/// The session of a route without a body (`GET`), as its policy `P` finds it.
pub struct Session<P: SessionPolicy>(pub P::Output);

impl<P: SessionPolicy + 'static> FromRequest for Session<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let ctx = AuthRequest::of(&req, state);
            P::lookup(state, &ctx, &ResponseHeaders::of(&req))
                .await
                .map(Session)
        })
    }
}

/// Where a lookup may find the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The `session_data` cookie when it is usable, else the database.
    CacheOrDatabase,
    /// The database only (sensitive routes, `disableCookieCache`).
    Database,
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
    headers: &ResponseHeaders,
    source: Source,
) -> Start<'a> {
    let cache = &state.config.cookie_cache;
    if cache.strategy.is_none() && ctx.cache_value.is_some() {
        headers.edit().clean_cache(state, ctx);
    }
    let Some(token) = ctx.session_token.as_deref() else {
        return Start::NoSession;
    };
    let use_cache = source == Source::CacheOrDatabase && cache.strategy.is_some();
    let Some(value) = ctx.cache_value.as_deref().filter(|_| use_cache) else {
        return Start::Database(token);
    };
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
            headers.edit().expire_cache(state);
            Start::Database(token)
        }
    }
}

/// `getSessionFromCtx`: the caller's session, or `None`. A missing or expired row expires the
/// cookies; a due refresh extends the session and re-sets the cookie; a database read re-issues
/// the cache. A refresh that loses a race counts as no session, as Better Auth's
/// `.catch(() => null)` does. Takes a connection only when the database must be read.
pub async fn lookup_session(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &ResponseHeaders,
    source: Source,
) -> Result<Option<Caller>, ApiError> {
    match start(state, ctx, headers, source) {
        Start::NoSession => Ok(None),
        Start::Cached(caller) => Ok(Some(*caller)),
        Start::Database(token) => {
            let mut conn = state.conn().await?;
            Ok(from_database(state, ctx, &mut conn, headers, token).await?)
        }
    }
}

/// [`lookup_session`] on a connection the caller holds (inside its transaction).
pub async fn lookup_session_on(
    state: &AppState,
    ctx: &AuthRequest,
    conn: &mut AsyncPgConnection,
    headers: &ResponseHeaders,
    source: Source,
) -> QueryResult<Option<Caller>> {
    match start(state, ctx, headers, source) {
        Start::NoSession => Ok(None),
        Start::Cached(caller) => Ok(Some(*caller)),
        Start::Database(token) => from_database(state, ctx, conn, headers, token).await,
    }
}

/// What the database says of a session token.
pub enum Found {
    /// A live session, refreshed if it was due.
    Live(Box<Caller>),
    /// No such session, or expired: its cookies are expired.
    Gone,
    /// The session vanished while being refreshed.
    RefreshRaced,
}

/// The session of `token` from the database. With `refresh` (not for a `dont_remember` session
/// or with `disableRefresh`), a due session is extended and its cookie re-set, else its cache
/// re-issued.
pub async fn read_session(
    state: &AppState,
    ctx: &AuthRequest,
    conn: &mut AsyncPgConnection,
    headers: &ResponseHeaders,
    token: &str,
    refresh: bool,
) -> QueryResult<Found> {
    let (mut session, user) = match sessions::lookup(conn, token).await? {
        Lookup::Valid(s, u) => (s, u),
        Lookup::Gone => {
            headers.edit().clear_session(state, ctx);
            return Ok(Found::Gone);
        }
    };
    if refresh {
        let cfg = state.config.session;
        if sessions::refresh_due(&session, cfg.expires_in, cfg.update_age) {
            let Some(refreshed) = sessions::refresh(conn, token, cfg.expires_in).await? else {
                return Ok(Found::RefreshRaced);
            };
            session = refreshed;
            headers
                .edit()
                .set_session_with_cache(state, ctx, &session, &user, false);
        } else {
            headers.edit().set_cache(state, ctx, &session, &user, false);
        }
    }
    let from_cache = false;
    Ok(Found::Live(Box::new(Caller {
        session,
        user,
        from_cache,
    })))
}

/// The guards' reading of [`read_session`]: a lost refresh race is no session.
async fn from_database(
    state: &AppState,
    ctx: &AuthRequest,
    conn: &mut AsyncPgConnection,
    headers: &ResponseHeaders,
    token: &str,
) -> QueryResult<Option<Caller>> {
    let refresh = !ctx.dont_remember;
    Ok(
        match read_session(state, ctx, conn, headers, token, refresh).await? {
            Found::Live(caller) => Some(*caller),
            Found::Gone | Found::RefreshRaced => None,
        },
    )
}

/// Sets the session cookie for `token` and, when the cache is on, its `session_data` with the
/// user read back from the database (so it carries what the handler just wrote). `cached`: the
/// caller's session as the cookie cache gave it, which Better Auth re-caches as it is;
/// `user_cached`: Better Auth builds the cached user from the cached one too (verify-email's
/// change-email path), so its keys keep the schema order.
pub async fn issue_session(
    state: &AppState,
    ctx: &AuthRequest,
    conn: &mut AsyncPgConnection,
    headers: &ResponseHeaders,
    token: &str,
    cached: Option<&SessionRow>,
    user_cached: bool,
) -> QueryResult<()> {
    let dont_remember = ctx.dont_remember;
    headers.edit().set_session(state, ctx, token, dont_remember);
    if state.config.cookie_cache.strategy.is_none() {
        return Ok(());
    }
    let Some((session, user)) = sessions::find_with_user(conn, token).await? else {
        return Ok(());
    };
    let from_cache = cookie_cache::FromCache {
        session: cached.is_some_and(|s| s.token == token),
        user: user_cached,
    };
    let session = cached.filter(|_| from_cache.session).unwrap_or(&session);
    headers
        .edit()
        .set_cache_with(state, ctx, session, &user, dont_remember, from_cache);
    Ok(())
}

/// Signs a user in, as sign-in and sign-up do: a session (one day when `rememberMe` is false, else
/// `expiresIn`) and its cookies, `dont_remember` included (`better-auth/src/cookies/index.ts`).
pub async fn start_session(
    state: &AppState,
    ctx: &AuthRequest,
    conn: &mut AsyncPgConnection,
    headers: &ResponseHeaders,
    user: &User,
    remember_me: Option<bool>,
) -> QueryResult<SessionRow> {
    let dont_remember = remember_me == Some(false);
    let lifetime = if dont_remember {
        sessions::DONT_REMEMBER_LIFETIME
    } else {
        state.config.session.expires_in
    };
    let session = sessions::create(conn, &user.id, &ctx.client, lifetime).await?;
    headers
        .edit()
        .set_session_with_cache(state, ctx, &session, user, dont_remember);
    Ok(session)
}
