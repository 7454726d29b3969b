//! Better Auth's endpoint context (`ctx` in its routes): the server's state, what the request
//! says ([`AuthRequest`]), and the headers its response will carry ([`ResponseHeaders`]).

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;

use super::auth_request::app_state;
use super::{AuthRequest, ResponseHeaders};
use crate::auth::cookie_cache;
use crate::auth::crypto::sign_value;
use crate::db::models::{Session, User};
use crate::error::ApiError;
use crate::state::AppState;

/// What every auth handler works with. Dereferences to the [`AppState`].
#[derive(Clone)]
pub struct AuthContext {
    pub state: web::Data<AppState>,
    pub request: AuthRequest,
    pub headers: ResponseHeaders,
}

impl AuthContext {
    /// The request's context.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = app_state(req)?.clone();
        Ok(Self {
            request: AuthRequest::of(req, &state),
            headers: ResponseHeaders::of(req),
            state,
        })
    }

    /// `setSessionCookie` (`better-auth/src/cookies/index.ts`): the session cookie (and
    /// `dont_remember` when asked), plus `set-auth-token`; a `dont_remember` cookie the request
    /// carried is expired on a remembered session. The cache follows with [`Self::set_cache_with`].
    pub fn set_session_cookie(&self, token: &str, dont_remember: bool) {
        let (config, names) = (&self.config, &self.cookies);
        let secret = config.current_secret();
        let max_age = (!dont_remember).then_some(config.session.expires_in.as_secs());
        let mut headers = self.headers.edit();
        headers.set_cookie(names.session(secret, token, max_age));
        if dont_remember {
            headers.set_cookie(names.dont_remember(secret));
        } else if self.request.dont_remember {
            headers.set_cookie(names.expire(&names.dont_remember));
        }
        headers.set_auth_token(sign_value(secret, token));
    }

    /// `setCookieCache`: the `session_data` cookie(s) for this session, when the cache is on. A
    /// not-remembered session's cache cookie has no `Max-Age`; `from_cache` keeps the key order
    /// Better Auth gives what it read from the cache.
    pub fn set_cache_with(
        &self,
        (session, user): (&Session, &User),
        dont_remember: bool,
        from_cache: cookie_cache::FromCache,
    ) {
        let config = &self.config;
        let now = Utc::now();
        let encoded = cookie_cache::encode(config, session, user, dont_remember, from_cache, now);
        let Some(value) = encoded else {
            return;
        };
        let max_age = (!dont_remember).then_some(config.cookie_cache.max_age.as_secs());
        let cookies = self
            .cookies
            .cache_cookies(&value, max_age, &self.request.cache_cookies);
        let mut headers = self.headers.edit();
        cookies.into_iter().for_each(|c| headers.set_cookie(c));
    }

    /// `setSessionCookie` with its cache, for a session read from the database.
    pub fn set_session(&self, session: &Session, user: &User, dont_remember: bool) {
        self.set_session_cookie(&session.token, dont_remember);
        self.set_cache_with((session, user), dont_remember, Default::default());
    }

    /// `setCookieCache` for a remembered session read from the database.
    pub fn set_cache(&self, session: &Session, user: &User) {
        self.set_cache_with((session, user), false, Default::default());
    }

    /// Expires the `session_data` cookie (`expireCookie`), for a cache that cannot be used.
    pub fn expire_cache(&self) {
        let names = &self.cookies;
        let expired = names.expire(&names.session_data);
        self.headers
            .edit()
            .replace_cookie(&names.session_data, expired);
    }

    /// Expires every cache chunk the request carried (`sessionStore.clean()`).
    pub fn clean_cache(&self) {
        let mut headers = self.headers.edit();
        for name in &self.request.cache_cookies {
            headers.set_cookie(self.cookies.expire(name));
        }
    }

    /// `deleteSessionCookie`: expires the session cookies.
    pub fn clear_session(&self) {
        let names = &self.cookies;
        let expire = |name: &str| {
            self.headers.edit().replace_cookie(name, names.expire(name));
        };
        expire(&names.session_token);
        expire(&names.session_data);
        self.clean_cache();
        expire(&names.dont_remember);
    }
}

impl Deref for AuthContext {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.state
    }
}

impl FromRequest for AuthContext {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}
