//! Headers a Better Auth response carries besides its body: session cookies, the bearer plugin's
//! `set-auth-token`, the jwt plugin's `set-auth-jwt`.
//!
//! Better Auth sets them on the request context, so they reach the response whatever it is, an
//! error included (`kAPIErrorHeaderSymbol`, `better-call/src/endpoint.ts`). Here session
//! lookups and handlers park them in the request's extensions through [`ResponseHeaders`], and
//! the [`attach`] middleware on `/api/auth` adds them to whatever response leaves the scope.

use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use chrono::Utc;

use super::AuthRequest;
use crate::auth::cookie_cache;
use crate::auth::crypto::sign_value;
use crate::db::models::{Session, User};
use crate::error::ApiError;
use crate::state::AppState;

/// The headers parked so far for this request's response; see [`ResponseHeaders`].
#[derive(Debug, Default)]
pub struct PendingHeaders {
    cookies: Vec<String>,
    /// The bearer plugin's `set-auth-token` (signed token).
    auth_token: Option<String>,
    /// The jwt plugin's `set-auth-jwt`.
    auth_jwt: Option<String>,
    location: Option<String>,
    no_store: bool,
}

impl PendingHeaders {
    /// Sets the session cookie (and `dont_remember` when asked), plus `set-auth-token`; a
    /// `dont_remember` cookie the request carried is expired on a remembered session
    /// (`setSessionCookie`). The cookie cache follows with [`PendingHeaders::set_cache`].
    pub fn set_session(
        &mut self,
        state: &AppState,
        ctx: &AuthRequest,
        token: &str,
        dont_remember: bool,
    ) {
        let secret = state.config.current_secret();
        let max_age = (!dont_remember).then_some(state.config.session.expires_in.as_secs());
        self.cookies
            .push(state.cookies.session(secret, token, max_age));
        if dont_remember {
            self.cookies.push(state.cookies.dont_remember(secret));
        } else if ctx.dont_remember {
            self.cookies
                .push(state.cookies.expire(&state.cookies.dont_remember));
        }
        self.auth_token = Some(sign_value(secret, token));
    }

    /// `setCookieCache`: the `session_data` cookie(s) for this session, when the cache is on.
    /// A not-remembered session's cache cookie has no `Max-Age`.
    pub fn set_cache(
        &mut self,
        state: &AppState,
        ctx: &AuthRequest,
        session: &Session,
        user: &User,
        dont_remember: bool,
    ) {
        let fresh = cookie_cache::FromCache::default();
        self.set_cache_with(state, ctx, session, user, dont_remember, fresh);
    }

    /// [`PendingHeaders::set_cache`]; `from_cache` keeps the key order Better Auth gives what it read
    /// from the cache.
    pub fn set_cache_with(
        &mut self,
        state: &AppState,
        ctx: &AuthRequest,
        session: &Session,
        user: &User,
        dont_remember: bool,
        from_cache: cookie_cache::FromCache,
    ) {
        let config = &state.config;
        let now = Utc::now();
        let encoded = cookie_cache::encode(config, session, user, dont_remember, from_cache, now);
        let Some(value) = encoded else {
            return;
        };
        let max_age = (!dont_remember).then_some(config.cookie_cache.max_age.as_secs());
        self.cookies.extend(
            state
                .cookies
                .cache_cookies(&value, max_age, &ctx.cache_cookies),
        );
    }

    /// `setSessionCookie` with its cache: [`PendingHeaders::set_session`], then
    /// [`PendingHeaders::set_cache`].
    pub fn set_session_with_cache(
        &mut self,
        state: &AppState,
        ctx: &AuthRequest,
        session: &Session,
        user: &User,
        dont_remember: bool,
    ) {
        self.set_session(state, ctx, &session.token, dont_remember);
        self.set_cache(state, ctx, session, user, dont_remember);
    }

