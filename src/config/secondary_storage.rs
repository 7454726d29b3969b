//! Better Auth's `secondaryStorage` on Redis: `SECONDARY_STORAGE_*` and the session storage modes
//! (`SESSION_STORE_IN_DATABASE`, `SESSION_PRESERVE_IN_DATABASE`).

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, err, number, rate_limit::flag};

/// Where sessions live once a secondary storage is configured (Better Auth's `session` options
/// `storeSessionInDatabase` and `preserveSessionInDatabase`; both default to `false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStorageMode {
    /// Redis only: a miss is no session; the `session` table is not used.
    SecondaryOnly,
    /// A database row mirrored to Redis; reads fall back to the database on a miss.
    Database,
    /// As `Database`, but reads use Redis only and a deleted session's row is kept, ended.
    PreserveInDatabase,
}

/// `SECONDARY_STORAGE_URL` and its options.
#[derive(Debug, Clone)]
pub struct SecondaryStorageConfig {
    /// `redis://` or `rediss://` (TLS), with user, password and database number.
    pub url: SecretString,
    /// Put before every key (`@better-auth/redis-storage`'s `keyPrefix`, default `better-auth:`).
    pub prefix: String,
    /// Bounds connecting and every command; a slower Redis is an outage (503).
    pub timeout: Duration,
    pub mode: SessionStorageMode,
}

/// Reads `SECONDARY_STORAGE_*`; `None` without a URL (sessions in the database only).
pub(super) fn parse(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SecondaryStorageConfig>, ConfigError> {
    let store = flag(var, "SESSION_STORE_IN_DATABASE", false)?;
    let preserve = flag(var, "SESSION_PRESERVE_IN_DATABASE", false)?;
    let Some(url) = var("SECONDARY_STORAGE_URL") else {
        return Ok(None);
    };
    if !url.starts_with("redis://") && !url.starts_with("rediss://") {
        return Err(err(
            "SECONDARY_STORAGE_URL",
            "must be a redis:// or rediss:// URL",
        ));
    }
    if let Err(e) = redis::Client::open(url.as_str()) {
        return Err(err("SECONDARY_STORAGE_URL", format!("is not valid: {e}")));
    }
    let mode = match (store, preserve) {
        (false, _) => SessionStorageMode::SecondaryOnly,
        (true, false) => SessionStorageMode::Database,
        (true, true) => SessionStorageMode::PreserveInDatabase,
    };
    let timeout_ms = number(var, "SECONDARY_STORAGE_TIMEOUT_MS", 1000, 10, 60_000)?;
    Ok(Some(SecondaryStorageConfig {
        url: url.into(),
        prefix: var("SECONDARY_STORAGE_PREFIX").unwrap_or_else(|| "better-auth:".into()),
        timeout: Duration::from_millis(timeout_ms as u64),
        mode,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(vars: &[(&str, &str)]) -> Result<Option<SecondaryStorageConfig>, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(&|name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn no_url_means_no_secondary_storage() {
        assert!(parse_with(&[]).unwrap().is_none());
    }

    #[test]
    fn defaults_are_better_auths() {
        let c = parse_with(&[("SECONDARY_STORAGE_URL", "rediss://u:p@example.com:6380/2")])
            .unwrap()
            .unwrap();
        assert_eq!(c.prefix, "better-auth:");
        assert_eq!(c.mode, SessionStorageMode::SecondaryOnly);
        assert_eq!(c.timeout, Duration::from_secs(1));
    }

    #[test]
    fn modes_and_bad_urls() {
        let url = ("SECONDARY_STORAGE_URL", "redis://127.0.0.1/0");
        let on = ("SESSION_STORE_IN_DATABASE", "true");
        let keep = ("SESSION_PRESERVE_IN_DATABASE", "true");
        let mode = |v: &[(&str, &str)]| parse_with(v).unwrap().unwrap().mode;
        assert_eq!(mode(&[url, on]), SessionStorageMode::Database);
        assert_eq!(
            mode(&[url, on, keep]),
            SessionStorageMode::PreserveInDatabase
        );
        let bad = parse_with(&[("SECONDARY_STORAGE_URL", "http://x")]).unwrap_err();
        assert_eq!(bad.var, "SECONDARY_STORAGE_URL");
    }
}
