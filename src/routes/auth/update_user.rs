//! `POST /update-user` (`better-auth/src/api/routes/update-user.ts` `updateUser`).

use std::borrow::Cow;

use actix_web::{post, web};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;

use super::AuthContext;
use super::StatusResponse;
use super::auth_request::is_truthy;
use super::body::{AuthBody, AuthJson, Shape};
use super::session_guard::{Required, issue_session};
use crate::auth::audit::Audit;
use crate::auth::users;
use crate::db::models::UserChanges;
use crate::error::{ApiError, ErrorBody, ErrorCode};

/// `POST /update-user` body: any object; only `name` and `image` are used.
// Kept as the JSON values they are: `as_text` turns them into text as node-postgres would.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 16384, nullable = false)]
    name: Option<Value>,
    /// `null` removes the image.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    image: Option<Value>,
    /// Refused when truthy.
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    email: Option<Value>,
}

impl AuthBody for UpdateUserRequest {
    const SHAPE: Shape = Shape::Record;
}

/// A member that is present, `null` included (serde reads a `null` `Option` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
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
    ctx: AuthContext,
    AuthJson { body, session, .. }: AuthJson<UpdateUserRequest, Required>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    if body.email.as_ref().is_some_and(is_truthy) {
        return Err(ApiError::BadRequest(ErrorCode::EmailCanNotBeUpdated));
    }
    let (name, image) = profile_fields(&body)?;
    if name.is_none() && image.is_none() {
        return Err(ApiError::BadRequestMessageOnly("No fields to update"));
    }
    let changes = UserChanges {
        name: name.as_deref(),
        image: image.as_ref().map(|i| i.as_deref()),
        ..UserChanges::default()
    };
    let mut conn = ctx.conn().await?;
    let updated = users::update(&mut conn, &session.user.id, changes).await?;
    if let Some(updated) = &updated {
        ctx.sessions().refresh_user(updated).await?;
    }
    Audit::success("update_user", &session.user.id).log();
    let cached = session.from_cache.then_some(&session.session);
    let token = &session.session.token;
    issue_session(&ctx, &mut conn, token, cached, false).await?;
    Ok(web::Json(StatusResponse::OK))
}

/// `name` and `image` of an update-user body; `Some(None)` clears the image.
type Profile<'a> = (Option<Cow<'a, str>>, Option<Option<Cow<'a, str>>>);

/// A `name` and `image` (`null` clears it) of an update-user body. Better Auth hands them to the
/// database as they are, where numbers and booleans become their text; `null` names, arrays and
/// objects (which fail or turn odd there) are a 400 in zod's wording here.
fn profile_fields(body: &UpdateUserRequest) -> Result<Profile<'_>, ApiError> {
    let name = match &body.name {
        None => None,
        Some(v) => Some(as_text("name", v)?),
    };
    let image = match &body.image {
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
