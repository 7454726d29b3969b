//! What the auth routes read from a request's headers: the session credential (bearer or cookie),
//! the CSRF-relevant headers, and the client's IP and user agent.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage as _, HttpRequest, dev::Payload, http::header, web};
use secrecy::SecretString;
use serde_json::Value;

use crate::auth::cookies::{find_cookie, read_signed};
use crate::auth::ip::client_ip;
use crate::auth::origin::UrlLabel;
use crate::auth::sessions::ClientInfo;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The auth-relevant view of a request. Its `Debug` leaves the credentials out.
#[derive(Clone, Default)]
pub struct AuthRequest {
    /// The verified raw session token: a valid bearer wins over the cookie (`bearer()` plugin).
    pub session_token: Option<String>,
    /// A valid signed `dont_remember` cookie was sent.
    pub dont_remember: bool,
    /// The request had a `Cookie` header of its own (bearer rewriting does not count).
    pub has_cookie: bool,
    /// The names of the `session_data` cookies the request carried (whole or `.N` chunks).
    pub cache_cookies: Vec<String>,
    /// The `session_data` value (chunks joined), undecoded.
    pub cache_value: Option<String>,
    pub origin: Option<String>,
    pub referer: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub sec_fetch_mode: Option<String>,
    pub sec_fetch_dest: Option<String>,
    pub client: ClientInfo,
    /// `callbackURL` from the query string, which the origin check validates on every route.
    pub query_callback: Option<String>,
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("AuthRequest")
            .field("session_token", &shown(&self.session_token))
            .field("cache_value", &shown(&self.cache_value))
            .field("dont_remember", &self.dont_remember)
            .field("has_cookie", &self.has_cookie)
            .field("origin", &self.origin)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

fn header_str(req: &HttpRequest, name: impl header::AsHeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The session token carried by `Authorization: Bearer`, as the bearer plugin reads it:
/// a signed `token.sig` (percent-decoded) or a raw token, which it signs itself.
pub fn bearer_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    let auth = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    bearer_credential(auth, &state.config.secrets)
}

/// The session token of an `Authorization` header value (see [`bearer_token`]): `None` unless it
/// is `Bearer <raw token>` or `Bearer <token.sig>` signed with one of `secrets`.
pub fn bearer_credential(auth: &str, secrets: &[SecretString]) -> Option<String> {
    // `get`, not indexing: callers other than `bearer_token` may pass non-ASCII text.
    if !auth.get(..7)?.eq_ignore_ascii_case("bearer ") {
        return None;
    }
    let token = auth[7..].trim();
    if token.is_empty() {
        return None;
    }
    if !token.contains('.') {
        return Some(token.to_owned());
    }
    let decoded = if token.contains('%') {
        percent_encoding::percent_decode_str(token)
            .decode_utf8()
            .ok()?
            .into_owned()
    } else {
        token.to_owned()
    };
    crate::auth::crypto::verify_signed(secrets, &decoded, false).map(str::to_owned)
}

impl AuthRequest {
    /// The request's view, read once and kept in its extensions for the other extractors.
    pub fn of(req: &HttpRequest, state: &AppState) -> Self {
        if let Some(ctx) = req.extensions().get::<AuthRequest>() {
            return ctx.clone();
        }
        let ctx = Self::from_http(req, state);
        req.extensions_mut().insert(ctx.clone());
        ctx
    }

    /// `originCheckMiddleware` for state-changing routes: the Origin when cookies are sent, then
    /// every callback-like URL in the body (or `callbackURL` in the query).
    pub fn check_origin(&self, state: &AppState, body: Option<&Value>) -> Result<(), ApiError> {
        self.validate_origin(state, false)?;
        let get = |key: &str| body.and_then(|b| b.get(key));
        let query_value = self.query_callback.clone().map(Value::String);
        let callback = get("callbackURL")
            .filter(|v| is_truthy(v))
            .or(query_value.as_ref());
        let origins = &state.origins;
        origins.check_url(callback, UrlLabel::CallbackUrl)?;
        origins.check_url(get("redirectTo"), UrlLabel::RedirectTo)?;
        origins.check_url(get("errorCallbackURL"), UrlLabel::ErrorCallbackUrl)?;
        origins.check_url(get("newUserCallbackURL"), UrlLabel::NewUserCallbackUrl)
    }

