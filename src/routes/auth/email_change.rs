//! The e-mail-change half of `GET /verify-email`: tokens carrying `updateTo`
//! (`better-auth/src/api/routes/email-verification.ts` `verifyEmail`).

use serde_json::json;
use url::Url;

use super::AuthHeaders;
use super::AuthRequest;
use super::email_verification::{done, status_with_user};
use super::guard::{Caller, Reply, issue_session, lookup_session};
use super::mail::{send_verification, sign_token};
use crate::auth::email::{Template, verify_email_link};
use crate::auth::email_token::{
    CHANGE_EMAIL_CONFIRMATION, CHANGE_EMAIL_VERIFICATION, EmailClaims, EmailToken,
};
use crate::auth::users;
use crate::db::models::{User, UserChanges};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// `appendQueryParams` (`@better-auth/core/src/utils/url.ts`): adds `key=value` to an absolute or
/// root-relative URL, keeping its existing query; `None` for other inputs.
pub fn append_query(input: &str, key: &str, value: &str) -> Option<String> {
    if input.starts_with("//") || input.starts_with("/\\") {
        return None;
    }
    let relative = input.starts_with('/');
    let mut url = if relative {
        Url::parse("http://reference.invalid")
            .ok()?
            .join(input)
            .ok()?
    } else {
        Url::parse(input).ok()?
    };
    let added = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    let query = match url.query() {
        Some(q) if !q.is_empty() && q.ends_with('&') => format!("{q}{added}"),
        Some(q) if !q.is_empty() => format!("{q}&{added}"),
        _ => added,
    };
    url.set_query(Some(&query));
    Some(if relative {
        url[url::Position::BeforePath..].to_owned()
    } else {
        url.into()
    })
}

/// The user a change token is bound to: it must name a user whose address is still `email`,
/// and a signed-in caller must be that user. Also returns the caller's session, if any.
async fn bound_user(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
    claims: &EmailClaims,
) -> Result<(User, Option<Caller>), ApiError> {
    let unauthorized = |code| Err(ApiError::Unauthorized(code));
    let Some(user_id) = claims.user_id.as_deref() else {
        return unauthorized(ErrorCode::InvalidToken);
    };
    let Some(bound) = users::find_by_id(&mut *state.conn().await?, user_id).await? else {
        return unauthorized(ErrorCode::UserNotFound);
    };
    if bound.email.to_lowercase() != claims.email {
        return unauthorized(ErrorCode::InvalidToken);
    }
    let session = lookup_session(state, ctx, headers, false).await?;
    if session.as_ref().is_some_and(|s| s.user.id != bound.id) {
        return unauthorized(ErrorCode::InvalidUser);
    }
    Ok((bound, session))
}

/// A token carrying `updateTo`: confirm (mail the new address), verify (switch), or, for tokens
/// without a request type, Better Auth's legacy one-step switch.
pub async fn confirm_change(
    state: &AppState,
    ctx: &AuthRequest,
    headers: &mut AuthHeaders,
    claims: &EmailClaims,
    callback: Option<&str>,
) -> Result<Reply, ApiError> {
    let update_to = claims.update_to.as_deref().unwrap_or_default();
    let (bound, session) = bound_user(state, ctx, headers, claims).await?;
    if claims.request_type.as_deref() == Some(CHANGE_EMAIL_CONFIRMATION) {
        let token = EmailToken {
            email: &claims.email,
            update_to: Some(update_to),
            request_type: Some(CHANGE_EMAIL_VERIFICATION),
            user_id: Some(&bound.id),
        };
        let url = verify_email_link(
            &state.config.auth_base(),
            &sign_token(state, token)?,
            callback,
        );
        let new_email = update_to.to_owned();
        state
            .mailer
            .send(update_to, Template::ChangeEmail { url, new_email });
        return Ok(done(callback, json!({"status": true})));
    }
    let switch = claims.request_type.as_deref() == Some(CHANGE_EMAIL_VERIFICATION);
    // The two-step flow keeps the verified flag; the legacy one resets it and re-verifies.
    let verified = switch && bound.email_verified;
    let Some(updated) = switch_email(state, &bound, update_to, verified).await? else {
        return Err(ApiError::Unauthorized(ErrorCode::InvalidToken));
    };
    if !switch {
        send_verification(state, &bound.id, update_to, callback)?;
    }
    if let Some(session) = session {
        let cached = session.from_cache.then_some(&session.session);
        issue_session(
            state,
            ctx,
            headers,
            &session.session.token,
            cached,
            session.from_cache,
        )
        .await?;
    }
    tracing::info!(target: "audit", event = "change_email", outcome = "changed", user_id = %bound.id);
    Ok(done(callback, status_with_user(updated)))
}

/// Sets the new address; `None` when it was taken since the link was sent.
async fn switch_email(
    state: &AppState,
    user: &User,
    new_email: &str,
    verified: bool,
) -> Result<Option<User>, ApiError> {
    let changes = UserChanges {
        email: Some(new_email),
        email_verified: Some(verified),
        ..UserChanges::default()
    };
    match users::update(&mut *state.conn().await?, &user.id, changes).await {
        Ok(updated) => Ok(updated),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            tracing::info!(user_id = %user.id, "e-mail change refused: address taken meanwhile");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_query_keeps_the_path_and_query_of_relative_and_absolute_urls() {
        assert_eq!(
            append_query("/", "error", "INVALID_TOKEN").as_deref(),
            Some("/?error=INVALID_TOKEN")
        );
        assert_eq!(
            append_query("/done?x=1", "error", "TOKEN_EXPIRED").as_deref(),
            Some("/done?x=1&error=TOKEN_EXPIRED")
        );
        assert_eq!(
            append_query("http://localhost:3001/v?a=b&", "error", "X").as_deref(),
            Some("http://localhost:3001/v?a=b&error=X")
        );
        assert_eq!(append_query("//evil.com", "error", "X"), None);
    }
}
