//! `GET /list-accounts` and `POST /unlink-account` (`better-auth/src/api/routes/account.ts`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::body::{Kind, RawBody, req, str_field, validate};
use super::guard::{Reply, require_fresh_session, require_session, respond};
use super::sessions::StatusResponse;
use super::{AuthRequest, origin_check};
use crate::auth::accounts;
use crate::db::models::Account;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
) -> Result<HttpResponse, ApiError> {
    let authed = require_session(&state, &ctx).await?;
    let result = async {
        let list = accounts::list(&mut *state.conn().await?, &authed.user.id).await?;
        let list: Vec<AccountResponse> = list.into_iter().map(Into::into).collect();
        Reply::json(&list)
    }
    .await;
    respond(authed.headers, result)
}

/// `POST /unlink-account` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct UnlinkAccountRequest {
    /// The account row's `id`.
    #[schema(rename = "accountId")]
    account_id: String,
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), &[req("accountId", Kind::String)], false)?;
    let authed = require_fresh_session(&state, &ctx).await?;
    let account_id = str_field(obj, "accountId").unwrap_or_default();
    let result = async {
        let mut conn = state.conn().await?;
        let owned = accounts::list(&mut conn, &authed.user.id).await?;
        if owned.len() == 1 {
            return Err(ApiError::BadRequest(ErrorCode::FailedToUnlinkLastAccount));
        }
        if !owned.iter().any(|a| a.id == account_id) {
            return Err(ApiError::BadRequest(ErrorCode::AccountNotFound));
        }
        accounts::delete_owned(&mut conn, &authed.user.id, account_id).await?;
        tracing::info!(target: "audit", event = "unlink_account", user_id = %authed.user.id);
        Ok(Reply::Json(json!({"status": true})))
    }
    .await;
    respond(authed.headers, result)
}
