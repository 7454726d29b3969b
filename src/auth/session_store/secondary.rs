//! The secondary-storage half of Better Auth's session adapter (`db/internal-adapter.ts`), key for
//! key: `<token>`, `active-sessions-<userId>` and `revoked-sessions-before-<userId>`. Like Node's,
//! the list updates are read-modify-write; readers tolerate entries whose key is gone.

use std::time::Duration;

use super::stored::{
    ActiveRef, Stored, StoredSession, StoredUser, active_key, parse, revoked_before, revoked_key,
    ttl_secs,
};
use crate::db::models::{Session, User};
use crate::secondary_storage::{KvError, SecondaryStorage};
use crate::wire::{after, now};

type Result<T> = std::result::Result<T, KvError>;

/// The secondary storage, with the lifetime of revoked-before marks.
pub struct Secondary<'a> {
    pub kv: &'a SecondaryStorage,
    pub revoked_ttl: u64,
}

/// What the secondary storage says of a token.
pub enum Found {
    Session(Box<Session>, Box<User>),
    /// Stored, but created before the user's revoked-before mark.
    Revoked,
    Missing,
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Secondary<'_> {
    async fn get_stored(&self, token: &str) -> Result<Option<Stored>> {
        Ok(parse(self.kv.get(token).await?.as_deref()))
    }

    /// The user's active-sessions list, as stored.
    pub async fn active(&self, user_id: &str) -> Result<Vec<ActiveRef>> {
        let raw = self.kv.get(&active_key(user_id)).await?;
        Ok(parse(raw.as_deref()).unwrap_or_default())
    }

    /// `setActiveSessionReferences`: sorted by expiry, kept until the last one expires, deleted
    /// when empty.
    async fn set_active(&self, user_id: &str, mut refs: Vec<ActiveRef>, now: i64) -> Result<()> {
        refs.sort_by_key(|r| r.expires_at);
        let ttl = ttl_secs(refs.last().map_or(0, |r| r.expires_at), now);
        match ttl {
            0 => self.kv.delete(&active_key(user_id)).await,
            ttl => {
                self.kv
                    .set(&active_key(user_id), &to_json(&refs), ttl)
                    .await
            }
        }
    }

    /// Replaces the token's list entry (dropping expired ones); `expires_at` `None` removes it.
    async fn move_entry(&self, user_id: &str, token: &str, expires_at: Option<i64>) -> Result<()> {
        let now = now_ms();
        let mut refs = self.active(user_id).await?;
        refs.retain(|r| r.expires_at > now && r.token != token);
        refs.extend(expires_at.map(|expires_at| ActiveRef {
            token: token.to_owned(),
            expires_at,
        }));
        self.set_active(user_id, refs, now).await
    }

    async fn revoked_before(&self, user_id: &str) -> Result<i64> {
        Ok(revoked_before(
            self.kv.get(&revoked_key(user_id)).await?.as_deref(),
        ))
    }

    /// `createSession`'s mirror: the list entry, then `<token>` with the user.
    pub async fn put_new(&self, session: &Session, user: &User) -> Result<()> {
        let expires_ms = session.expires_at.timestamp_millis();
        self.move_entry(&session.user_id, &session.token, Some(expires_ms))
            .await?;
        let ttl = ttl_secs(expires_ms, now_ms());
        if ttl == 0 {
            return Ok(());
        }
        let stored = Stored {
            session: StoredSession::from(session),
            user: StoredUser::from(user),
        };
        self.kv.set(&session.token, &to_json(&stored), ttl).await
    }

    /// `findSession`'s secondary-storage step, revoked-before check included.
    pub async fn find(&self, token: &str) -> Result<Found> {
        let Some(stored) = self.get_stored(token).await? else {
            return Ok(Found::Missing);
        };
        let created = stored.session.created_at.timestamp_millis();
        if created < self.revoked_before(&stored.session.user_id).await? {
            return Ok(Found::Revoked);
        }
        Ok(Found::Session(
            Box::new(stored.session.to_row()),
            Box::new(stored.user.to_row()),
        ))
    }

