//! Better Auth's response shapes: user and session objects, `{"status":true}`, and redirects.

use actix_web::http::header;
use actix_web::{HttpResponse, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::{Session, User};
use crate::wire::ser_iso;

/// A user, in Better Auth's key order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    #[schema(example = "Alice")]
    pub name: String,
    #[schema(example = "alice@example.com")]
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-24T21:44:44.205Z")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-24T21:44:44.205Z")]
    pub updated_at: DateTime<Utc>,
    #[schema(example = "xMbf3brruZJ0wSl1zVwZIbH27yk1V866")]
    pub id: String,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            name: u.name,
            email: u.email,
            email_verified: u.email_verified,
            image: u.image,
            created_at: u.created_at,
            updated_at: u.updated_at,
            id: u.id,
        }
    }
}

/// A session, in Better Auth's key order; it includes the raw token, as Better Auth's does.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    pub token: String,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_id: String,
    pub id: String,
}

impl From<Session> for SessionResponse {
    fn from(s: Session) -> Self {
        Self {
            expires_at: s.expires_at,
            token: s.token,
            created_at: s.created_at,
            updated_at: s.updated_at,
            ip_address: s.ip_address,
            user_agent: s.user_agent,
            user_id: s.user_id,
            id: s.id,
        }
    }
}

/// `get-session`'s body when a session is found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionWithUser {
    pub session: SessionResponse,
    pub user: UserResponse,
}

/// `{"status": true}`, the body of most state-changing auth endpoints.
#[derive(Serialize, ToSchema)]
pub struct StatusResponse {
    #[schema(example = true)]
    pub status: bool,
}

impl StatusResponse {
    /// `{"status": true}`.
    pub const OK: StatusResponse = StatusResponse { status: true };
}

/// Better Auth's redirect: `302` to `location` with an empty body (and a JSON content type).
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::FOUND)
        .insert_header((header::LOCATION, location))
        .content_type("application/json")
        .finish()
}

/// Success of an e-mailed link: a redirect to the callback verbatim, or `body` as JSON.
pub fn redirect_or_json(callback: Option<&str>, body: &impl Serialize) -> HttpResponse {
    match callback {
        Some(callback) => redirect(callback),
        None => HttpResponse::Ok().json(body),
    }
}
