//! Diesel models of Better Auth's tables and of `task`, each beside its `New*` insert struct.
//! Wire shapes live with the routes and are converted with `From`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{account, jwks, session, task, user, verification};
use super::sql_types::{At, Tags};

/// A row of `"user"`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = user, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new `"user"` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = user)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub image: Option<&'a str>,
    pub created_at: At,
    pub updated_at: At,
}

/// Changes to a `"user"` row; `None` leaves a column alone, `Some(None)` sets a nullable one to NULL.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = user)]
pub struct UserChanges<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub email_verified: Option<bool>,
    pub image: Option<Option<&'a str>>,
    pub updated_at: Option<At>,
}

/// A row of `session`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = session, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Session {
    pub id: String,
    pub expires_at: DateTime<Utc>,
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_id: String,
}

/// A new `session` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = session)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub expires_at: At,
    pub token: &'a str,
    pub created_at: At,
    pub updated_at: At,
    pub ip_address: &'a str,
    pub user_agent: &'a str,
    pub user_id: &'a str,
}

/// A row of `account`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = account, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Account {
    pub id: String,
    pub account_id: String,
    pub provider_id: String,
    pub user_id: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    pub scope: Option<String>,
    pub password: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new `account` row (credential accounts only: token columns stay NULL).
#[derive(Debug, Insertable)]
#[diesel(table_name = account)]
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub provider_id: &'a str,
    pub user_id: &'a str,
    pub password: Option<&'a str>,
    pub created_at: At,
    pub updated_at: At,
}

/// A row of `verification`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = verification, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Verification {
    pub id: String,
    pub identifier: String,
    pub value: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new `verification` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = verification)]
pub struct NewVerification<'a> {
    pub id: &'a str,
    pub identifier: &'a str,
    pub value: &'a str,
    pub expires_at: At,
    pub created_at: At,
    pub updated_at: At,
}

/// A row of `jwks`: a signing key pair of the JWT plugin.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = jwks, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Jwk {
    pub id: String,
    /// The public JWK as JSON text.
    pub public_key: String,
    /// The private JWK: encrypted and JSON-quoted, or clear JSON when encryption is disabled.
    pub private_key: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub alg: Option<String>,
    pub crv: Option<String>,
}

/// A new `jwks` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = jwks)]
pub struct NewJwk<'a> {
    pub id: &'a str,
    pub public_key: &'a str,
    pub private_key: &'a str,
    pub created_at: At,
    pub expires_at: Option<At>,
    pub alg: Option<&'a str>,
    pub crv: Option<&'a str>,
}

/// A row of `task`. `tags` is `text[]` (whose elements PostgreSQL allows to be NULL) or, on
/// SQLite, a JSON array.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = task, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Task {
    pub id: i64,
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: String,
    pub tags: Vec<Option<String>>,
    pub due_date: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new `task` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = task)]
pub struct NewTask<'a> {
    pub user_id: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub completed: bool,
    pub priority: &'a str,
    pub tags: Tags,
    pub due_date: Option<At>,
    pub created_at: At,
    pub updated_at: At,
}

/// Changes to a `task` row: `None` leaves a column alone, `Some(None)` sets a nullable one to NULL.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = task)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
    pub priority: Option<String>,
    pub tags: Option<Tags>,
    pub due_date: Option<Option<At>>,
    pub updated_at: Option<At>,
}
