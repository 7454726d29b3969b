//! Better Auth's session middlewares (`better-auth/src/api/routes/session.ts`): the caller's
//! session, found as `getSession` finds it (expired rows deleted and their cookies expired, a
//! sliding refresh re-setting the cookie), as a [`SessionPolicy`] that [`AuthJson`] or the
//! [`Session`] extractor applies. Cookies a lookup sets are parked in the context's headers, so
//! they reach the response even when the route then fails.
//!
//! [`AuthJson`]: super::body::AuthJson

use std::future::Future;

use crate::db::DbConn;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;

use super::AuthContext;
use crate::auth::cookie_cache;
use crate::auth::session_store::{DbAccess, StoreError};
use crate::auth::sessions::{self, Lookup};
use crate::db::models::{Session as SessionRow, User};
use crate::error::{ApiError, ErrorCode};
use crate::state::LazyConn;

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

    /// Looks the session up, parking the cookies it sets in the context's headers.
    fn lookup(ctx: &AuthContext) -> impl Future<Output = Result<Self::Output, ApiError>>;
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

    async fn lookup(_: &AuthContext) -> Result<(), ApiError> {
        Ok(())
    }
}

impl SessionPolicy for OptionalSession {
    type Output = Option<Caller>;

    async fn lookup(ctx: &AuthContext) -> Result<Option<Caller>, ApiError> {
        lookup_session(ctx, Source::CacheOrDatabase).await
    }
}

impl SessionPolicy for Required {
    type Output = Caller;

    async fn lookup(ctx: &AuthContext) -> Result<Caller, ApiError> {
        required(ctx, Source::CacheOrDatabase).await
    }
}

impl SessionPolicy for Sensitive {
    type Output = Caller;

    async fn lookup(ctx: &AuthContext) -> Result<Caller, ApiError> {
        required(ctx, Source::Database).await
    }
}

impl SessionPolicy for Fresh {
    type Output = Caller;

    async fn lookup(ctx: &AuthContext) -> Result<Caller, ApiError> {
        let caller = Required::lookup(ctx).await?;
        if !sessions::is_fresh(&caller.session, ctx.config.session.fresh_age) {
            return Err(ApiError::Forbidden(ErrorCode::SessionNotFresh));
        }
        Ok(caller)
    }
}

/// The caller from `source`, or `401 UNAUTHORIZED`.
async fn required(ctx: &AuthContext, source: Source) -> Result<Caller, ApiError> {
    lookup_session(ctx, source)
        .await?
        .ok_or(ApiError::Unauthorized(ErrorCode::Unauthorized))
}

/// The session of a route without a body (`GET`), as its policy `P` finds it.
pub struct Session<P: SessionPolicy>(pub P::Output);

impl<P: SessionPolicy + 'static> FromRequest for Session<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { P::lookup(&AuthContext::of(&req)?).await.map(Session) })
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
pub fn start(ctx: &AuthContext, source: Source) -> Start<'_> {
    let (state, request) = (&ctx.state, &ctx.request);
    let cache = &state.config.cookie_cache;
    if cache.strategy.is_none() && request.cache_value.is_some() {
        ctx.clean_cache();
    }
    let Some(token) = request.session_token.as_deref() else {
        return Start::NoSession;
    };
    let use_cache = source == Source::CacheOrDatabase && cache.strategy.is_some();
    let Some(value) = request.cache_value.as_deref().filter(|_| use_cache) else {
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
            ctx.expire_cache();
            Start::Database(token)
        }
    }
}

/// `getSessionFromCtx`: the caller's session, or `None`. A missing or expired row expires the
/// cookies; a due refresh extends the session and re-sets the cookie; a database read re-issues
/// the cache. A refresh that loses a race counts as no session, as Better Auth's
/// `.catch(() => null)` does. Takes a connection only when the database must be read.
pub async fn lookup_session(ctx: &AuthContext, source: Source) -> Result<Option<Caller>, ApiError> {
    match start(ctx, source) {
        Start::NoSession => Ok(None),
        Start::Cached(caller) => Ok(Some(*caller)),
        Start::Database(token) => Ok(from_database(ctx, &mut LazyConn::new(ctx), token).await?),
    }
}

