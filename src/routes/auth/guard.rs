//! Better Auth's session middlewares (`better-auth/src/api/routes/session.ts`): the caller's
//! session, found as `getSession` finds it (expired rows deleted and cookies expired, sliding
//! refresh re-setting the cookie), plus the `Reply` helper that keeps those cookies on errors too.

use actix_web::{HttpResponse, http::StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::{AuthHeaders, AuthRequest};
use crate::auth::sessions::{self, Lookup};
use crate::db::models::{Session, User};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The signed-in caller.
#[derive(Debug)]
pub struct Caller {
    pub session: Session,
    pub user: User,
}

/// A caller whose session was required, with the headers the lookup produced.
#[derive(Debug)]
pub struct Authed {
    pub session: Session,
    pub user: User,
    /// A sliding refresh's cookie, if one happened; handlers add theirs.
    pub headers: AuthHeaders,
}

/// `getSessionFromCtx`: the caller's session, or `None`. A missing or expired row expires the
/// cookies (into `headers`); a due refresh extends the session and re-sets the cookie. A refresh
/// that loses a race counts as no session, as Better Auth's `.catch(() => null)` does.
pub async fn lookup_session(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
) -> Result<Option<Caller>, ApiError> {
    let Some(token) = ctx.session_token.as_deref() else {
        return Ok(None);
    };
    let mut conn = state.conn().await?;
    let (mut session, user) = match sessions::lookup(&mut conn, token).await? {
        Lookup::Valid(s, u) => (s, u),
        Lookup::Gone => {
            headers.clear_session(state);
            return Ok(None);
        }
    };
    let cfg = state.config.session;
    if !ctx.dont_remember && sessions::refresh_due(&session, cfg.expires_in, cfg.update_age) {
        let Some(refreshed) = sessions::refresh(&mut conn, token, cfg.expires_in).await? else {
            return Ok(None);
        };
        session = refreshed;
        headers.set_session(state, &session.token, false, false);
    }
    Ok(Some(Caller { session, user }))
}

/// `sessionMiddleware` / `sensitiveSessionMiddleware`: 401 `UNAUTHORIZED` without a live session.
pub async fn require_session(state: &AppState, ctx: &AuthRequest) -> Result<Authed, ApiError> {
    let mut headers = AuthHeaders::default();
    match lookup_session(state, ctx, &mut headers).await? {
        Some(Caller { session, user }) => Ok(Authed {
            session,
            user,
            headers,
        }),
        None => Err(headers.fail(ApiError::Unauthorized(ErrorCode::Unauthorized))),
    }
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