    /// Reads the request's headers.
    pub fn from_http(req: &HttpRequest, state: &AppState) -> Self {
        let cookie_header = cookie_header(req);
        let has_cookie = req.headers().contains_key(header::COOKIE);
        let secrets = &state.config.secrets;
        let from_cookie = find_cookie(&cookie_header, &state.cookies.session_token)
            .and_then(|raw| read_signed(raw, secrets));
        let dont_remember = find_cookie(&cookie_header, &state.cookies.dont_remember)
            .and_then(|raw| read_signed(raw, secrets))
            .is_some_and(|v| v == "true");
        let forwarded = header_str(req, "x-forwarded-for");
        let (cache_cookies, cache_value) = state.cookies.read_cache(&cookie_header);
        Self {
            cache_cookies,
            cache_value,
            session_token: bearer_token(req, state).or(from_cookie),
            dont_remember,
            has_cookie,
            origin: header_str(req, header::ORIGIN),
            referer: header_str(req, header::REFERER),
            sec_fetch_site: header_str(req, "sec-fetch-site"),
            sec_fetch_mode: header_str(req, "sec-fetch-mode"),
            sec_fetch_dest: header_str(req, "sec-fetch-dest"),
            query_callback: serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == "callbackURL")
                        .map(|(_, v)| v)
                }),
            client: ClientInfo {
                ip_address: client_ip(forwarded.as_deref()),
                user_agent: header_str(req, header::USER_AGENT).unwrap_or_default(),
            },
        }
    }

    fn origin_or_referer(&self) -> Option<&str> {
        self.origin
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.referer.as_deref().filter(|s| !s.is_empty()))
    }

    /// `validateOrigin`: with cookies (or when forced) the Origin, else the Referer, must be trusted.
    pub fn validate_origin(&self, state: &AppState, force: bool) -> Result<(), ApiError> {
        if !force && !self.has_cookie {
            return Ok(());
        }
        match self.origin_or_referer() {
            // `origin-check.ts`: a same-origin request's `Origin: null` stands for the base origin (trusted).
            Some("null") if self.sec_fetch_site.as_deref() == Some("same-origin") => Ok(()),
            None | Some("null") => Err(ApiError::Forbidden(ErrorCode::MissingOrNullOrigin)),
            Some(origin) if state.origins.is_trusted_origin(origin) => Ok(()),
            Some(origin) => {
                tracing::warn!(origin, "untrusted origin rejected");
                Err(ApiError::Forbidden(ErrorCode::InvalidOrigin))
            }
        }
    }

    /// `formCsrfMiddleware` of sign-in and sign-up (Fetch Metadata first-login protection).
    pub fn validate_form_csrf(&self, state: &AppState) -> Result<(), ApiError> {
        if self.has_cookie {
            return self.validate_origin(state, false);
        }
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if present(&self.sec_fetch_site)
            || present(&self.sec_fetch_mode)
            || present(&self.sec_fetch_dest)
        {
            if self.sec_fetch_site.as_deref() == Some("cross-site")
                && self.sec_fetch_mode.as_deref() == Some("navigate")
            {
                return Err(ApiError::Forbidden(
                    ErrorCode::CrossSiteNavigationLoginBlocked,
                ));
            }
            return self.validate_origin(state, true);
        }
        if self.origin_or_referer().is_some() {
            return self.validate_origin(state, true);
        }
        Ok(())
    }
}

impl FromRequest for AuthRequest {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_state(req).map(|state| Self::of(req, state)))
    }
}

/// The request's `Cookie` headers, joined as one.
pub fn cookie_header(req: &HttpRequest) -> String {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The application state of a request.
pub fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState is not registered")))
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    }
}
