//! Trusted origins and URL checks, as `better-auth/src/auth/trusted-origins.ts`
//! and `better-auth/src/api/middlewares/origin-check.ts`.

use regex::Regex;
use url::Url;

use crate::error::{ApiError, ErrorCode};

/// One trusted-origin pattern, with its wildcard matcher compiled once.
#[derive(Debug, Clone)]
struct Pattern {
    raw: String,
    wildcard: Option<Regex>,
}

/// The trusted origins: the base URL's origin plus `BETTER_AUTH_TRUSTED_ORIGINS`.
#[derive(Debug, Clone)]
pub struct TrustedOrigins {
    patterns: Vec<Pattern>,
}

impl TrustedOrigins {
    /// Compiles the patterns (Better Auth's `*` and `?` wildcards).
    pub fn new(patterns: &[String]) -> Self {
        let patterns = patterns
            .iter()
            .map(|raw| Pattern {
                raw: raw.clone(),
                wildcard: (raw.contains('*') || raw.contains('?'))
                    .then(|| wildcard_regex(raw))
                    .flatten(),
            })
            .collect();
        Self { patterns }
    }

    /// Whether `url` (an origin, a full URL, or with `allow_relative` a relative path) is trusted.
    pub fn is_trusted(&self, url: &str, allow_relative: bool) -> bool {
        if url.starts_with('/') {
            return allow_relative && is_safe_relative_path(url);
        }
        self.patterns.iter().any(|p| matches_pattern(url, p))
    }

    /// Whether a browser origin (`Origin` header, or the `Referer` reduced to its origin) is trusted.
    pub fn is_trusted_origin(&self, origin: &str) -> bool {
        self.is_trusted(origin, false)
    }
}

fn matches_pattern(url: &str, pattern: &Pattern) -> bool {
    let parsed = Url::parse(url).ok();
    if let Some(regex) = &pattern.wildcard {
        if pattern.raw.contains("://") {
            let origin = parsed
                .as_ref()
                .map(|u| u.origin())
                .filter(url::Origin::is_tuple)
                .map(|o| o.ascii_serialization());
            return regex.is_match(origin.as_deref().unwrap_or(url));
        }
        return parsed
            .as_ref()
            .and_then(host_with_port)
            .is_some_and(|host| regex.is_match(&host));
    }
    match parsed {
        Some(u) if matches!(u.scheme(), "http" | "https") => {
            u.origin().ascii_serialization() == pattern.raw
        }
        // Custom schemes (myapp://...) match by prefix, as Better Auth does.
        Some(_) => url.starts_with(&pattern.raw),
        None => false,
    }
}

fn host_with_port(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// `wildcardMatch` with the default `/` separator: `*` and `?` never cross a `/` or `\`.
fn wildcard_regex(pattern: &str) -> Option<Regex> {
    let mut out = String::from("^");
    let segments: Vec<&str> = pattern.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() && i > 0 {
            continue;
        }
        for c in segment.chars() {
            match c {
                '*' => out.push_str(r"[^/\\]*?"),
                '?' => out.push_str(r"[^/\\]"),
                c => out.push_str(&regex::escape(&c.to_string())),
            }
        }
        out.push_str(if i == segments.len() - 1 {
            r"[/\\]*?"
        } else {
            r"[/\\]+?"
        });
    }
    out.push('$');
    Regex::new(&out).ok()
}

/// Better Auth's safe relative path: `/x`, not `//`, no `\`, no encoded slashes, no control characters.
fn is_safe_relative_path(url: &str) -> bool {
    static_safe_path().is_match(url)
}

#[expect(
    clippy::expect_used,
    reason = "a constant pattern, checked by the tests"
)]
fn static_safe_path() -> &'static Regex {
    static SAFE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    SAFE.get_or_init(|| {
        // `^\/(?!\/|\\|%2f|%5c)[\w\-.\+/@]*(?:\?[\w\-.\+/=&%@]*)?$` without lookaround: `%` and `\`
        // cannot occur in the path class anyway, so only a second `/` needs excluding.
        Regex::new(r"^/(?:[A-Za-z0-9_\-.+@][A-Za-z0-9_\-.+/@]*)?(?:\?[A-Za-z0-9_\-.+/=&%@]*)?$")
            .expect("valid regex")
    })
}

