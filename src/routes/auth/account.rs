//! `GET /list-accounts` and `POST /unlink-account` (`better-auth/src/api/routes/account.ts`).

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AuthContext;
use super::StatusResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::session_guard::{Fresh, Required, Session};
use super::zod::{Kind, req};
use crate::auth::accounts;
use crate::auth::audit::Audit;
use crate::db::models::Account;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::wire::ser_iso;

/// A linked account without its secrets, in Better Auth's key order (`parseAccountOutput`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountResponse {
    /// The provider's id for the user (the user id for `credential`).
    pub account_id: String,
    #[schema(example = "credential")]
    pub provider_id: String,
    pub user_id: String,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    /// The account row's id (what `unlink-account` takes).
    pub id: String,
    pub scopes: Vec<String>,
}

impl From<Account> for AccountResponse {
    fn from(a: Account) -> Self {
        Self {
            scopes: accounts::scopes(a.scope.as_deref()),
            account_id: a.account_id,
            provider_id: a.provider_id,
            user_id: a.user_id,
            created_at: a.created_at,
            updated_at: a.updated_at,
            id: a.id,
        }
    }
}

/// List the caller's linked accounts (tokens and password hashes are never included).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The accounts, oldest first", body = Vec<AccountResponse>),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/list-accounts")]
pub async fn list_accounts(
    ctx: AuthContext,
    Session(caller): Session<Required>,
) -> Result<web::Json<Vec<AccountResponse>>, ApiError> {
    let list = accounts::list(&mut ctx.conn().await?, &caller.user.id).await?;
    Ok(web::Json(list.into_iter().map(Into::into).collect()))
}

/// `POST /unlink-account` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkAccountRequest {
    /// The account row's `id`.
    account_id: String,
}

impl AuthBody for UnlinkAccountRequest {
    const SHAPE: Shape = Shape::Object(&[req("accountId", Kind::String)]);
}

/// Unlink one of the caller's accounts.
///
/// Requires a fresh session. The last account cannot be unlinked; another user's account is as
/// unknown as a nonexistent one.
#[utoipa::path(
    tag = "auth",
    request_body(content = UnlinkAccountRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Unlinked", body = StatusResponse),
        (status = 400, description = "Last account, unknown account, or validation", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "Session is not fresh", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/unlink-account")]
pub async fn unlink_account(
    ctx: AuthContext,
    request: AuthJson<UnlinkAccountRequest, Fresh>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let (account_id, user_id) = (request.body.account_id, request.session.user.id);
    let mut conn = ctx.conn().await?;
    let owned = accounts::list(&mut conn, &user_id).await?;
    if owned.len() == 1 {
        return Err(ApiError::BadRequest(ErrorCode::FailedToUnlinkLastAccount));
    }
    if !owned.iter().any(|a| a.id == account_id) {
        return Err(ApiError::BadRequest(ErrorCode::AccountNotFound));
    }
    accounts::delete_owned(&mut conn, &user_id, &account_id).await?;
    Audit::success("unlink_account", &user_id).log();
    Ok(web::Json(StatusResponse::OK))
}
