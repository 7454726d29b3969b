//! The audit log: one line per security-relevant event on the `audit` tracing target, with the
//! same field names everywhere (`event`, `outcome`, `reason`, `user_id`, `ip`, `user_agent`).
//! Secrets never appear here.

use super::sessions::ClientInfo;

/// One audit event.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    event: &'static str,
    outcome: Option<&'static str>,
    reason: Option<&'static str>,
    user_id: Option<&'a str>,
    client: Option<&'a ClientInfo>,
    revoked_sessions: Option<bool>,
    kid: Option<&'a str>,
}

impl<'a> Audit<'a> {
    /// An event named `event` (`sign_in`, `change_email`, …).
    pub fn event(event: &'static str) -> Self {
        Self {
            event,
            outcome: None,
            reason: None,
            user_id: None,
            client: None,
            revoked_sessions: None,
            kid: None,
        }
    }

    /// A success, by `user_id`.
    pub fn success(event: &'static str, user_id: &'a str) -> Self {
        Self::event(event).outcome("success").user(user_id)
    }

    /// A failure, for `reason`.
    pub fn failure(event: &'static str, reason: &'static str) -> Self {
        Self::event(event).outcome("failure").reason(reason)
    }

    /// How the event ended (`success`, `failure`, `link_sent`, …).
    pub fn outcome(self, outcome: &'static str) -> Self {
        Self {
            outcome: Some(outcome),
            ..self
        }
    }

    /// Why it failed.
    pub fn reason(self, reason: &'static str) -> Self {
        Self {
            reason: Some(reason),
            ..self
        }
    }

    /// The user it concerns.
    pub fn user(self, user_id: &'a str) -> Self {
        Self {
            user_id: Some(user_id),
            ..self
        }
    }

    /// The client's IP address and user agent.
    pub fn client(self, client: &'a ClientInfo) -> Self {
        Self {
            client: Some(client),
            ..self
        }
    }

    /// Whether the user's sessions were revoked with it.
    pub fn revoked_sessions(self, revoked: bool) -> Self {
        Self {
            revoked_sessions: Some(revoked),
            ..self
        }
    }

    /// The signing key it concerns.
    pub fn key(self, kid: &'a str) -> Self {
        Self {
            kid: Some(kid),
            ..self
        }
    }

    /// Writes the line.
    pub fn log(self) {
        tracing::info!(
            target: "audit",
            event = self.event,
            outcome = self.outcome,
            reason = self.reason,
            user_id = self.user_id,
            ip = self.client.map(|c| c.ip_address.as_str()),
            user_agent = self.client.map(|c| c.user_agent.as_str()),
            revoked_sessions = self.revoked_sessions,
            kid = self.kid,
        );
    }
}