    /// `updateSession` for the sliding refresh: new `expiresAt` and `updatedAt`, the new TTL, the
    /// list entry moved. `None` when the key is gone.
    pub async fn refresh(&self, token: &str, lifetime: Duration) -> Result<Option<Session>> {
        let Some(mut stored) = self.get_stored(token).await? else {
            return Ok(None);
        };
        let now = now();
        stored.session.expires_at = after(now, lifetime);
        stored.session.updated_at = now;
        let expires_ms = stored.session.expires_at.timestamp_millis();
        let ttl = ttl_secs(expires_ms, now.timestamp_millis());
        if ttl > 0 {
            self.kv.set(token, &to_json(&stored), ttl).await?;
            let user_id = &stored.session.user_id;
            self.move_entry(user_id, token, Some(expires_ms)).await?;
        }
        Ok(Some(stored.session.to_row()))
    }

    /// `deleteSession`'s secondary-storage step; whether the key held a session.
    pub async fn delete(&self, token: &str) -> Result<bool> {
        let stored = self.get_stored(token).await?;
        if let Some(stored) = &stored {
            let user_id = &stored.session.user_id;
            if self.kv.get(&active_key(user_id)).await?.is_some() {
                self.move_entry(user_id, token, None).await?;
            }
        }
        self.kv.delete(token).await?;
        Ok(stored.is_some())
    }

    /// `listSessions` from the list: each live, unrevoked, present session once, in list order.
    pub async fn list(&self, user_id: &str) -> Result<Vec<Session>> {
        let now = now_ms();
        let revoked_before = self.revoked_before(user_id).await?;
        let mut seen = std::collections::HashSet::new();
        let mut sessions = Vec::new();
        for r in self.active(user_id).await? {
            if r.expires_at <= now || !seen.insert(r.token.clone()) {
                continue;
            }
            let Some(stored) = self.get_stored(&r.token).await? else {
                continue;
            };
            if stored.session.created_at.timestamp_millis() >= revoked_before {
                sessions.push(stored.session.to_row());
            }
        }
        Ok(sessions)
    }

    /// `deleteCachedUserSessions`: the revoked-before mark `revoked_at` (never moved back), each
    /// of `refs` (the list as it was when the revocation was decided) deleted, and the list
    /// rewritten without them; a session created since is left alone.
    pub async fn revoke_all(
        &self,
        user_id: &str,
        refs: Vec<ActiveRef>,
        revoked_at: i64,
    ) -> Result<()> {
        let mark = revoked_at.max(self.revoked_before(user_id).await?);
        let key = revoked_key(user_id);
        self.kv
            .set(&key, &mark.to_string(), self.revoked_ttl)
            .await?;
        let deleted: std::collections::HashSet<String> =
            refs.into_iter().map(|r| r.token).collect();
        for token in &deleted {
            self.kv.delete(token).await?;
        }
        let now = now_ms();
        let mut current = self.active(user_id).await?;
        current.retain(|r| r.expires_at > now && !deleted.contains(&r.token));
        self.set_active(user_id, current, now).await
    }

    /// `refreshUserSessions`: every live listed session gets the new user, keeping its TTL.
    pub async fn rewrite_user(&self, user: &User) -> Result<()> {
        let now = now_ms();
        for r in self.active(&user.id).await? {
            if r.expires_at <= now {
                continue;
            }
            let Some(mut stored) = self.get_stored(&r.token).await? else {
                continue;
            };
            let extra = std::mem::take(&mut stored.user.extra);
            stored.user = StoredUser::from(user);
            stored.user.extra = extra;
            let ttl = ttl_secs(stored.session.expires_at.timestamp_millis(), now);
            self.kv.set(&r.token, &to_json(&stored), ttl).await?;
        }
        Ok(())
    }
}
