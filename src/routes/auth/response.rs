//! Better Auth's response shapes and headers: user and session objects, session cookies, and the
//! bearer plugin's `set-auth-token`.

use actix_web::{HttpResponse, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AuthRequest;
use crate::auth::cookie_cache;
use crate::auth::crypto::sign_value;
use crate::db::models::{Session, User};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ser_iso;

/// A user, in Better Auth's key order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    #[schema(example = "Alice")]
    pub name: String,
    #[schema(example = "alice@example.com")]
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-24T21:44:44.205Z")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-24T21:44:44.205Z")]
    pub updated_at: DateTime<Utc>,
    #[schema(example = "xMbf3brruZJ0wSl1zVwZIbH27yk1V866")]
    pub id: String,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            name: u.name,
            email: u.email,
            email_verified: u.email_verified,
            image: u.image,
            created_at: u.created_at,
            updated_at: u.updated_at,
            id: u.id,
        }
    }
}

/// A session, in Better Auth's key order; it includes the raw token, as Better Auth's does.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    pub token: String,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_id: String,
    pub id: String,
}

impl From<Session> for SessionResponse {
    fn from(s: Session) -> Self {
        Self {
            expires_at: s.expires_at,
            token: s.token,
            created_at: s.created_at,
            updated_at: s.updated_at,
            ip_address: s.ip_address,
            user_agent: s.user_agent,
            user_id: s.user_id,
            id: s.id,
        }
    }
}

/// `get-session`'s body when a session is found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionWithUser {
    pub session: SessionResponse,
    pub user: UserResponse,
}

/// Headers a Better Auth response may carry besides its body.
#[derive(Debug, Default)]
pub struct AuthHeaders {
    cookies: Vec<String>,
    /// The bearer plugin's `set-auth-token` (signed token).
    auth_token: Option<String>,
    /// The jwt plugin's `set-auth-jwt`.
    auth_jwt: Option<String>,
    location: Option<String>,
    no_store: bool,
}

impl AuthHeaders {
    /// Sets the session cookie (and `dont_remember` when asked), plus `set-auth-token`; a
    /// `dont_remember` cookie the request carried is expired on a remembered session
    /// (`setSessionCookie`). The cookie cache follows with [`AuthHeaders::set_cache`].
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

    /// [`AuthHeaders::set_cache`]; `from_cache` keeps the key order Better Auth gives what it read
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

    /// `setSessionCookie` with its cache: [`AuthHeaders::set_session`], then
    /// [`AuthHeaders::set_cache`].
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

    /// Builds the response with a JSON body.
    pub fn json(self, status: StatusCode, body: &impl Serialize) -> HttpResponse {
        self.builder(status).json(body)
    }

    /// Builds the response with no body (redirects).
    pub fn empty(self, status: StatusCode) -> HttpResponse {
        let mut response = self.builder(status);
        response.content_type("application/json");
        response.finish()
    }

    /// Wraps an error so the cookies and headers set so far reach its response too.
    pub fn fail(self, error: ApiError) -> ApiError {
        error.with_headers(self.into_pairs())
    }

    /// The headers as name/value pairs, in the order the response carries them.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .cookies
            .into_iter()
            .map(|c| ("set-cookie".to_owned(), c))
            .collect();
        let mut exposed = Vec::new();
        if let Some(jwt) = self.auth_jwt {
            pairs.push(("set-auth-jwt".into(), jwt));
            exposed.push("set-auth-jwt");
        }
        if let Some(token) = self.auth_token {
            pairs.push(("set-auth-token".into(), token));
            exposed.push("set-auth-token");
        }
        if !exposed.is_empty() {
            pairs.push(("access-control-expose-headers".into(), exposed.join(", ")));
        }
        if let Some(location) = self.location {
            pairs.push(("location".into(), location));
        }
        if self.no_store {
            pairs.push(("cache-control".into(), "no-store".into()));
            pairs.push(("pragma".into(), "no-cache".into()));
        }
        pairs
    }

    fn builder(self, status: StatusCode) -> actix_web::HttpResponseBuilder {
        let mut response = HttpResponse::build(status);
        for (name, value) in self.into_pairs() {
            response.append_header((name, value));
        }
        response
    }
}
