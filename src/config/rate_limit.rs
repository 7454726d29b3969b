//! Rate-limit settings: `RATE_LIMIT_*` and `TRUSTED_PROXIES`.

use std::time::Duration;

use ipnet::IpNet;

use super::{ConfigError, err, number};

/// At most `max` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub window: Duration,
    pub max: u32,
}

/// A per-path override from `RATE_LIMIT_RULES` (Better Auth's `rateLimit.customRules`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// A path relative to `/api/auth`; `*` matches within one segment, `**` across segments.
    pub pattern: String,
    /// `None` turns rate limiting off for the path.
    pub limit: Option<Limit>,
}

/// Where the counters live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitStorage {
    /// In this process (bounded, swept); each instance counts on its own.
    Memory,
    /// The `rateLimit` table, shared by every instance on the database.
    Database,
    /// `<ip>|<path>` counters in the secondary storage (Redis), shared with every instance and
    /// with a Node Better Auth on the same Redis.
    SecondaryStorage,
}

/// Better Auth's `rateLimit` options.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// The limit of paths without a special or custom rule (10 s / 100).
    pub default: Limit,
    pub rules: Vec<PathRule>,
    pub storage: RateLimitStorage,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            default: Limit {
                window: Duration::from_secs(10),
                max: 100,
            },
            rules: Vec::new(),
            storage: RateLimitStorage::Memory,
        }
    }
}

pub(super) fn flag(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(err(
            name,
            format!("must be `true` or `false`, got `{other}`"),
        )),
    }
}

/// One `path=max/window` or `path=off` entry.
fn parse_rule(entry: &str) -> Option<PathRule> {
    let (pattern, spec) = entry.split_once('=')?;
    let pattern = pattern.trim();
    if !pattern.starts_with('/') {
        return None;
    }
    let spec = spec.trim();
    let limit = if spec.eq_ignore_ascii_case("off") {
        None
    } else {
        let (max, window) = spec.split_once('/')?;
        let window: u64 = window.trim().parse().ok().filter(|w| *w > 0)?;
        Some(Limit {
            window: Duration::from_secs(window),
            max: max.trim().parse().ok()?,
        })
    };
    Some(PathRule {
        pattern: pattern.to_string(),
        limit,
    })
}

fn parse_rules(raw: Option<String>) -> Result<Vec<PathRule>, ConfigError> {
    raw.iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            parse_rule(entry).ok_or_else(|| {
                err(
                    "RATE_LIMIT_RULES",
                    format!("`{entry}` is not `/path=<max>/<window seconds>` or `/path=off`"),
                )
            })
        })
        .collect()
}

/// Reads the rate-limit settings.
/// The storage defaults to the secondary storage when there is one, as Better Auth's does.
pub(super) fn parse(
    var: &impl Fn(&str) -> Option<String>,
    has_secondary_storage: bool,
) -> Result<RateLimitConfig, ConfigError> {
    let storage = match var("RATE_LIMIT_STORAGE").as_deref() {
        None if has_secondary_storage => RateLimitStorage::SecondaryStorage,
        None | Some("memory") => RateLimitStorage::Memory,
        Some("database") => RateLimitStorage::Database,
        Some("secondary-storage") if has_secondary_storage => RateLimitStorage::SecondaryStorage,
        Some("secondary-storage") => {
            return Err(err(
                "RATE_LIMIT_STORAGE",
                "`secondary-storage` needs SECONDARY_STORAGE_URL",
            ));
        }
        Some(other) => {
            return Err(err(
                "RATE_LIMIT_STORAGE",
                format!("must be `memory`, `database` or `secondary-storage`, got `{other}`"),
            ));
        }
    };
    Ok(RateLimitConfig {
        enabled: flag(var, "RATE_LIMIT_ENABLED", true)?,
        default: Limit {
            window: Duration::from_secs(number(var, "RATE_LIMIT_WINDOW", 10, 1, 86_400)? as u64),
            max: number(var, "RATE_LIMIT_MAX", 100, 1, 1_000_000)? as u32,
        },
        rules: parse_rules(var("RATE_LIMIT_RULES"))?,
        storage,
    })
}

/// `TRUSTED_PROXIES`: IPs and CIDR ranges whose `X-Forwarded-For` is believed.
pub(super) fn parse_proxies(raw: Option<String>) -> Result<Vec<IpNet>, ConfigError> {
    raw.iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    err(
                        "TRUSTED_PROXIES",
                        format!("`{entry}` is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_limits_and_off() {
        let rules = parse_rules(Some("/sign-in/email=5/60, /get-session=off".into())).unwrap();
        assert_eq!(
            rules[0].limit,
            Some(Limit {
                window: Duration::from_secs(60),
                max: 5
            })
        );
        assert_eq!(rules[1].pattern, "/get-session");
        assert_eq!(rules[1].limit, None);
        let e = parse_rules(Some("sign-in=5".into())).unwrap_err();
        assert_eq!(e.var, "RATE_LIMIT_RULES");
    }

    #[test]
    fn proxies_accept_ips_and_ranges() {
        let p = parse_proxies(Some("10.0.0.0/8, 127.0.0.1,::1".into())).unwrap();
        assert_eq!(p.len(), 3);
        assert!(p[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(
            parse_proxies(Some("nope".into())).unwrap_err().var,
            "TRUSTED_PROXIES"
        );
    }
}
