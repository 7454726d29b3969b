//! `GET /verify-email` (`better-auth/src/api/routes/email-verification.ts` `verifyEmail`): a
//! plain verification token marks the address verified; a token carrying `updateTo` belongs to
//! the e-mail-change flow ([`change`]).

mod change;

use crate::db::DbConn;
use actix_web::{HttpRequest, HttpResponse, get};
use serde_json::json;

use super::AuthContext;
use super::response::{redirect, redirect_or_json};
use super::session_guard::{Source, issue_session, lookup_session_on};
use super::zod::link_query;
use crate::auth::audit::Audit;
use crate::auth::callback_url::append_query;
use crate::auth::email_token::{self, EmailClaims, TokenError};
use crate::auth::session_store::StoreError;
use crate::auth::users;
use crate::db::models::User;
use crate::error::{ApiError, ErrorBody, ErrorCode};

/// Follow an e-mailed verification link.
///
/// Marks the address verified (or completes an e-mail change), optionally signs the user in, then
/// redirects to `callbackURL` or answers JSON. Errors redirect to `callbackURL?error=<CODE>` when a
/// callback is given, else are `401`.
#[utoipa::path(
    tag = "auth",
    params(
        ("token" = String, Query, description = "The JWT from the e-mail"),
        ("callbackURL" = Option<String>, Query, description = "Where to redirect afterwards"),
    ),
    responses(
        (status = 200, description = "Verified; `user` is set for e-mail changes, else null"),
        (status = 302, description = "Redirect to callbackURL (with `?error=` on failure)"),
        (status = 400, description = "Validation failed", body = ErrorBody),
        (status = 401, description = "Invalid or expired token, unknown or wrong user", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/verify-email")]
pub async fn verify_email(ctx: AuthContext, http: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = link_query(http.query_string(), &ctx.origins)?;
    let callback = query.callback_url.as_deref().filter(|c| !c.is_empty());
    let result = match email_token::verify(&ctx.config.secrets, &query.token) {
        Ok(claims) if claims.update_to.is_some() => {
            change::confirm_change(&ctx, &claims, callback).await
        }
        Ok(claims) => verify_address(&ctx, &claims, callback).await,
        Err(TokenError::Expired) => Err(ApiError::Unauthorized(ErrorCode::TokenExpired)),
        Err(TokenError::Invalid) => Err(ApiError::Unauthorized(ErrorCode::InvalidToken)),
    };
    match (result, callback) {
        // `redirectOnError`: with a callback, a 401 becomes `302 <callbackURL>?error=<CODE>`.
        (Err(ApiError::Unauthorized(code)), Some(callback)) => {
            let location = append_query(callback, "error", code.as_str())
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unusable callbackURL")))?;
            Ok(redirect(&location))
        }
        (result, _) => result,
    }
}

/// A plain verification token: mark the address verified, then optionally sign in, in one
/// transaction.
async fn verify_address(
    ctx: &AuthContext,
    claims: &EmailClaims,
    callback: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = ctx.conn().await?;
    let Some(user) = users::find_by_email(&mut conn, &claims.email).await? else {
        return Err(ApiError::Unauthorized(ErrorCode::UserNotFound));
    };
    if claims.user_id.as_ref().is_some_and(|id| *id != user.id) {
        return Err(ApiError::Unauthorized(ErrorCode::InvalidToken));
    }
    let body = json!({"status": true, "user": null});
    if user.email_verified {
        return Ok(redirect_or_json(callback, &body));
    }
    conn.transaction(async |conn| {
        let verified = users::mark_verified(conn, &claims.email).await?;
        // updateUserByEmail rewrites the cached user before the session is looked up.
        if let Some(verified) = &verified {
            ctx.sessions().refresh_user(verified).await?;
        }
        if ctx.config.flows.auto_sign_in_after_verification {
            sign_in_verified(ctx, conn, &user, &claims.email).await?;
        }
        Ok::<_, StoreError>(())
    })
    .await?;
    Audit::success("verify_email", &user.id).log();
    Ok(redirect_or_json(callback, &body))
}

/// `autoSignInAfterVerification`: keep the caller's session when it is this address's, else
/// start one, and set its cookie.
async fn sign_in_verified(
    ctx: &AuthContext,
    conn: &mut DbConn,
    user: &User,
    email: &str,
) -> Result<(), StoreError> {
    let current = lookup_session_on(ctx, conn, Source::CacheOrDatabase).await?;
    let token = match current {
        Some(current) if current.user.email == email => current.session.token,
        _ => {
            let lifetime = ctx.config.session.expires_in;
            let client = &ctx.request.client;
            let created = ctx.sessions().create(conn, user, client, lifetime);
            created.await?.token
        }
    };
    issue_session(ctx, conn, &token, None, false).await
}
