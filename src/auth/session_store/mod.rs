//! Where sessions live: Better Auth's internal adapter (`db/internal-adapter.ts`) for sessions,
//! over the database alone or with a secondary storage (Redis) in one of Better Auth's three
//! modes ([`SessionStorageMode`]). Without a secondary storage every call is the database query
//! in `auth::sessions`, unchanged.

mod secondary;
mod shared_read;
pub mod stored;

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;

use super::sessions::{self, ClientInfo, Lookup};
use crate::config::SessionStorageMode;
use crate::db::models::{Session, User};
use crate::db::schema::session;
use crate::secondary_storage::{KvError, SecondaryStorage};

/// A session operation failed in the database or in the secondary storage.
#[derive(Debug, thiserror::Error)]
// Not `transparent`: the failed error stays in the cause chain, where `error::is_outage` looks.
pub enum StoreError {
    #[error("session store: database")]
    Db(#[from] diesel::result::Error),
    #[error("session store: secondary storage")]
    Kv(#[from] KvError),
    /// No database connection could be had.
    #[error("session store: no database connection")]
    Pool(#[from] crate::db::PoolError),
    /// The session read this request shared with others failed (see `shared_read`).
    #[error("session store: shared session read")]
    Shared(#[source] std::sync::Arc<StoreError>),
}

/// A database connection, or the means to take one on first use: a session read served by the
/// secondary storage alone then takes none.
pub trait DbAccess: Send {
    /// The connection.
    fn db(&mut self) -> impl Future<Output = Result<&mut DbConn>> + Send;

    /// `findSession`'s database read: the session with `token` and its user, expired or not.
    fn find_session(
        &mut self,
        token: &str,
    ) -> impl Future<Output = Result<Option<(Session, User)>>> + Send {
        async move { Ok(sessions::find_with_user(self.db().await?, token).await?) }
    }
}

/// [`DbAccess::find_session`] for a request that holds no connection yet: on PostgreSQL the read
/// joins this worker's next shared query (see `shared_read`), else it takes a connection.
pub async fn find_session_unheld(
    pools: &crate::db::Pools,
    health: &crate::db::Health,
    token: &str,
) -> Option<Result<Option<(Session, User)>>> {
    let pool = pools.local();
    if !matches!(pool, crate::db::DbPool::Pg(_)) {
        return None;
    }
    let answer = shared_read::find(pools.id(), pool, token).await;
    match &answer {
        Ok(_) => health.succeeded(),
        Err(e) if matches!(**e, StoreError::Pool(_)) => health.failed(e),
        Err(_) => {}
    }
    Some(answer.map_err(StoreError::Shared))
}

impl DbAccess for DbConn {
    async fn db(&mut self) -> Result<&mut DbConn> {
        Ok(self)
    }
}

/// The session storage of this server, borrowed for one request.
#[derive(Clone, Copy)]
pub struct SessionStore<'a> {
    /// The secondary storage and its mode; `None`: the database only.
    pub kv: Option<(&'a SecondaryStorage, SessionStorageMode)>,
    /// `session.expiresIn`, the lifetime of the revoked-before mark (at least a day).
    pub expires_in: Duration,
}

type Result<T> = std::result::Result<T, StoreError>;

impl<'a> SessionStore<'a> {
    fn stores_in_db(self) -> bool {
        !matches!(self.kv, Some((_, SessionStorageMode::SecondaryOnly)))
    }

    fn secondary(self) -> Option<secondary::Secondary<'a>> {
        self.kv.map(|(kv, _)| secondary::Secondary {
            kv,
            revoked_ttl: self.expires_in.as_secs().max(86_400),
        })
    }

    /// `createSession`: a row (unless secondary-only), mirrored to the secondary storage with the
    /// user as the database has it.
    pub async fn create(
        self,
        conn: &mut DbConn,
        user: &User,
        client: &ClientInfo,
        lifetime: Duration,
    ) -> Result<Session> {
        let Some(secondary) = self.secondary() else {
            return Ok(sessions::create(conn, &user.id, client, lifetime).await?);
        };
        let session = match self.stores_in_db() {
            true => sessions::create(conn, &user.id, client, lifetime).await?,
            false => sessions::new_session(&user.id, client, lifetime),
        };
        let user = crate::auth::users::find_by_id(conn, &user.id)
            .await?
            .unwrap_or_else(|| user.clone());
        secondary.put_new(&session, &user).await?;
        Ok(session)
    }

    /// `findSession`: the session and its user, expired or not; a revoked one is none. The
    /// database is read when there is no secondary storage, or on a miss in `Database` mode.
    pub async fn find(
        self,
        conn: &mut impl DbAccess,
        token: &str,
    ) -> Result<Option<(Session, User)>> {
        if let Some(secondary) = self.secondary() {
            match secondary.find(token).await? {
                secondary::Found::Session(s, u) => return Ok(Some((*s, *u))),
                secondary::Found::Revoked => return Ok(None),
                secondary::Found::Missing if !self.falls_back() => return Ok(None),
                secondary::Found::Missing => {}
            }
        }
        conn.find_session(token).await
    }

    fn falls_back(self) -> bool {
        matches!(self.kv, Some((_, SessionStorageMode::Database)))
    }

    /// `getSession`'s reading: a live session, or gone (an expired one is deleted).
    pub async fn lookup(self, conn: &mut impl DbAccess, token: &str) -> Result<Lookup> {
        match self.find(conn, token).await? {
            Some((s, u)) if s.expires_at >= Utc::now() => Ok(Lookup::Valid(s, u)),
            Some(_) => {
                self.delete(conn, token).await?;
                Ok(Lookup::Gone)
            }
            None => Ok(Lookup::Gone),
        }
    }

    /// `updateSession` for the sliding refresh: `None` when the session vanished meanwhile.
    pub async fn refresh(
        self,
        conn: &mut impl DbAccess,
        token: &str,
        lifetime: Duration,
    ) -> Result<Option<Session>> {
        let Some(secondary) = self.secondary() else {
            return Ok(sessions::refresh(conn.db().await?, token, lifetime).await?);
        };
        let row = match self.stores_in_db() {
            true => sessions::refresh(conn.db().await?, token, lifetime).await?,
            false => None,
        };
        let cached = secondary.refresh(token, lifetime).await?;
        Ok(if self.stores_in_db() { row } else { cached })
    }

    /// `deleteSession`; whether there was a session to delete.
    pub async fn delete(self, conn: &mut impl DbAccess, token: &str) -> Result<bool> {
        let Some(secondary) = self.secondary() else {
            return Ok(sessions::delete_by_token(conn.db().await?, token).await? > 0);
        };
        let cached = secondary.delete(token).await?;
        let rows = match self.kv {
            Some((_, SessionStorageMode::Database)) => {
                sessions::delete_by_token(conn.db().await?, token).await?
            }
            Some((_, SessionStorageMode::PreserveInDatabase)) => {
                end_rows(conn.db().await?, None, token).await?
            }
            _ => 0,
        };
        Ok(cached || rows > 0)
    }

    /// revoke-session: deletes the session only if `findSession` says it is the user's.
    pub async fn delete_owned(self, conn: &mut DbConn, user_id: &str, token: &str) -> Result<()> {
        if self.kv.is_none() {
            sessions::delete_owned(conn, user_id, token).await?;
            return Ok(());
        }
        if let Some((s, _)) = self.find(conn, token).await?
            && s.user_id == user_id
        {
            self.delete(conn, token).await?;
        }
        Ok(())
    }

    /// `listSessions`: the user's unexpired sessions (from the database in `Database` mode, else
    /// from the active-sessions list, skipping revoked and missing ones).
    pub async fn list(self, conn: &mut DbConn, user_id: &str) -> Result<Vec<Session>> {
        match self.secondary() {
            Some(secondary) if !self.falls_back() => Ok(secondary.list(user_id).await?),
            _ => Ok(sessions::list_active(conn, user_id).await?),
        }
    }

    /// revoke-other-sessions: `deleteSession` for every listed session but `keep_token`.
    pub async fn delete_others(
        self,
        conn: &mut DbConn,
        user_id: &str,
        keep_token: &str,
    ) -> Result<()> {
        if self.kv.is_none() {
            sessions::delete_others(conn, user_id, keep_token).await?;
            return Ok(());
        }
        for s in self.list(conn, user_id).await? {
            if s.token != keep_token && s.expires_at > Utc::now() {
                self.delete(conn, &s.token).await?;
            }
        }
        Ok(())
    }

    /// `deleteUserSessions` (and the session part of `deleteUser`): the rows now; the
    /// secondary storage's part (the revoked-before mark, every listed token, the list) is
    /// returned, to be applied once the caller's transaction has committed.
    pub async fn delete_all_for_user(
        self,
        conn: &mut DbConn,
        user_id: &str,
    ) -> Result<AfterCommit<'a>> {
        let Some(secondary) = self.secondary() else {
            sessions::delete_all_for_user(conn, user_id).await?;
            return Ok(AfterCommit { revoke: None });
        };
        // Better Auth reads the list and takes the time when it queues the hook.
        let refs = secondary.active(user_id).await?;
        let revoked_at = secondary::now_ms();
        match self.kv {
            Some((_, SessionStorageMode::Database)) => {
                sessions::delete_all_for_user(conn, user_id).await?;
            }
            Some((_, SessionStorageMode::PreserveInDatabase)) => {
                end_rows(conn, Some(user_id), "").await?;
            }
            _ => {}
        }
        Ok(AfterCommit {
            revoke: Some(Revocation {
                secondary,
                user_id: user_id.to_owned(),
                refs,
                revoked_at,
            }),
        })
    }

    /// `refreshUserSessions` after a user update: the user copy inside every live session.
    pub async fn refresh_user(self, user: &User) -> Result<()> {
        if let Some(secondary) = self.secondary() {
            secondary.rewrite_user(user).await?;
        }
        Ok(())
    }
}

/// Secondary-storage work that waits for the database transaction around it to commit (Better
/// Auth's `queueAfterTransactionHook`): a transaction that rolls back never reaches Redis.
#[must_use = "apply it once the transaction has committed"]
pub struct AfterCommit<'a> {
    revoke: Option<Revocation<'a>>,
}

struct Revocation<'a> {
    secondary: secondary::Secondary<'a>,
    user_id: String,
    refs: Vec<stored::ActiveRef>,
    revoked_at: i64,
}

impl AfterCommit<'_> {
    /// Runs it (after the commit, or at once outside a transaction).
    pub async fn apply(self) -> Result<()> {
        if let Some(r) = self.revoke {
            r.secondary
                .revoke_all(&r.user_id, r.refs, r.revoked_at)
                .await?;
        }
        Ok(())
    }
}

/// `endPreservedSessions`: live rows of the token (or of the user) get `expiresAt = now`.
async fn end_rows(conn: &mut DbConn, user_id: Option<&str>, token: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        let now = crate::wire::now();
        let live = session::table
            .filter(session::expires_at.gt(At(now)))
            .into_boxed();
        let target = match user_id {
            Some(user_id) => live.filter(session::user_id.eq(user_id.to_owned())),
            None => live.filter(session::token.eq(token.to_owned())),
        };
        let ids: Vec<String> = target.select(session::id).load(c).await?;
        diesel::update(session::table.filter(session::id.eq_any(ids)))
            .set(session::expires_at.eq(At(now)))
            .execute(c)
            .await
    })
}