/// Which request value a URL check is for; decides the 403 code.
#[derive(Debug, Clone, Copy)]
pub enum UrlLabel {
    CallbackUrl,
    RedirectTo,
    ErrorCallbackUrl,
    NewUserCallbackUrl,
}

impl UrlLabel {
    fn code(self) -> ErrorCode {
        match self {
            UrlLabel::CallbackUrl => ErrorCode::InvalidCallbackUrl,
            UrlLabel::RedirectTo => ErrorCode::InvalidRedirectUrl,
            UrlLabel::ErrorCallbackUrl => ErrorCode::InvalidErrorCallbackUrl,
            UrlLabel::NewUserCallbackUrl => ErrorCode::InvalidNewUserCallbackUrl,
        }
    }

    fn name(self) -> &'static str {
        match self {
            UrlLabel::CallbackUrl => "callbackURL",
            UrlLabel::RedirectTo => "redirectURL",
            UrlLabel::ErrorCallbackUrl => "errorCallbackURL",
            UrlLabel::NewUserCallbackUrl => "newUserCallbackURL",
        }
    }
}

impl TrustedOrigins {
    /// Checks one callback-like value from a body or query: absent and empty values pass,
    /// non-strings are a 400, untrusted URLs a 403 with the label's code.
    pub fn check_url(
        &self,
        value: Option<&serde_json::Value>,
        label: UrlLabel,
    ) -> Result<(), ApiError> {
        match value {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => Ok(()),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(()),
            Some(serde_json::Value::String(s)) => {
                if self.is_trusted(s, true) {
                    Ok(())
                } else {
                    tracing::warn!(label = label.name(), url = %s, "untrusted URL rejected");
                    Err(ApiError::Forbidden(label.code()))
                }
            }
            Some(_) => Err(ApiError::BadRequestMessageOnly(match label {
                UrlLabel::CallbackUrl => "Invalid callbackURL: expected a string",
                UrlLabel::RedirectTo => "Invalid redirectURL: expected a string",
                UrlLabel::ErrorCallbackUrl => "Invalid errorCallbackURL: expected a string",
                UrlLabel::NewUserCallbackUrl => "Invalid newUserCallbackURL: expected a string",
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> TrustedOrigins {
        TrustedOrigins::new(&[
            "http://localhost:3000".into(),
            "http://localhost:3001".into(),
            "*.example.com".into(),
            "https://*.trusted.dev".into(),
            "myapp://".into(),
        ])
    }

    #[test]
    fn exact_origins_and_referers_reduced_to_their_origin_are_trusted() {
        let o = origins();
        assert!(o.is_trusted_origin("http://localhost:3001"));
        assert!(o.is_trusted_origin("http://localhost:3001/some/page?x=1"));
        assert!(!o.is_trusted_origin("http://localhost:3002"));
        assert!(!o.is_trusted_origin("http://evil.com"));
        assert!(!o.is_trusted_origin("null"));
    }

    #[test]
    fn wildcards_match_hosts_or_full_origins_but_never_cross_a_slash() {
        let o = origins();
        assert!(o.is_trusted_origin("https://app.example.com"));
        assert!(o.is_trusted_origin("https://a.trusted.dev"));
        assert!(!o.is_trusted_origin("http://a.trusted.dev"));
        assert!(!o.is_trusted_origin("https://example.com.evil.net"));
        assert!(!o.is_trusted_origin("https://evil.net/.example.com"));
    }

    #[test]
    fn relative_callbacks_must_be_safe_paths() {
        let o = origins();
        for ok in ["/", "/dashboard", "/a/b?x=1&y=%20", "/reset-password"] {
            assert!(o.is_trusted(ok, true), "{ok}");
        }
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "/%2fevil.com",
            "/%5Cevil",
            "/a b",
            "/a\nb",
            "https://evil.com/x",
        ] {
            assert!(!o.is_trusted(bad, true), "{bad}");
        }
        assert!(!o.is_trusted("/dashboard", false));
    }

    #[test]
    fn custom_schemes_match_by_prefix() {
        assert!(origins().is_trusted("myapp://callback", true));
    }
}
