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
        // better-auth-contract.md §4.2 example.
        assert_eq!(
            cookie,
            "better-auth.session_token=ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF.NAuTstDjQHlNUnU3%2FIenxtibQE8G4ei6C1w1yN9vafc%3D; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
        );
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
