//! Better Auth's rate limiter (`better-auth/src/api/rate-limiter/index.ts`): per `ip|path` key,
//! a window that restarts once `window` has passed since the last allowed request, special rules
//! for sign-in/sign-up and the e-mail endpoints, custom per-path rules, memory or database storage.

mod database;
mod memory;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::db::DbConn;

use crate::config::{Config, Limit, RateLimitConfig, RateLimitStorage};

pub use memory::MemoryStore;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Over the limit; retry after this many seconds (`X-Retry-After`).
    Limited {
        retry_after_secs: u64,
    },
}

/// The bucket of requests whose client IP cannot be trusted (Better Auth's `no-trusted-ip`).
pub const NO_TRUSTED_IP: &str = "no-trusted-ip";

/// `createRateLimitKey`: `<ip>|<path>`.
pub fn key(ip: Option<&str>, path: &str) -> String {
    format!("{}|{path}", ip.unwrap_or(NO_TRUSTED_IP))
}

fn limit(window_secs: u64, max: u32) -> Limit {
    Limit {
        window: Duration::from_secs(window_secs),
        max,
    }
}

/// `getDefaultSpecialRules`: 3 per 10 s for credential changes, 3 per 60 s for e-mail senders.
fn special_rule(path: &str) -> Option<Limit> {
    let starts = |p: &str| path.starts_with(p);
    if starts("/sign-in")
        || starts("/sign-up")
        || starts("/change-password")
        || starts("/change-email")
    {
        return Some(limit(10, 3));
    }
    if matches!(
        path,
        "/request-password-reset"
            | "/send-verification-email"
            | "/email-otp/send-verification-otp"
            | "/email-otp/request-password-reset"
    ) || starts("/forget-password")
    {
        return Some(limit(60, 3));
    }
    None
}

/// A glob over paths: `*` matches within one segment, `**` across segments (as `wildcardMatch`).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    match pattern.strip_prefix("**") {
        Some(rest) => {
            (0..=path.len()).any(|i| path.is_char_boundary(i) && glob_match(rest, &path[i..]))
        }
        None => match pattern.strip_prefix('*') {
            Some(rest) => {
                let segment_end = path.find('/').unwrap_or(path.len());
                (0..=segment_end).any(|i| path.is_char_boundary(i) && glob_match(rest, &path[i..]))
            }
            None => match (pattern.chars().next(), path.chars().next()) {
                (None, None) => true,
                (Some(p), Some(c)) if p == c => {
                    glob_match(&pattern[p.len_utf8()..], &path[c.len_utf8()..])
                }
                _ => false,
            },
        },
    }
}

/// The limit for a path relative to `/api/auth`: a custom rule, else a special rule, else the
/// default. `None` when a custom rule turns limiting off.
pub fn rule_for(config: &RateLimitConfig, path: &str) -> Option<Limit> {
    let custom = config.rules.iter().find(|r| {
        if r.pattern.contains('*') {
            glob_match(&r.pattern, path)
        } else {
            r.pattern == path
        }
    });
    match custom {
        Some(rule) => rule.limit,
        None => Some(special_rule(path).unwrap_or(config.default)),
    }
}

/// The limiter of one server: its rules and, with memory storage, its counters.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    memory: MemoryStore,
    /// The longest window of any rule: older database rows are swept.
    longest_window: Duration,
    last_db_sweep_ms: AtomicI64,
}

impl RateLimiter {
    /// A limiter for the configuration.
    pub fn new(config: &Config) -> Self {
        let rl = config.rate_limit.clone();
        let longest_window = rl
            .rules
            .iter()
            .filter_map(|r| r.limit.map(|l| l.window))
            .chain([rl.default.window, Duration::from_secs(60)])
            .max()
            .unwrap_or(rl.default.window);
        Self {
            config: rl,
            memory: MemoryStore::default(),
            longest_window,
            last_db_sweep_ms: AtomicI64::new(0),
        }
    }

    /// Whether requests are limited at all (`RATE_LIMIT_ENABLED`).
    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// Whether counters live in the database (then [`Self::check_in_database`] must be used).
    pub fn uses_database(&self) -> bool {
        self.config.storage == RateLimitStorage::Database
    }