    /// `expireCookie`: drops what is queued for cookie `name`, then expires it.
    fn expire_cookie(&mut self, state: &AppState, name: &str) {
        let prefix = format!("{name}=");
        self.cookies.retain(|c| !c.starts_with(&prefix));
        self.cookies.push(state.cookies.expire(name));
    }

    /// Expires the `session_data` cookie (`expireCookie`), for a cache that cannot be used.
    pub fn expire_cache(&mut self, state: &AppState) {
        self.expire_cookie(state, &state.cookies.session_data);
    }

    /// Expires every cache chunk the request carried (`sessionStore.clean()`).
    pub fn clean_cache(&mut self, state: &AppState, ctx: &AuthRequest) {
        self.cookies
            .extend(ctx.cache_cookies.iter().map(|n| state.cookies.expire(n)));
    }

    /// Expires the session cookies, as `deleteSessionCookie`.
    pub fn clear_session(&mut self, state: &AppState, ctx: &AuthRequest) {
        let names = &state.cookies;
        self.expire_cookie(state, &names.session_token);
        self.expire_cookie(state, &names.session_data);
        self.clean_cache(state, ctx);
        self.expire_cookie(state, &names.dont_remember);
    }

    /// Adds the jwt plugin's `set-auth-jwt` header.
    pub fn set_jwt(&mut self, jwt: String) {
        self.auth_jwt = Some(jwt);
    }

    /// Adds a `Location` header (the status stays what the route says).
    pub fn location(&mut self, url: impl Into<String>) {
        self.location = Some(url.into());
    }

    /// `cache-control: no-store` and `pragma: no-cache`, as `get-session` sends.
    pub fn no_store(&mut self) {
        self.no_store = true;
    }

    /// Appends the parked headers to `headers`, cookies first, in the order they were set.
    fn apply(self, headers: &mut HeaderMap) {
        let mut append = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.append(HeaderName::from_static(name), value);
            }
        };
        for cookie in &self.cookies {
            append("set-cookie", cookie);
        }
        let mut exposed = Vec::new();
        if let Some(jwt) = &self.auth_jwt {
            append("set-auth-jwt", jwt);
            exposed.push("set-auth-jwt");
        }
        if let Some(token) = &self.auth_token {
            append("set-auth-token", token);
            exposed.push("set-auth-token");
        }
        if !exposed.is_empty() {
            append("access-control-expose-headers", &exposed.join(", "));
        }
        if let Some(location) = &self.location {
            append("location", location);
        }
        if self.no_store {
            append("cache-control", "no-store");
            append("pragma", "no-cache");
        }
    }
}

/// A handle on the request's [`PendingHeaders`], kept in its extensions; every handle of one
/// request shares them. Lock with [`ResponseHeaders::edit`], never across an `.await`. (A mutex,
/// not a `RefCell`, only so that it can be used inside a diesel-async transaction, which must be
/// `Send`; it is never contended.)
#[derive(Clone, Default)]
pub struct ResponseHeaders(Arc<Mutex<PendingHeaders>>);

impl ResponseHeaders {
    /// The request's handle, created on first use.
    pub fn of(req: &HttpRequest) -> Self {
        if let Some(headers) = req.extensions().get::<ResponseHeaders>() {
            return headers.clone();
        }
        let headers = ResponseHeaders::default();
        req.extensions_mut().insert(headers.clone());
        headers
    }

    /// The parked headers, to add to.
    pub fn edit(&self) -> MutexGuard<'_, PendingHeaders> {
        // A panic while editing leaves plain data behind: still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self) -> PendingHeaders {
        std::mem::take(&mut *self.edit())
    }
}

impl FromRequest for ResponseHeaders {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// Adds the headers parked during the request to its response, success or error.
pub async fn attach(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let parked = response
        .request()
        .extensions_mut()
        .remove::<ResponseHeaders>();
    if let Some(parked) = parked {
        parked.take().apply(response.headers_mut());
    }
    Ok(response)
}
