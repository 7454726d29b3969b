//! E-mail verification tokens: stateless HS256 JWTs signed with the raw secret, header
//! `{"alg":"HS256"}` (`better-auth/src/crypto/jwt.ts` `signJWT`,
//! `better-auth/src/api/routes/email-verification.ts` `createEmailVerificationToken`).

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

/// `requestType` of the token mailed to the old address when a change must be confirmed first.
pub const CHANGE_EMAIL_CONFIRMATION: &str = "change-email-confirmation";
/// `requestType` of the token mailed to the new address; following it changes the e-mail.
pub const CHANGE_EMAIL_VERIFICATION: &str = "change-email-verification";

/// A token's claims, in Better Auth's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailClaims {
    /// The (lowercased) address the token verifies, or the current address for a change.
    pub email: String,
    /// The (lowercased) new address of an e-mail change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_to: Option<String>,
    /// [`CHANGE_EMAIL_CONFIRMATION`], [`CHANGE_EMAIL_VERIFICATION`], or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    /// The user the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Issued at, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// What a token is for; becomes the claims with `iat`/`exp` added.
#[derive(Debug, Clone, Default)]
pub struct EmailToken<'a> {
    pub email: &'a str,
    pub update_to: Option<&'a str>,
    pub request_type: Option<&'a str>,
    pub user_id: Option<&'a str>,
}

/// Why a token was refused; the two map to `INVALID_TOKEN` and `TOKEN_EXPIRED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

/// Signs a token valid for `lifetime`; e-mail addresses are lowercased as Better Auth does.
pub fn sign(
    secret: &SecretString,
    token: EmailToken<'_>,
    lifetime: Duration,
) -> anyhow::Result<String> {
    let iat = chrono::Utc::now().timestamp();
    let claims = EmailClaims {
        email: token.email.to_lowercase(),
        update_to: token.update_to.map(str::to_lowercase),
        request_type: token.request_type.map(str::to_owned),
        user_id: token.user_id.map(str::to_owned),
        iat: Some(iat),
        exp: Some(iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))),
    };
    let mut header = Header::new(Algorithm::HS256);
    header.typ = None;
    let key = EncodingKey::from_secret(secret.expose_secret().as_bytes());
    Ok(jsonwebtoken::encode(&header, &claims, &key)?)
}

/// Verifies a token against every secret (newest first); expiry is checked as `jose` does
/// (`exp <= now` is expired, no leeway), after the signature.
pub fn verify(secrets: &[SecretString], token: &str) -> Result<EmailClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = secrets
        .iter()
        .find_map(|secret| {
            let key = DecodingKey::from_secret(secret.expose_secret().as_bytes());
            jsonwebtoken::decode::<EmailClaims>(token, &key, &validation).ok()
        })
        .ok_or(TokenError::Invalid)?
        .claims;
    if claims
        .exp
        .is_some_and(|exp| exp <= chrono::Utc::now().timestamp())
    {
        return Err(TokenError::Expired);
    }
    if !super::users::is_valid_email(&claims.email) {
        return Err(TokenError::Invalid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn secret() -> SecretString {
        "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()
    }

    fn part(token: &str, i: usize) -> String {
        let raw = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap();
        String::from_utf8(raw).unwrap()
    }

    #[test]
    fn tokens_have_better_auths_header_and_claim_order() {
        let token = sign(
            &secret(),
            EmailToken {
                email: "Old@Example.com",
                update_to: Some("New@Example.com"),
                request_type: Some(CHANGE_EMAIL_VERIFICATION),
                user_id: Some("u1"),
            },
            Duration::from_secs(3600),
        )
        .unwrap();
        assert_eq!(part(&token, 0), r#"{"alg":"HS256"}"#);
        let payload = part(&token, 1);
        assert!(
            payload.starts_with(r#"{"email":"old@example.com","updateTo":"new@example.com","requestType":"change-email-verification","userId":"u1","iat":"#),
            "{payload}"
        );
        let claims = verify(&[secret()], &token).unwrap();
        assert_eq!(claims.exp.unwrap() - claims.iat.unwrap(), 3600);
    }

    #[test]
    fn a_wrong_secret_is_invalid_and_an_old_token_is_expired() {
        let token = sign(
            &secret(),
            EmailToken {
                email: "a@b.co",
                ..Default::default()
            },
            Duration::from_secs(60),
        )
        .unwrap();
        let other: SecretString = "another-secret-0123456789-abcdefghijklmnop".into();
        assert_eq!(
            verify(std::slice::from_ref(&other), &token),
            Err(TokenError::Invalid)
        );
        assert!(
            verify(&[other, secret()], &token).is_ok(),
            "rotated secrets still verify"
        );
        let expired = sign(
            &secret(),
            EmailToken {
                email: "a@b.co",
                ..Default::default()
            },
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(verify(&[secret()], &expired), Err(TokenError::Expired));
        assert_eq!(verify(&[secret()], "not.a.jwt"), Err(TokenError::Invalid));
    }
}
