//! `POST /delete-user` and `GET /delete-user/callback`
//! (`better-auth/src/api/routes/update-user.ts` `deleteUser`, `deleteUserCallback`).

use crate::db::DbConn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AuthContext;
use super::body::{AuthBody, AuthJson, Shape};
use super::response::redirect;
use super::session_guard::{OptionalSession, Sensitive, SessionPolicy as _};
use super::zod::{Kind, link_query, opt};
use crate::auth::audit::Audit;
use crate::auth::email::{Template, delete_account_link};
use crate::auth::password::check_length;
use crate::auth::session_store::{AfterCommit, SessionStore};
use crate::auth::{sessions, users, verification};
use crate::db::models::User;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// `POST /delete-user` body.
#[derive(Deserialize, ToSchema)]
pub struct DeleteUserRequest {
    /// Where the e-mailed confirmation link finally redirects.
    #[serde(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    /// The current password; without it the session must be fresh.
    #[schema(nullable = false, value_type = Option<String>)]
    password: Option<SecretString>,
    /// A token from the confirmation e-mail.
    #[schema(nullable = false)]
    token: Option<String>,
}

impl AuthBody for DeleteUserRequest {
    const SHAPE: Shape = Shape::Object(&[
        opt("callbackURL", Kind::String),
        opt("password", Kind::String),
        opt("token", Kind::String),
    ]);
}

/// Delete-user response.
#[derive(Serialize, ToSchema)]
pub struct DeleteUserResponse {
    success: bool,
    /// `User deleted` or `Verification email sent`.
    message: &'static str,
}

const DELETED: DeleteUserResponse = DeleteUserResponse {
    success: true,
    message: "User deleted",
};

