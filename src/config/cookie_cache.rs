//! Better Auth's `session.cookieCache` options: `SESSION_COOKIE_CACHE`,
//! `SESSION_COOKIE_CACHE_MAX_AGE`, `SESSION_COOKIE_CACHE_VERSION`.

use std::time::Duration;

use super::{ConfigError, err, number};

/// How the `session_data` cookie is protected (`cookieCache.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStrategy {
    /// base64url JSON with an HMAC-SHA256 signature (Better Auth's default strategy).
    Compact,
    /// An HS256 JWT signed with the current secret.
    Jwt,
    /// A `dir` + A256CBC-HS512 JWE under an HKDF-derived key.
    Jwe,
}

/// The cookie cache; `strategy` of `None` turns it off (the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieCacheConfig {
    pub strategy: Option<CacheStrategy>,
    /// How long a cached copy is trusted (`cookieCache.maxAge`, default 300 s).
    pub max_age: Duration,
    /// `cookieCache.version`: a cache of another version is discarded (default `"1"`).
    pub version: String,
}

impl Default for CookieCacheConfig {
    fn default() -> Self {
        Self {
            strategy: None,
            max_age: Duration::from_secs(300),
            version: "1".into(),
        }
    }
}

pub(super) fn parse(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<CookieCacheConfig, ConfigError> {
    let strategy = match var("SESSION_COOKIE_CACHE").as_deref().map(str::trim) {
        None | Some("off") => None,
        Some("compact") => Some(CacheStrategy::Compact),
        Some("jwt") => Some(CacheStrategy::Jwt),
        Some("jwe") => Some(CacheStrategy::Jwe),
        Some(other) => {
            return Err(err(
                "SESSION_COOKIE_CACHE",
                format!("must be `off`, `compact`, `jwt` or `jwe`, got `{other}`"),
            ));
        }
    };
    // Better Auth reads `maxAge || 300`, so 0 would mean 300: refuse it instead of guessing.
    let max_age = number(var, "SESSION_COOKIE_CACHE_MAX_AGE", 300, 1, 400 * 86_400)?;
    let version = var("SESSION_COOKIE_CACHE_VERSION").unwrap_or_else(|| "1".into());
    if version.chars().any(char::is_control) {
        return Err(err(
            "SESSION_COOKIE_CACHE_VERSION",
            "must not contain control characters",
        ));
    }
    Ok(CookieCacheConfig {
        strategy,
        max_age: Duration::from_secs(max_age as u64),
        version,
    })
}
