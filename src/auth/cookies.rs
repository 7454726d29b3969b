//! Better Auth's cookies: names, attributes, signed values
//! (`better-auth/src/cookies/index.ts`, `better-call/src/cookies.ts`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use secrecy::SecretString;

use super::crypto::{sign_value, verify_signed};

/// What `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    utf8_percent_encode(s, URI_COMPONENT).to_string()
}

/// The three cookie names, with the `__Secure-` prefix on https deployments.
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session_token: String,
    pub session_data: String,
    pub dont_remember: String,
    secure: bool,
}

impl CookieNames {
    /// Names for a deployment; `secure` adds the prefix and the `Secure` attribute.
    pub fn new(secure: bool) -> Self {
        let prefix = if secure {
            "__Secure-better-auth"
        } else {
            "better-auth"
        };
        Self {
            session_token: format!("{prefix}.session_token"),
            session_data: format!("{prefix}.session_data"),
            dont_remember: format!("{prefix}.dont_remember"),
            secure,
        }
    }

    /// `Set-Cookie` for a signed value; `max_age` of `None` makes a browser-session cookie.
    /// Attribute order follows `serializeCookieValue`: Max-Age, Path, HttpOnly, Secure, SameSite.
    pub fn set(&self, name: &str, signed_value: &str, max_age: Option<u64>) -> String {
        let mut cookie = format!("{name}={}", encode_uri_component(signed_value));
        if let Some(max_age) = max_age {
            cookie.push_str(&format!("; Max-Age={max_age}"));
        }
        cookie.push_str("; Path=/; HttpOnly");
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie.push_str("; SameSite=Lax");
        cookie
    }

    /// `Set-Cookie` that expires `name`.
    pub fn expire(&self, name: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}=; Max-Age=0; Path=/; HttpOnly{secure}; SameSite=Lax")
    }

    /// The three expiries of `deleteSessionCookie`, in Better Auth's order.
    pub fn expire_all(&self) -> [String; 3] {
        [
            self.expire(&self.session_token),
            self.expire(&self.session_data),
            self.expire(&self.dont_remember),
        ]
    }

    /// The session-token cookie for a raw token.
    pub fn session(&self, secret: &SecretString, token: &str, max_age: Option<u64>) -> String {
        self.set(&self.session_token, &sign_value(secret, token), max_age)
    }

    /// The signed `dont_remember=true` cookie.
    pub fn dont_remember(&self, secret: &SecretString) -> String {
        self.set(&self.dont_remember, &sign_value(secret, "true"), None)
    }
}

/// Better Auth's per-cookie ceiling (`cookies/session-store.ts` `MAX_COOKIE_SIZE`).
const MAX_COOKIE_SIZE: usize = 4050;
/// At most this many chunks; a larger cache is skipped.
const MAX_CHUNKS: usize = 100;

impl CookieNames {
    /// The `session_data` Set-Cookie lines of `createSessionStore(...).chunk(value)`: every
    /// cache cookie the request carried (`in_request`) expired, except those rewritten in place,
    /// then the value under its own name, or as `.0`, `.1`, ... when it exceeds the ceiling.
    pub fn cache_cookies(
        &self,
        value: &str,
        max_age: Option<u64>,
        in_request: &[String],
    ) -> Vec<String> {
        let name = &self.session_data;
        let overhead = self.set(&format!("{name}.99"), "", max_age).len();
        let size = MAX_COOKIE_SIZE.saturating_sub(overhead).max(1);
        let count = value.len().div_ceil(size);
        let chunks: Vec<(String, &str)> = if count <= 1 {
            vec![(name.clone(), value)]
        } else if count > MAX_CHUNKS {
            tracing::warn!("the session cookie cache is too large even after chunking; skipped");
            Vec::new()
        } else {
            // base64url and JWT text are ASCII, so byte offsets are character offsets.
            (0..count)
                .map(|i| {
                    (
                        format!("{name}.{i}"),
                        &value[i * size..value.len().min((i + 1) * size)],
                    )
                })
                .collect()
        };
        let mut lines: Vec<(String, String)> = in_request
            .iter()
            .map(|n| (n.clone(), self.expire(n)))
            .collect();
        for (chunk_name, chunk) in chunks {
            let line = self.set(&chunk_name, chunk, max_age);
            match lines.iter_mut().find(|(n, _)| *n == chunk_name) {
                Some(slot) => slot.1 = line,
                None => lines.push((chunk_name, line)),
            }
        }
        lines.into_iter().map(|(_, line)| line).collect()
    }