/// Delete the caller's account.
///
/// `404` with an empty body unless `DELETE_USER_ENABLED`. With `DELETE_USER_SEND_VERIFICATION`, mails
/// a confirmation link instead of deleting. Without a password the session must be fresh.
#[utoipa::path(
    tag = "auth",
    request_body(content = DeleteUserRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Deleted, or confirmation mailed", body = DeleteUserResponse),
        (status = 400, description = "Wrong password, no credential account, or stale session", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
        // No content documented: the disabled endpoint's 404 has an empty body (contract §3.10),
        // and one status cannot document both an empty body and the envelope.
        (status = 404, description = "Deleting users is disabled (`DELETE_USER_ENABLED`: empty body), \
            or the confirmation token is invalid (`{\"message\":\"Invalid token\",\"code\":\"INVALID_TOKEN\"}`)"),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/delete-user")]
pub async fn delete_user(
    ctx: AuthContext,
    AuthJson { body, session, .. }: AuthJson<DeleteUserRequest, Sensitive>,
) -> Result<web::Json<DeleteUserResponse>, ApiError> {
    let flows = &ctx.config.flows;
    if !flows.delete_user_enabled {
        return Err(ApiError::NotFoundEmptyJson);
    }
    let user = &session.user;
    let password = body.password.filter(|p| !p.expose_secret().is_empty());
    if let Some(password) = &password {
        check_password(&ctx, &user.id, password).await?;
    }
    let mut conn = ctx.conn().await?;
    if let Some(token) = body.token.filter(|t| !t.is_empty()) {
        delete_with_token(&ctx, &mut conn, user, &token).await?;
        ctx.clear_session();
        return Ok(web::Json(DELETED));
    }
    if flows.delete_user_send_verification && ctx.mailer.enabled() {
        mail_confirmation(&ctx, &mut conn, user, body.callback_url.as_deref()).await?;
        return Ok(web::Json(DeleteUserResponse {
            success: true,
            message: "Verification email sent",
        }));
    }
    if password.is_none() && !sessions::is_fresh(&session.session, ctx.config.session.fresh_age) {
        return Err(ApiError::BadRequest(ErrorCode::SessionExpired));
    }
    delete_now(ctx.sessions(), &mut conn, user).await?;
    ctx.clear_session();
    Ok(web::Json(DELETED))
}

/// Mails the link that confirms the deletion (`sendDeleteAccountVerification`).
async fn mail_confirmation(
    state: &AppState,
    conn: &mut DbConn,
    user: &User,
    callback: Option<&str>,
) -> Result<(), ApiError> {
    let token = verification::new_delete_token();
    let identifier = verification::delete_account_identifier(&token);
    let lifetime = state.config.flows.delete_token_expires_in;
    let store = state.verifications();
    store.create(conn, &identifier, &user.id, lifetime).await?;
    let url = delete_account_link(&state.config.auth_base(), &token, callback);
    state
        .mailer
        .send(&user.email, Template::DeleteAccount { url });
    Ok(())
}

/// Checks the password given to delete-user.
async fn check_password(
    state: &AppState,
    user_id: &str,
    password: &SecretString,
) -> Result<(), ApiError> {
    check_length(password.expose_secret(), false)?;
    let account = users::find_credential_account(&mut state.conn().await?, user_id).await?;
    let Some(stored) = account.and_then(|a| a.password) else {
        return Err(ApiError::BadRequest(ErrorCode::CredentialAccountNotFound));
    };
    if !state.hasher.verify(password, &stored).await? {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    Ok(())
}

/// `deleteUserWithToken`: the token must have been issued to this user; consuming it and
/// deleting the user is one transaction.
async fn delete_with_token(
    state: &AppState,
    conn: &mut DbConn,
    user: &User,
    token: &str,
) -> Result<(), ApiError> {
    let identifier = verification::delete_account_identifier(token);
    let revoked = conn
        .transaction(async |conn| {
            let row = state.verifications().consume(conn, &identifier).await?;
            if row.is_none_or(|row| row.value != user.id) {
                return Err(ApiError::NotFound(ErrorCode::InvalidToken));
            }
            delete_user_and_sessions(state.sessions(), conn, user).await
        })
        .await?;
    deleted(user, revoked).await
}

/// `deleteCurrentUser`: the user and its sessions in one transaction (accounts cascade; the
/// sessions are deleted by name too, as Better Auth does, for schemas adopted without the cascade).
async fn delete_now(
    store: SessionStore<'_>,
    conn: &mut DbConn,
    user: &User,
) -> Result<(), ApiError> {
    let revoked = conn
        .transaction(async |conn| delete_user_and_sessions(store, conn, user).await)
        .await?;
    deleted(user, revoked).await
}

/// The rows of the user and its sessions; the secondary storage's part waits for the commit.
async fn delete_user_and_sessions<'a>(
    store: SessionStore<'a>,
    conn: &mut DbConn,
    user: &User,
) -> Result<AfterCommit<'a>, ApiError> {
    users::delete(conn, &user.id).await?;
    Ok(store.delete_all_for_user(conn, &user.id).await?)
}

/// After the commit: the secondary storage forgets the user's sessions.
async fn deleted(user: &User, revoked: AfterCommit<'_>) -> Result<(), ApiError> {
    revoked.apply().await?;
    Audit::success("delete_user", &user.id).log();
    Ok(())
}

/// Confirm deleting the account from the e-mailed link.
///
/// Needs the session of the same user and a token issued to them. Redirects to `callbackURL` when
/// given, else answers JSON.
#[utoipa::path(
    tag = "auth",
    params(
        ("token" = String, Query, description = "The token from the e-mail"),
        ("callbackURL" = Option<String>, Query, description = "Where to redirect afterwards"),
    ),
    responses(
        (status = 200, description = "Deleted", body = DeleteUserResponse),
        (status = 302, description = "Deleted; redirect to callbackURL"),
        (status = 400, description = "Validation failed", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
        (status = 404, description = "Disabled, no session, or invalid token", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/delete-user/callback")]
pub async fn delete_user_callback(
    ctx: AuthContext,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = link_query(http.query_string(), &ctx.origins)?;
    if !ctx.config.flows.delete_user_enabled {
        return Err(ApiError::NotFoundMessage {
            code: ErrorCode::NotFound,
            message: "Not found",
        });
    }
    let Some(caller) = OptionalSession::lookup(&ctx).await? else {
        return Err(ApiError::NotFound(ErrorCode::FailedToGetUserInfo));
    };
    let mut conn = ctx.conn().await?;
    delete_with_token(&ctx, &mut conn, &caller.user, &query.token).await?;
    ctx.clear_session();
    Ok(match query.callback_url.filter(|c| !c.is_empty()) {
        Some(callback) => redirect(&callback),
        None => HttpResponse::Ok().json(DELETED),
    })
}
