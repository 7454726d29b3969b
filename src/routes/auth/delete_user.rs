//! `POST /delete-user` and `GET /delete-user/callback`
//! (`better-auth/src/api/routes/update-user.ts` `deleteUser`, `deleteUserCallback`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::body::{Kind, RawBody, link_query, opt, str_field, validate};
use super::guard::{Caller, Reply, lookup_session, require_sensitive_session, respond};
use super::{AuthHeaders, AuthRequest, origin_check};
use crate::auth::email::{Template, delete_account_link};
use crate::auth::password::check_length;
use crate::auth::{sessions, users, verification};
use crate::db::models::User;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const FIELDS: &[super::body::Field] = &[
    opt("callbackURL", Kind::String),
    opt("password", Kind::String),
    opt("token", Kind::String),
];

/// `POST /delete-user` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct DeleteUserRequest {
    /// Where the e-mailed confirmation link finally redirects.
    #[schema(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
    /// The current password; without it the session must be fresh.
    #[schema(nullable = false)]
    password: Option<String>,
    /// A token from the confirmation e-mail.
    #[schema(nullable = false)]
    token: Option<String>,
}

/// Delete-user response.
#[derive(Serialize, ToSchema)]
pub struct DeleteUserResponse {
    success: bool,
    /// `User deleted` or `Verification email sent`.
    message: &'static str,
}

fn deleted() -> Result<Reply, ApiError> {
    Reply::json(&DeleteUserResponse {
        success: true,
        message: "User deleted",
    })
}

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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), FIELDS, false)?;
    let mut authed = require_sensitive_session(&state, &ctx).await?;
    let caller = Caller {
        session: authed.session.clone(),
        user: authed.user.clone(),
        from_cache: authed.from_cache,
    };
    let result = run_delete(&state, &ctx, &caller, &mut authed.headers, obj).await;
    respond(authed.headers, result)
}

async fn run_delete(
    state: &AppState,
    ctx: &AuthRequest,
    caller: &Caller,
    headers: &mut AuthHeaders,
    obj: &Map<String, Value>,
) -> Result<Reply, ApiError> {
    let flows = &state.config.flows;
    if !flows.delete_user_enabled {
        return Err(ApiError::NotFoundEmptyJson);
    }
    let user = &caller.user;
    let password = str_field(obj, "password").filter(|p| !p.is_empty());
    if let Some(password) = password {
        check_password(state, &user.id, password).await?;
    }
    if let Some(token) = str_field(obj, "token").filter(|t| !t.is_empty()) {
        delete_with_token(state, ctx, user, token, headers).await?;
        return deleted();
    }
    if flows.delete_user_send_verification && state.mailer.enabled() {
        let token = verification::new_delete_token();
        let identifier = verification::delete_account_identifier(&token);
        let lifetime = flows.delete_token_expires_in;
        verification::create(&mut *state.conn().await?, &identifier, &user.id, lifetime).await?;
        let url = delete_account_link(
            &state.config.auth_base(),
            &token,
            str_field(obj, "callbackURL"),
        );
        state
            .mailer
            .send(&user.email, Template::DeleteAccount { url });
        return Reply::json(&DeleteUserResponse {
            success: true,
            message: "Verification email sent",
        });
    }
    if password.is_none() && !sessions::is_fresh(&caller.session, state.config.session.fresh_age) {
        return Err(ApiError::BadRequest(ErrorCode::SessionExpired));
    }
    delete_now(state, ctx, user, headers).await?;
    deleted()
}

/// Checks the password given to delete-user.
async fn check_password(state: &AppState, user_id: &str, password: &str) -> Result<(), ApiError> {
    check_length(password, false)?;
    let account = users::find_credential_account(&mut *state.conn().await?, user_id).await?;
    let Some(stored) = account.and_then(|a| a.password) else {
        return Err(ApiError::BadRequest(ErrorCode::CredentialAccountNotFound));
    };
    if !state
        .hasher
        .verify(&SecretString::from(password), &stored)
        .await?
    {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    Ok(())
}

/// `deleteUserWithToken`: the token must have been issued to this user.
async fn delete_with_token(
    state: &AppState,
    ctx: &AuthRequest,
    user: &User,
    token: &str,
    headers: &mut AuthHeaders,
) -> Result<(), ApiError> {
    let identifier = verification::delete_account_identifier(token);
    let row = verification::consume(&mut *state.conn().await?, &identifier).await?;
    if row.is_none_or(|row| row.value != user.id) {
        return Err(ApiError::NotFound(ErrorCode::InvalidToken));
    }
    delete_now(state, ctx, user, headers).await
}

/// `deleteCurrentUser`: the user (accounts and sessions cascade), then expire the cookies.
async fn delete_now(
    state: &AppState,
    ctx: &AuthRequest,
    user: &User,
    headers: &mut AuthHeaders,
) -> Result<(), ApiError> {
    let mut conn = state.conn().await?;
    users::delete(&mut conn, &user.id).await?;
    sessions::delete_all_for_user(&mut conn, &user.id).await?;
    headers.clear_session(state, ctx);
    tracing::info!(target: "audit", event = "delete_user", user_id = %user.id);
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = link_query(http.query_string(), &state.origins)?;
    if !state.config.flows.delete_user_enabled {
        return Err(ApiError::NotFoundMessage {
            code: ErrorCode::NotFound,
            message: "Not found",
        });
    }
    let mut headers = AuthHeaders::default();
    let result = async {
        let Some(caller) = lookup_session(&state, &ctx, &mut headers, false).await? else {
            return Err(ApiError::NotFound(ErrorCode::FailedToGetUserInfo));
        };
        let token = str_field(&query, "token").unwrap_or_default();
        delete_with_token(&state, &ctx, &caller.user, token, &mut headers).await?;
        match str_field(&query, "callbackURL").filter(|c| !c.is_empty()) {
            Some(callback) => Ok(Reply::Redirect(callback.to_owned())),
            None => deleted(),
        }
    }
    .await;
    respond(headers, result)
}
