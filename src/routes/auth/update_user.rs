//! `POST /update-user` and `POST /change-password` (`better-auth/src/api/routes/update-user.ts`).

use std::borrow::Cow;

use actix_web::{HttpResponse, post, web};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::body::{Kind, RawBody, bool_field, opt, req, str_field, validate, validate_record};
use super::guard::{
    Authed, Reply, issue_session, require_sensitive_session, require_session, respond,
};
use super::sessions::StatusResponse;
use super::{AuthRequest, UserResponse, is_truthy, origin_check};
use crate::auth::password::check_length;
use crate::auth::{sessions, users};
use crate::db::models::UserChanges;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// `POST /update-user` body: any object; only `name` and `image` are used.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct UpdateUserRequest {
    #[schema(max_length = 16384)]
    #[schema(nullable = false)]
    name: Option<String>,
    /// `null` removes the image.
    image: Option<String>,
}

/// Update the caller's name and/or image.
///
/// Answers `{"status":true}` (not the user) and re-sets the session cookie, as Better Auth does.
/// Unknown keys are ignored; `email` is refused; no usable field is `400 No fields to update`.
#[utoipa::path(
    tag = "auth",
    request_body(content = UpdateUserRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = StatusResponse),
        (status = 400, description = "Email given, no fields, or a field of the wrong type", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/update-user")]
pub async fn update_user(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate_record(body.as_ref())?;
    let mut authed = require_session(&state, &ctx).await?;
    let mut result = apply_update(&state, &authed, obj).await;
    if result.is_ok() {
        let token = authed.session.token.clone();
        let cached = authed.from_cache.then(|| authed.session.clone());
        let issued = issue_session(
            &state,
            &ctx,
            &mut authed.headers,
            &token,
            cached.as_ref(),
            false,
        )
        .await;
        result = issued.and(result);
    }
    respond(authed.headers, result)
}

/// `name` and `image` of an update-user body; `Some(None)` clears the image.
type Profile<'a> = (Option<Cow<'a, str>>, Option<Option<Cow<'a, str>>>);

/// A `name` and `image` (`null` clears it) of an update-user body. Better Auth hands them to the
/// database as they are, where numbers and booleans become their text; `null` names, arrays and
/// objects (which fail or turn odd there) are a 400 in zod's wording here.
fn profile_fields(obj: &Map<String, Value>) -> Result<Profile<'_>, ApiError> {
    let name = match obj.get("name") {
        None => None,
        Some(v) => Some(as_text("name", v)?),
    };
    let image = match obj.get("image") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(Some(as_text("image", v)?)),
    };
    Ok((name, image))
}

/// A JSON scalar as node-postgres sends it to a text column (`String(value)`).
fn as_text<'a>(field: &str, v: &'a Value) -> Result<Cow<'a, str>, ApiError> {
    match v {
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        Value::Bool(b) => Ok(Cow::Owned(b.to_string())),
        other => Err(ApiError::BadRequestMessage {
            code: ErrorCode::ValidationError,
            message: format!(
                "[body.{field}] Invalid input: expected string, received {}",
                match other {
                    Value::Null => "null",
                    Value::Array(_) => "array",
                    _ => "object",
                }
            ),
        }),
    }
}

async fn apply_update(
    state: &AppState,
    authed: &Authed,
    obj: &Map<String, Value>,
) -> Result<Reply, ApiError> {
    if obj.get("email").is_some_and(is_truthy) {
        return Err(ApiError::BadRequest(ErrorCode::EmailCanNotBeUpdated));
    }
    let (name, image) = profile_fields(obj)?;
    if name.is_none() && image.is_none() {
        return Err(ApiError::BadRequestMessageOnly("No fields to update"));
    }
    let changes = UserChanges {
        name: name.as_deref(),
        image: image.as_ref().map(|i| i.as_deref()),
        ..UserChanges::default()
    };
    users::update(&mut *state.conn().await?, &authed.user.id, changes).await?;
    tracing::info!(target: "audit", event = "update_user", user_id = %authed.user.id);
    Ok(Reply::Json(json!({"status": true})))
}

const CHANGE_PASSWORD_FIELDS: &[super::body::Field] = &[
    req("newPassword", Kind::String),
    req("currentPassword", Kind::String),
    opt("revokeOtherSessions", Kind::Boolean),
];

/// `POST /change-password` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct ChangePasswordRequest {
    #[schema(rename = "newPassword")]
    new_password: String,
    #[schema(rename = "currentPassword")]
    current_password: String,
    /// Delete every session (the current one too) and sign in afresh.
    #[schema(rename = "revokeOtherSessions")]
    #[schema(nullable = false)]
    revoke_other_sessions: Option<bool>,
}

/// `POST /change-password` response.
#[derive(Serialize, ToSchema)]
pub struct ChangePasswordResponse {
    /// The new session's raw token when sessions were revoked, else `null`.
    token: Option<String>,
    user: UserResponse,
}

/// Change the caller's password.
///
/// With `revokeOtherSessions`, every session of the user is deleted and a new one is created and
/// set as the cookie.
#[utoipa::path(
    tag = "auth",
    request_body(content = ChangePasswordRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = ChangePasswordResponse),
        (status = 400, description = "Validation, length, no credential account, or wrong current password", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/change-password")]
pub async fn change_password(
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), CHANGE_PASSWORD_FIELDS, false)?;
    let mut authed = require_sensitive_session(&state, &ctx).await?;
    let result = apply_password_change(&state, &ctx, &authed, obj).await;
    let result = match result {
        Ok((token, body)) => {
            let issued = match &token {
                Some(token) => {
                    issue_session(&state, &ctx, &mut authed.headers, token, None, false).await
                }
                None => Ok(()),
            };
            issued.and_then(|()| Reply::json(&ChangePasswordResponse { token, user: body }))
        }
        Err(e) => Err(e),
    };
    respond(authed.headers, result)
}

async fn apply_password_change(
    state: &AppState,
    ctx: &AuthRequest,
    authed: &Authed,
    obj: &Map<String, Value>,
) -> Result<(Option<String>, UserResponse), ApiError> {
    let new_password = str_field(obj, "newPassword").unwrap_or_default();
    let current = str_field(obj, "currentPassword").unwrap_or_default();
    let revoke = bool_field(obj, "revokeOtherSessions") == Some(true);
    check_length(new_password, true)?;
    check_length(current, false)?;
    let user_id = authed.user.id.as_str();
    let account = users::find_credential_account(&mut *state.conn().await?, user_id).await?;
    let Some(stored) = account.and_then(|a| a.password) else {
        return Err(ApiError::BadRequest(ErrorCode::CredentialAccountNotFound));
    };
    // Better Auth hashes the new password before checking the current one.
    let hash = state.hasher.hash(&SecretString::from(new_password)).await?;
    if !state
        .hasher
        .verify(&SecretString::from(current), &stored)
        .await?
    {
        return Err(ApiError::BadRequest(ErrorCode::InvalidPassword));
    }
    let mut conn = state.conn().await?;
    let lifetime = state.config.session.expires_in;
    let token = diesel_async::AsyncConnection::transaction(&mut *conn, async |conn| {
        if revoke {
            sessions::delete_all_for_user(conn, user_id).await?;
        }
        users::update_password(conn, user_id, &hash).await?;
        if !revoke {
            return Ok::<_, diesel::result::Error>(None);
        }
        let session = sessions::create(conn, user_id, &ctx.client, lifetime).await?;
        Ok(Some(session.token))
    })
    .await?;
    tracing::info!(target: "audit", event = "change_password", user_id, revoked_sessions = revoke);
    Ok((token, authed.user.clone().into()))
}
