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

use crate::error::ApiError;

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
    /// Adds a `Set-Cookie`.
    pub fn set_cookie(&mut self, cookie: String) {
        self.cookies.push(cookie);
    }

    /// `expireCookie`: drops what is queued for the cookie named in `expired` (a `name=...`
    /// expiring cookie), then adds `expired`.
    pub fn replace_cookie(&mut self, name: &str, expired: String) {
        let prefix = format!("{name}=");
        self.cookies.retain(|c| !c.starts_with(&prefix));
        self.cookies.push(expired);
    }

    /// Adds the bearer plugin's `set-auth-token` header.
    pub fn set_auth_token(&mut self, token: String) {
        self.auth_token = Some(token);
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
