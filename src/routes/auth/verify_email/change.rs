//! The e-mail-change half of `GET /verify-email`: tokens carrying `updateTo`
//! (`better-auth/src/api/routes/email-verification.ts` `verifyEmail`).

use crate::db::DbConn;
use actix_web::HttpResponse;
use serde_json::json;

use super::super::AuthContext;
use super::super::UserResponse;
use super::super::mail::{send_verification, sign_token};
use super::super::response::redirect_or_json;
use super::super::session_guard::{Caller, Source, issue_session, lookup_session_on};
use crate::auth::audit::Audit;
use crate::auth::email::{Template, verify_email_link};
use crate::auth::email_token::{
    CHANGE_EMAIL_CONFIRMATION, CHANGE_EMAIL_VERIFICATION, EmailClaims, EmailToken,
};
use crate::auth::users;
use crate::db::models::{User, UserChanges};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A token carrying `updateTo`: confirm (mail the new address), verify (switch), or, for tokens
/// without a request type, Better Auth's legacy one-step switch.
pub async fn confirm_change(
    ctx: &AuthContext,
    claims: &EmailClaims,
    callback: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = ctx.conn().await?;
    let (bound, session) = bound_user(ctx, &mut conn, claims).await?;
    if claims.request_type.as_deref() == Some(CHANGE_EMAIL_CONFIRMATION) {
        mail_new_address(ctx, claims, &bound, callback)?;
        return Ok(redirect_or_json(callback, &json!({"status": true})));
    }
    let updated = switch_email(ctx, &mut conn, claims, &bound, callback).await?;
    ctx.sessions().refresh_user(&updated).await?;
    if let Some(session) = session {
        let cached = session.from_cache.then_some(&session.session);
        let token = &session.session.token;
        issue_session(ctx, &mut conn, token, cached, session.from_cache).await?;
    }
    Audit::success("change_email", &bound.id)
        .outcome("changed")
        .log();
    let body = json!({"status": true, "user": UserResponse::from(updated)});
    Ok(redirect_or_json(callback, &body))
}

/// The switch: the two-step flow keeps the verified flag; the legacy one-step flow (no request
/// type) resets it and mails a verification link to the new address.
async fn switch_email(
    state: &AppState,
    conn: &mut DbConn,
    claims: &EmailClaims,
    bound: &User,
    callback: Option<&str>,
) -> Result<User, ApiError> {
    let update_to = claims.update_to.as_deref().unwrap_or_default();
    let two_step = claims.request_type.as_deref() == Some(CHANGE_EMAIL_VERIFICATION);
    let verified = two_step && bound.email_verified;
    let Some(updated) = set_email(conn, bound, update_to, verified).await? else {
        return Err(ApiError::Unauthorized(ErrorCode::InvalidToken));
    };
    if !two_step {
        send_verification(state, &bound.id, update_to, callback)?;
    }
    Ok(updated)
}

/// The first step approved by the current address: mail the link that switches to the new one.
fn mail_new_address(
    state: &AppState,
    claims: &EmailClaims,
    bound: &User,
    callback: Option<&str>,
) -> Result<(), ApiError> {
    let update_to = claims.update_to.as_deref().unwrap_or_default();
    let token = EmailToken {
        email: &claims.email,
        update_to: Some(update_to),
        request_type: Some(CHANGE_EMAIL_VERIFICATION),
        user_id: Some(&bound.id),
    };
    let token = sign_token(state, token)?;
    let url = verify_email_link(&state.config.auth_base(), &token, callback);
    let new_email = update_to.to_owned();
    state
        .mailer
        .send(update_to, Template::ChangeEmail { url, new_email });
    Ok(())
}

/// The user a change token is bound to: it must name a user whose address is still `email`,
/// and a signed-in caller must be that user. Also returns the caller's session, if any.
async fn bound_user(
    ctx: &AuthContext,
    conn: &mut DbConn,
    claims: &EmailClaims,
) -> Result<(User, Option<Caller>), ApiError> {
    let unauthorized = |code| Err(ApiError::Unauthorized(code));
    let Some(user_id) = claims.user_id.as_deref() else {
        return unauthorized(ErrorCode::InvalidToken);
    };
    let Some(bound) = users::find_by_id(conn, user_id).await? else {
        return unauthorized(ErrorCode::UserNotFound);
    };
    if bound.email.to_lowercase() != claims.email {
        return unauthorized(ErrorCode::InvalidToken);
    }
    let session = lookup_session_on(ctx, conn, Source::CacheOrDatabase).await?;
    if session.as_ref().is_some_and(|s| s.user.id != bound.id) {
        return unauthorized(ErrorCode::InvalidUser);
    }
    Ok((bound, session))
}

/// Sets the new address; `None` when it was taken since the link was sent.
async fn set_email(
    conn: &mut DbConn,
    user: &User,
    new_email: &str,
    verified: bool,
) -> Result<Option<User>, ApiError> {
    let changes = UserChanges {
        email: Some(new_email),
        email_verified: Some(verified),
        ..UserChanges::default()
    };
    match users::update(conn, &user.id, changes).await {
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