/// [`lookup_session`] on a connection the caller holds (inside its transaction).
pub async fn lookup_session_on(
    ctx: &AuthContext,
    conn: &mut DbConn,
    source: Source,
) -> Result<Option<Caller>, StoreError> {
    match start(ctx, source) {
        Start::NoSession => Ok(None),
        Start::Cached(caller) => Ok(Some(*caller)),
        Start::Database(token) => from_database(ctx, conn, token).await,
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
    ctx: &AuthContext,
    conn: &mut impl DbAccess,
    token: &str,
    refresh: bool,
) -> Result<Found, StoreError> {
    let (mut session, user) = match ctx.sessions().lookup(conn, token).await? {
        Lookup::Valid(s, u) => (s, u),
        Lookup::Gone => {
            ctx.clear_session();
            return Ok(Found::Gone);
        }
    };
    if refresh {
        let cfg = ctx.config.session;
        if sessions::refresh_due(&session, cfg.expires_in, cfg.update_age) {
            let refreshed = ctx.sessions().refresh(conn, token, cfg.expires_in);
            let Some(refreshed) = refreshed.await? else {
                return Ok(Found::RefreshRaced);
            };
            session = refreshed;
            ctx.set_session(&session, &user, false);
        } else {
            ctx.set_cache(&session, &user);
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
    ctx: &AuthContext,
    conn: &mut impl DbAccess,
    token: &str,
) -> Result<Option<Caller>, StoreError> {
    let refresh = !ctx.request.dont_remember;
    Ok(match read_session(ctx, conn, token, refresh).await? {
        Found::Live(caller) => Some(*caller),
        Found::Gone | Found::RefreshRaced => None,
    })
}

/// Sets the session cookie for `token` and, when the cache is on, its `session_data` with the
/// user read back from the database (so it carries what the handler just wrote). `cached`: the
/// caller's session as the cookie cache gave it, which Better Auth re-caches as it is;
/// `user_cached`: Better Auth builds the cached user from the cached one too (verify-email's
/// change-email path), so its keys keep the schema order.
pub async fn issue_session(
    ctx: &AuthContext,
    conn: &mut DbConn,
    token: &str,
    cached: Option<&SessionRow>,
    user_cached: bool,
) -> Result<(), StoreError> {
    let dont_remember = ctx.request.dont_remember;
    ctx.set_session_cookie(token, dont_remember);
    if ctx.config.cookie_cache.strategy.is_none() {
        return Ok(());
    }
    let Some((session, user)) = ctx.sessions().find(conn, token).await? else {
        return Ok(());
    };
    let from_cache = cookie_cache::FromCache {
        session: cached.is_some_and(|s| s.token == token),
        user: user_cached,
    };
    let session = cached.filter(|_| from_cache.session).unwrap_or(&session);
    ctx.set_cache_with((session, &user), dont_remember, from_cache);
    Ok(())
}

/// Signs a user in, as sign-in and sign-up do: a session (one day when `rememberMe` is false, else
/// `expiresIn`) and its cookies, `dont_remember` included (`better-auth/src/cookies/index.ts`).
pub async fn start_session(
    ctx: &AuthContext,
    conn: &mut DbConn,
    user: &User,
    remember_me: Option<bool>,
) -> Result<SessionRow, StoreError> {
    let dont_remember = remember_me == Some(false);
    let lifetime = if dont_remember {
        sessions::DONT_REMEMBER_LIFETIME
    } else {
        ctx.config.session.expires_in
    };
    let client = &ctx.request.client;
    let session = ctx.sessions().create(conn, user, client, lifetime).await?;
    ctx.set_session(&session, user, dont_remember);
    Ok(session)
}
