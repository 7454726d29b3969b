//! Sessions in the database, as Better Auth's internal adapter keeps them.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;

use super::crypto::generate_id;
use crate::db::models::{NewSession, Session, User};
use crate::db::schema::{session, user};
use crate::wire::{after, now};

/// Where a session was created from; `""` when unknown, as Better Auth stores it.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip_address: String,
    pub user_agent: String,
}

/// `rememberMe: false` sessions live one day, whatever `expiresIn` says.
pub const DONT_REMEMBER_LIFETIME: Duration = Duration::from_secs(86_400);

/// A new session with a fresh id and 32-character token, not yet stored anywhere.
pub fn new_session(user_id: &str, client: &ClientInfo, lifetime: Duration) -> Session {
    let now = now();
    Session {
        id: generate_id(32),
        expires_at: after(now, lifetime),
        token: generate_id(32),
        created_at: now,
        updated_at: now,
        ip_address: Some(client.ip_address.clone()),
        user_agent: Some(client.user_agent.clone()),
        user_id: user_id.to_owned(),
    }
}

/// Inserts a new session with a fresh 32-character token.
pub async fn create(
    conn: &mut DbConn,
    user_id: &str,
    client: &ClientInfo,
    lifetime: Duration,
) -> QueryResult<Session> {
    crate::db_write!(conn, c => {
        let s = new_session(user_id, client, lifetime);
        diesel::insert_into(session::table)
            .values(NewSession {
                id: &s.id,
                expires_at: At(s.expires_at),
                token: &s.token,
                created_at: At(s.created_at),
                updated_at: At(s.updated_at),
                ip_address: &client.ip_address,
                user_agent: &client.user_agent,
                user_id,
            })
            .returning(Session::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
    })
}

/// The session with this token and its user, whether or not it has expired.
pub async fn find_with_user(
    conn: &mut DbConn,
    token: &str,
) -> QueryResult<Option<(Session, User)>> {
    crate::db_run!(conn, c => {
        session::table
            .inner_join(user::table)
            .filter(session::token.eq(token))
            .select((Session::as_select(), User::as_select()))
            .first(c)
            .await
            .optional()
    })
}

/// Extends a session to `now + lifetime`; `None` when the row vanished meanwhile.
pub async fn refresh(
    conn: &mut DbConn,
    token: &str,
    lifetime: Duration,
) -> QueryResult<Option<Session>> {
    crate::db_write!(conn, c => {
        let now = now();
        diesel::update(session::table.filter(session::token.eq(token)))
            .set((
                session::expires_at.eq(At(after(now, lifetime))),
                session::updated_at.eq(At(now)),
            ))
            .returning(Session::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
            .optional()
    })
}

/// Deletes the session with this token, if any.
pub async fn delete_by_token(conn: &mut DbConn, token: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(session::table.filter(session::token.eq(token)))
            .execute(c)
            .await
    })
}

/// Whether Better Auth's sliding refresh is due: at least `update_age` since the last (re)issue.
pub fn refresh_due(s: &Session, expires_in: Duration, update_age: Duration) -> bool {
    let issued = s.expires_at - chrono::TimeDelta::from_std(expires_in).unwrap_or_default();
    after(issued, update_age) <= Utc::now()
}

/// Whether the session was created less than `fresh_age` ago (`0` disables the check).
pub fn is_fresh(s: &Session, fresh_age: Duration) -> bool {
    fresh_age.is_zero() || after(s.created_at, fresh_age) > Utc::now()
}

/// The outcome of looking a token up, as `getSession` distinguishes it.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "short-lived, returned once per request; boxing buys nothing"
)]
pub enum Lookup {
    /// A live session.
    Valid(Session, User),
    /// No such row, or it had expired (and is now deleted): the cookies should be expired.
    Gone,
}

/// Finds a live session; deletes it when it has expired.
pub async fn lookup(conn: &mut DbConn, token: &str) -> QueryResult<Lookup> {
    match find_with_user(conn, token).await? {
        Some((s, u)) if s.expires_at >= Utc::now() => Ok(Lookup::Valid(s, u)),
        Some(_) => {
            delete_by_token(conn, token).await?;
            Ok(Lookup::Gone)
        }
        None => Ok(Lookup::Gone),
    }
}

/// The user's unexpired sessions, oldest first (`listSessions` with `onlyActiveSessions`).
pub async fn list_active(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Session>> {
    crate::db_run!(conn, c => {
        session::table
            .filter(session::user_id.eq(user_id))
            .filter(session::expires_at.gt(At(Utc::now())))
            .order((session::created_at.asc(), session::id.asc()))
            .select(Session::as_select())
            .load(c)
            .await
    })
}

/// Deletes the session with this token only if it belongs to `user_id`.
pub async fn delete_owned(conn: &mut DbConn, user_id: &str, token: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(
            session::table
                .filter(session::token.eq(token))
                .filter(session::user_id.eq(user_id)),
        )
        .execute(c)
        .await
    })
}

/// Deletes every session of the user (`deleteUserSessions`).
pub async fn delete_all_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(session::table.filter(session::user_id.eq(user_id)))
            .execute(c)
            .await
    })
}

/// Deletes the user's unexpired sessions except the one with `keep_token` (`revokeOtherSessions`).
pub async fn delete_others(
    conn: &mut DbConn,
    user_id: &str,
    keep_token: &str,
) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(
            session::table
                .filter(session::user_id.eq(user_id))
                .filter(session::expires_at.gt(At(Utc::now())))
                .filter(session::token.ne(keep_token)),
        )
        .execute(c)
        .await
    })
}