    /// The `session_data` cookie's names in a `Cookie` header (exact, or `.N` chunks) and its
    /// value: the exact name wins, else the chunks joined in index order (`getChunkedCookie`).
    pub fn read_cache(&self, header: &str) -> (Vec<String>, Option<String>) {
        let name = &self.session_data;
        let mut names = Vec::new();
        let mut chunks: Vec<(u32, &str)> = Vec::new();
        for pair in header.split(';') {
            let Some((k, v)) = pair.trim().split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            let index = k
                .strip_prefix(name.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|n| n.parse::<u32>().ok().filter(|i| i.to_string() == n));
            if (k == name || index.is_some()) && !names.iter().any(|n| n == k) {
                names.push(k.to_owned());
            }
            if let Some(i) = index {
                chunks.push((i, v));
            }
        }
        let exact = find_cookie(header, name).filter(|v| !v.is_empty());
        let value = exact.map(str::to_owned).or_else(|| {
            chunks.sort_by_key(|(i, _)| *i);
            (!chunks.is_empty()).then(|| chunks.iter().map(|(_, v)| *v).collect())
        });
        (names, value)
    }
}

/// The value of cookie `name` in a `Cookie` header, or `None`.
pub fn find_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// A signed cookie's verified value (better-call's `getSignedCookie`): percent-decoded if it
/// contains `%`, signature strictly 44 characters of padded base64.
pub fn read_signed(raw: &str, secrets: &[SecretString]) -> Option<String> {
    let decoded = if raw.contains('%') {
        percent_decode_str(raw).decode_utf8().ok()?.into_owned()
    } else {
        raw.to_owned()
    };
    verify_signed(secrets, &decoded, true).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_serialized_as_better_auth_does() {
        let names = CookieNames::new(false);
        let secret: SecretString = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into();
        let cookie = names.session(&secret, "ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF", Some(604_800));
        // The value better-auth 1.7.25 sets for this token and secret (`better-call`'s
        // `signCookieValue`, serialized by `better-auth/src/cookies/index.ts`).
        assert_eq!(
            cookie,
            "better-auth.session_token=ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF.NAuTstDjQHlNUnU3%2FIenxtibQE8G4ei6C1w1yN9vafc%3D; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn a_large_cache_is_chunked_at_better_auths_sizes() {
        let names = CookieNames::new(false);
        let value = "x".repeat(7560);
        let lines = names.cache_cookies(&value, Some(300), &[]);
        assert_eq!(lines.len(), 2);
        // Observed: 3977 characters in `.0`, the rest in `.1`.
        assert!(lines[0].starts_with(&format!(
            "better-auth.session_data.0={}; Max-Age=300;",
            "x".repeat(3977)
        )));
        assert!(lines[1].starts_with(&format!(
            "better-auth.session_data.1={}; Max-Age=300;",
            "x".repeat(3583)
        )));
        // Going back to a small value expires the chunks the request carried.
        let had = [
            "better-auth.session_data.0".to_owned(),
            "better-auth.session_data.1".to_owned(),
        ];
        let lines = names.cache_cookies("small", Some(300), &had);
        assert_eq!(
            lines,
            [
                "better-auth.session_data.0=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
                "better-auth.session_data.1=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
                "better-auth.session_data=small; Max-Age=300; Path=/; HttpOnly; SameSite=Lax",
            ]
        );
        // Without Max-Age the chunk is 3990; with __Secure- 3960.
        let lines = names.cache_cookies(&"y".repeat(4000), None, &[]);
        assert!(lines[0].starts_with(&format!("better-auth.session_data.0={};", "y".repeat(3990))));
        let secure = CookieNames::new(true);
        let lines = secure.cache_cookies(&"z".repeat(4000), Some(300), &[]);
        assert!(lines[0].starts_with(&format!(
            "__Secure-better-auth.session_data.0={};",
            "z".repeat(3960)
        )));
    }

    #[test]
    fn the_cache_is_read_whole_or_from_its_chunks_in_order() {
        let names = CookieNames::new(false);
        let header = "better-auth.session_data.1=def; a=b; better-auth.session_data.0=abc; better-auth.session_data.01=no";
        let (found, value) = names.read_cache(header);
        assert_eq!(
            found,
            ["better-auth.session_data.1", "better-auth.session_data.0"]
        );
        assert_eq!(value.as_deref(), Some("abcdef"));
        let (found, value) =
            names.read_cache("better-auth.session_data=whole; better-auth.session_data.0=abc");
        assert_eq!(found.len(), 2);
        assert_eq!(value.as_deref(), Some("whole"));
        assert_eq!(names.read_cache("a=b"), (vec![], None));
    }

    #[test]
    fn secure_deployments_prefix_the_name_and_add_secure() {
        let names = CookieNames::new(true);
        assert_eq!(
            names.expire(&names.session_token),
            "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn signed_cookies_are_read_back_and_tampering_is_rejected() {
        let secret: SecretString = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into();
        let header = "a=b; better-auth.session_token=ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF.NAuTstDjQHlNUnU3%2FIenxtibQE8G4ei6C1w1yN9vafc%3D";
        let raw = find_cookie(header, "better-auth.session_token").unwrap();
        assert_eq!(
            read_signed(raw, std::slice::from_ref(&secret)).as_deref(),
            Some("ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF")
        );
        assert_eq!(
            read_signed(&raw.replace("ajtb", "ajtc"), std::slice::from_ref(&secret)),
            None
        );
        assert_eq!(read_signed("plain-token", &[secret]), None);
    }
}