    /// The limit for a path, if any.
    pub fn rule(&self, path: &str) -> Option<Limit> {
        rule_for(&self.config, path)
    }

    /// Counts a request in memory.
    pub fn check_in_memory(&self, key: &str, limit: Limit) -> Decision {
        self.memory
            .consume(key, limit, chrono::Utc::now().timestamp_millis())
    }

    /// Where the counters live.
    pub fn storage(&self) -> RateLimitStorage {
        self.config.storage
    }

    /// Counts a request in the secondary storage as Better Auth does (`api/rate-limiter`): `INCR`
    /// of `<ip>|<path>`, expiring after the window when new; over `max` is limited for a window.
    pub async fn check_in_secondary_storage(
        &self,
        kv: &crate::secondary_storage::SecondaryStorage,
        key: &str,
        limit: Limit,
    ) -> Result<Decision, crate::secondary_storage::KvError> {
        let window = limit.window.as_secs();
        Ok(
            match kv.increment(key, window).await? <= u64::from(limit.max) {
                true => Decision::Allowed,
                false => Decision::Limited {
                    retry_after_secs: window,
                },
            },
        )
    }

    /// Counts a request in the `rateLimit` table; sweeps stale rows at most once a minute.
    pub async fn check_in_database(
        &self,
        conn: &mut DbConn,
        key: &str,
        limit: Limit,
    ) -> diesel::QueryResult<Decision> {
        let decision = database::consume(conn, key, limit).await?;
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.last_db_sweep_ms.load(Ordering::Relaxed);
        if now - last >= 60_000
            && self
                .last_db_sweep_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            database::sweep(conn, self.longest_window).await?;
        }
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PathRule;

    #[test]
    fn special_rules_match_better_auths_paths() {
        let c = RateLimitConfig::default();
        assert_eq!(rule_for(&c, "/sign-in/email"), Some(limit(10, 3)));
        assert_eq!(rule_for(&c, "/sign-up/email"), Some(limit(10, 3)));
        assert_eq!(rule_for(&c, "/change-password"), Some(limit(10, 3)));
        assert_eq!(rule_for(&c, "/change-email"), Some(limit(10, 3)));
        assert_eq!(rule_for(&c, "/request-password-reset"), Some(limit(60, 3)));
        assert_eq!(rule_for(&c, "/send-verification-email"), Some(limit(60, 3)));
        assert_eq!(rule_for(&c, "/forget-password/x"), Some(limit(60, 3)));
        assert_eq!(rule_for(&c, "/get-session"), Some(limit(10, 100)));
        assert_eq!(rule_for(&c, "/no-such-path"), Some(limit(10, 100)));
    }

    #[test]
    fn custom_rules_override_special_ones_and_can_turn_limiting_off() {
        let c = RateLimitConfig {
            rules: vec![
                PathRule {
                    pattern: "/sign-in/email".into(),
                    limit: Some(limit(60, 5)),
                },
                PathRule {
                    pattern: "/get-session".into(),
                    limit: None,
                },
                PathRule {
                    pattern: "/admin/*".into(),
                    limit: Some(limit(1, 1)),
                },
            ],
            ..RateLimitConfig::default()
        };
        assert_eq!(rule_for(&c, "/sign-in/email"), Some(limit(60, 5)));
        assert_eq!(rule_for(&c, "/get-session"), None);
        assert_eq!(rule_for(&c, "/admin/users"), Some(limit(1, 1)));
        assert_eq!(rule_for(&c, "/admin/users/1"), Some(limit(10, 100)));
    }

    #[test]
    fn globs_keep_single_stars_within_a_segment() {
        assert!(glob_match("/a/*", "/a/b"));
        assert!(!glob_match("/a/*", "/a/b/c"));
        assert!(glob_match("/a/**", "/a/b/c"));
        assert!(glob_match("/*/x", "/a/x"));
        assert!(!glob_match("/a", "/ab"));
    }

    #[test]
    fn keys_are_ip_bar_path() {
        assert_eq!(
            key(Some("198.51.100.9"), "/sign-in/email"),
            "198.51.100.9|/sign-in/email"
        );
        assert_eq!(key(None, "/get-session"), "no-trusted-ip|/get-session");
    }
}
