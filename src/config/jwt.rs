//! JWT plugin settings: `JWT_ALG`, `JWT_EXPIRES_IN`, `JWKS_ROTATION_INTERVAL`, `JWKS_GRACE_PERIOD`
//! (`JWT_ISSUER` and `JWT_AUDIENCE` are top-level `Config` fields, shared with the task API).

use std::time::Duration;

use super::{ConfigError, err};

/// How `/token` and `set-auth-jwt` tokens are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlg {
    /// Ed25519 keys from the `jwks` table, as Better Auth's default (`JWT_ALG=EdDSA`).
    EdDsa,
    /// HMAC-SHA256 with the current secret (`JWT_ALG=HS256`); Better Auth itself cannot do this.
    Hs256,
}

/// The JWT plugin's options.
#[derive(Debug, Clone, Copy)]
pub struct JwtConfig {
    pub alg: JwtAlg,
    /// Token lifetime (`jwt.expirationTime`, default 15 minutes).
    pub expires_in: Duration,
    /// A key expires this long after it was minted (`jwks.rotationInterval`); `None` = never.
    pub rotation_interval: Option<Duration>,
    /// An expired key stays in `/jwks` this long (`jwks.gracePeriod`, default 30 days).
    pub grace_period: Duration,
    /// How long the decrypted signing key is reused before the `jwks` table is read again
    /// (`JWKS_CACHE_TTL`, default 30 s; `0` reads it for every token).
    pub key_cache_ttl: Duration,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            alg: JwtAlg::EdDsa,
            expires_in: Duration::from_secs(15 * 60),
            rotation_interval: None,
            grace_period: Duration::from_secs(2_592_000),
            key_cache_ttl: Duration::from_secs(30),
        }
    }
}

/// Seconds in `15m`, `1h`, `7d`, `30s`, `2w` or a plain number of seconds (jose's `expirationTime` style).
pub fn parse_time_span(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<u64>() {
        return Some(n);
    }
    let split = raw.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = raw.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let factor = match unit.trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// An optional span variable; `min` is 0 or 1 second.
pub(super) fn span(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    min: u64,
) -> Result<Option<Duration>, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(None);
    };
    match parse_time_span(&raw) {
        Some(n) if n >= min && n <= 10 * 365 * 86_400 => Ok(Some(Duration::from_secs(n))),
        _ => Err(err(
            name,
            format!(
                "must be a number of seconds (at least {min}) or a span like 15m, 1h, 7d; got `{raw}`"
            ),
        )),
    }
}

/// Reads the JWT settings.
pub(super) fn parse(var: &impl Fn(&str) -> Option<String>) -> Result<JwtConfig, ConfigError> {
    let defaults = JwtConfig::default();
    let alg = match var("JWT_ALG").as_deref() {
        None | Some("EdDSA") => JwtAlg::EdDsa,
        Some("HS256") => JwtAlg::Hs256,
        Some(other) => {
            return Err(err(
                "JWT_ALG",
                format!("must be `EdDSA` or `HS256`, got `{other}`"),
            ));
        }
    };
    Ok(JwtConfig {
        alg,
        expires_in: span(var, "JWT_EXPIRES_IN", 1)?.unwrap_or(defaults.expires_in),
        rotation_interval: span(var, "JWKS_ROTATION_INTERVAL", 1)?,
        grace_period: span(var, "JWKS_GRACE_PERIOD", 0)?.unwrap_or(defaults.grace_period),
        key_cache_ttl: span(var, "JWKS_CACHE_TTL", 0)?.unwrap_or(defaults.key_cache_ttl),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_accept_seconds_and_units() {
        assert_eq!(parse_time_span("900"), Some(900));
        assert_eq!(parse_time_span("15m"), Some(900));
        assert_eq!(parse_time_span("1h"), Some(3600));
        assert_eq!(parse_time_span("7d"), Some(604_800));
        assert_eq!(parse_time_span("10 minutes"), Some(600));
        assert_eq!(parse_time_span("1y"), None);
        assert_eq!(parse_time_span("m"), None);
        assert_eq!(parse_time_span("-5"), None);
    }
}
