//! The JSON Better Auth keeps in its secondary storage: `<token>` → `{session, user}`,
//! `active-sessions-<userId>` → `[{token, expiresAt}]`, `revoked-sessions-before-<userId>` → ms.
//! Fields we do not know (additional fields a Node Better Auth stored) are kept on a rewrite.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db::models::{Session, User};
use crate::wire::{ser_iso, truncate_ms};

/// The active-sessions list of a user.
pub fn active_key(user_id: &str) -> String {
    format!("active-sessions-{user_id}")
}

/// The revoked-before mark of a user.
pub fn revoked_key(user_id: &str) -> String {
    format!("revoked-sessions-before-{user_id}")
}

/// `getTTLSeconds`: whole seconds until `expires_ms`, never negative.
pub fn ttl_secs(expires_ms: i64, now_ms: i64) -> u64 {
    u64::try_from((expires_ms - now_ms).div_euclid(1000)).unwrap_or(0)
}

/// The session part, in the order Better Auth's `createSession` builds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    pub id: String,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(serialize_with = "ser_iso")]
    pub expires_at: DateTime<Utc>,
    pub user_id: String,
    pub token: String,
    #[serde(serialize_with = "ser_iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The user part, in the order the Postgres adapter returns a row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredUser {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(serialize_with = "ser_iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_iso")]
    pub updated_at: DateTime<Utc>,
    pub id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The value under a session token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub session: StoredSession,
    pub user: StoredUser,
}

/// One entry of the active-sessions list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRef {
    pub token: String,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

impl From<&Session> for StoredSession {
    fn from(s: &Session) -> Self {
        Self {
            id: s.id.clone(),
            ip_address: s.ip_address.clone(),
            user_agent: s.user_agent.clone(),
            expires_at: s.expires_at,
            user_id: s.user_id.clone(),
            token: s.token.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            extra: Map::new(),
        }
    }
}

impl From<&User> for StoredUser {
    fn from(u: &User) -> Self {
        Self {
            name: u.name.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            image: u.image.clone(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            id: u.id.clone(),
            extra: Map::new(),
        }
    }
}

impl StoredSession {
    /// The session as a row (dates cut to what JavaScript holds).
    pub fn to_row(&self) -> Session {
        Session {
            id: self.id.clone(),
            expires_at: truncate_ms(self.expires_at),
            token: self.token.clone(),
            created_at: truncate_ms(self.created_at),
            updated_at: truncate_ms(self.updated_at),
            ip_address: self.ip_address.clone(),
            user_agent: self.user_agent.clone(),
            user_id: self.user_id.clone(),
        }
    }
}

impl StoredUser {
    /// The user as a row; the e-mail lower-cased as Better Auth's user schema does.
    pub fn to_row(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.to_lowercase(),
            email_verified: self.email_verified,
            image: self.image.clone(),
            created_at: truncate_ms(self.created_at),
            updated_at: truncate_ms(self.updated_at),
        }
    }
}

/// Parses a value, as `safeJSONParse` does: anything unreadable is nothing.
pub fn parse<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Option<T> {
    raw.and_then(|r| serde_json::from_str(r).ok())
}

/// `Number(value)` of the revoked-before mark: `0` when absent or unreadable.
pub fn revoked_before(raw: Option<&str>) -> i64 {
    raw.and_then(|r| r.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite())
        .map_or(0, |n| n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_value_round_trips_with_its_extra_fields() {
        let raw = r#"{"session":{"id":"S","ipAddress":"203.0.113.7","userAgent":"","expiresAt":"2026-12-07T18:25:40.100Z","userId":"U","token":"T","createdAt":"2026-11-30T18:25:40.100Z","updatedAt":"2026-11-30T18:25:40.100Z","impersonatedBy":null},"user":{"name":"Alice","email":"a@example.com","emailVerified":false,"image":null,"createdAt":"2026-11-30T18:25:40.083Z","updatedAt":"2026-11-30T18:25:40.083Z","id":"U","role":"user"}}"#;
        let stored: Stored = parse(Some(raw)).unwrap();
        assert_eq!(serde_json::to_string(&stored).unwrap(), raw);
    }

    #[test]
    fn ttls_and_marks_read_as_better_auth_reads_them() {
        assert_eq!(ttl_secs(10_999, 0), 10);
        assert_eq!(ttl_secs(0, 5), 0);
        assert_eq!(revoked_before(Some("1796063140804")), 1_796_063_140_804);
        assert_eq!(revoked_before(None), 0);
        assert_eq!(revoked_before(Some("x")), 0);
    }
}
