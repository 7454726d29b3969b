//! Configuration: one plain struct, built from the environment (and `.env`) at start-up.
//! Every variable is documented in `.env.example`; an invalid value names the variable.

mod cookie_cache;
mod jwt;
mod rate_limit;
mod secondary_storage;
mod secrets;

pub use crate::db::Database;

use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

mod flows;

pub use cookie_cache::{CacheStrategy, CookieCacheConfig};
pub use flows::{EmailConfig, FlowConfig};
pub use jwt::{JwtAlg, JwtConfig, parse_time_span};
pub use rate_limit::{Limit, PathRule, RateLimitConfig, RateLimitStorage};
pub use secondary_storage::{SecondaryStorageConfig, SessionStorageMode};

/// Which algorithm new password hashes use. Both are always verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordHasherKind {
    /// argon2id PHC strings with OWASP parameters (m=19 MiB, t=2, p=1).
    Argon2id,
    /// Better Auth's own scrypt format, so a Node Better Auth can read the database.
    Scrypt,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Session lifetimes, as Better Auth's `session` options.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    pub expires_in: Duration,
    pub update_age: Duration,
    pub fresh_age: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            expires_in: Duration::from_secs(604_800),
            update_age: Duration::from_secs(86_400),
            fresh_age: Duration::from_secs(86_400),
        }
    }
}

/// The database when `DATABASE_URL` is not set: an embedded SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://better-auth.db";

/// Where the secret of a SQLite database without a configured one is kept: beside the file.
fn secret_file(database: &std::path::Path) -> std::path::PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".secret");
    name.into()
}

/// A secret kept in a file beside a SQLite database, because none was configured.
#[derive(Debug, Clone)]
pub struct GeneratedSecret {
    pub file: std::path::PathBuf,
    /// Whether this start generated it (else an earlier one did).
    pub created: bool,
}

/// The whole server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    /// What `database_url` names.
    pub database: Database,
    /// Whether `DATABASE_URL` was unset, so `database` is the embedded default.
    pub embedded_default: bool,
    /// Set when the secret comes from a file beside the SQLite database.
    pub generated_secret: Option<GeneratedSecret>,
    pub database_pool_size: usize,
    /// Signing secrets, newest first. The first signs; all verify.
    pub secrets: Vec<SecretString>,
    /// The version of each of `secrets` (same order) with `BETTER_AUTH_SECRETS`; empty with a
    /// single `BETTER_AUTH_SECRET`. Encrypted data then carries a `$ba$<version>$` envelope.
    pub secret_versions: Vec<u32>,
    /// `BETTER_AUTH_SECRET` when `BETTER_AUTH_SECRETS` is also set: Better Auth's `legacySecret`,
    /// which decrypts data written before versioned secrets were introduced.
    pub legacy_secret: Option<SecretString>,
    /// The auth base URL, including the `/api/auth` base path.
    pub base_url: Url,
    /// Trusted origin patterns (Better Auth syntax); the base URL's origin comes first.
    pub trusted_origins: Vec<String>,
    pub host: String,
    pub port: u16,
    pub password_hasher: PasswordHasherKind,
    /// How many password hashing threads run; the rest of the hashes queue.
    pub hash_concurrency: usize,
    pub log_level: String,
    pub log_format: LogFormat,
    pub body_limit: usize,
    pub session: SessionConfig,
    /// Better Auth's `session.cookieCache` (the `session_data` cookie).
    pub cookie_cache: CookieCacheConfig,
    /// Better Auth's e-mail verification, password reset, delete-user and change-email options.
    pub flows: FlowConfig,
    /// E-mail delivery.
    pub email: EmailConfig,
    /// The JWT plugin (`/token`, `/jwks`, `set-auth-jwt`).
    pub jwt: JwtConfig,
    /// `iss` of issued JWTs and the issuer verification expects; default the base URL's origin.
    pub jwt_issuer: Option<String>,
    /// `aud` of issued JWTs and the audience verification expects; default the base URL's origin.
    pub jwt_audience: Option<String>,
    /// Rate limiting of `/api/auth/*`.
    pub rate_limit: RateLimitConfig,
    /// Better Auth's `secondaryStorage` (Redis), shared by every instance; `None`: sessions,
    /// verification values and rate limits stay where they are without it.
    pub secondary_storage: Option<SecondaryStorageConfig>,
    /// Proxies whose `X-Forwarded-For` the rate limiter believes (peer address otherwise).
    pub trusted_proxies: Vec<IpNet>,
    /// Connection limits and timeouts of the HTTP server.
    pub http: HttpLimits,
    /// How long a request waits for a pooled database connection (and a new one to open) before
    /// it is answered 503.
    pub database_timeout: Duration,
}

/// Connection limits and timeouts of the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A request head, and then its body, must arrive within this time, else 408 and the
    /// connection closes (`REQUEST_TIMEOUT_SECS`).
    pub request_timeout: Duration,
    /// Idle keep-alive connections close after this time; zero turns keep-alive off.
    pub keep_alive: Duration,
    /// Open connections per worker thread; more wait in the listen backlog.
    pub max_connections: usize,
    /// Workers (one per core by default).
    pub workers: usize,
    /// After SIGTERM or SIGINT, in-flight requests get this long to finish.
    pub shutdown_grace: Duration,
}

/// A configuration error; its message names the offending variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn err(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

/// The minimum length of a signing secret.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// Builds the configuration from a variable lookup (the process environment in production).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let database_url = var("DATABASE_URL");
        let embedded_default = database_url.is_none();
        let database_url = database_url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database =
            Database::parse(&database_url).map_err(|e| err("DATABASE_URL", e.to_string()))?;
        let (versioned, single) = (var("BETTER_AUTH_SECRETS"), var("BETTER_AUTH_SECRET"));
        let (secrets, generated_secret) = match (&database, versioned.is_none() && single.is_none())
        {
            (Database::Sqlite(path), true) => {
                let file = secret_file(path);
                let (secrets, created) = secrets::beside_database(&file)?;
                (secrets, Some(GeneratedSecret { file, created }))
            }
            _ => (secrets::parse(versioned, single)?, None),
        };
        let secrets_legacy = secrets.legacy;
        let (secret_versions, secrets): (Vec<Option<u32>>, Vec<SecretString>) =
            secrets.entries.into_iter().unzip();
        let base_url = parse_base_url(var("BETTER_AUTH_URL"))?;
        let mut trusted_origins = vec![base_url.origin().ascii_serialization()];
        if let Some(list) = var("BETTER_AUTH_TRUSTED_ORIGINS") {
            trusted_origins.extend(
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            );
        }
        let password_hasher = match var("PASSWORD_HASHER").as_deref() {
            None | Some("argon2id") => PasswordHasherKind::Argon2id,
            Some("scrypt") => PasswordHasherKind::Scrypt,
            Some(other) => {
                return Err(err(
                    "PASSWORD_HASHER",
                    format!("must be `argon2id` or `scrypt`, got `{other}`"),
                ));
            }
        };
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "LOG_FORMAT",
                    format!("must be `pretty` or `json`, got `{other}`"),
                ));
            }
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let session = SessionConfig {
            expires_in: secs(&var, "SESSION_EXPIRES_IN", 604_800)?,
            update_age: secs(&var, "SESSION_UPDATE_AGE", 86_400)?,
            fresh_age: secs(&var, "SESSION_FRESH_AGE", 86_400)?,
        };
        let secondary_storage = secondary_storage::parse(&var)?;
        Ok(Self {
            database_url: database_url.into(),
            database,
            embedded_default,
            generated_secret,
            database_pool_size: number(&var, "DATABASE_POOL_SIZE", 10, 1, 1000)?,
            secret_versions: secret_versions.into_iter().flatten().collect(),
            secrets,
            legacy_secret: secrets_legacy,
            base_url,
            trusted_origins,
            host: var("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: number(&var, "PORT", 3000, 0, 65535)? as u16,
            password_hasher,
            hash_concurrency: number(&var, "PASSWORD_HASH_CONCURRENCY", cores, 1, 256)?,
            log_level: var("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            log_format,
            body_limit: number(&var, "BODY_LIMIT_BYTES", 1_048_576, 1024, 16 * 1024 * 1024)?,
            session,
            cookie_cache: cookie_cache::parse(&var)?,
            flows: FlowConfig::from_lookup(&var)?,
            email: EmailConfig::from_lookup(&var)?,
            jwt: jwt::parse(&var)?,
            jwt_issuer: var("JWT_ISSUER"),
            jwt_audience: var("JWT_AUDIENCE"),
            rate_limit: rate_limit::parse(&var, secondary_storage.is_some())?,
            secondary_storage,
            trusted_proxies: rate_limit::parse_proxies(var("TRUSTED_PROXIES"))?,
            http: HttpLimits {
                request_timeout: secs_in(&var, "REQUEST_TIMEOUT_SECS", 10, 1)?,
                keep_alive: secs_in(&var, "KEEP_ALIVE_SECS", 5, 0)?,
                max_connections: number(&var, "MAX_CONNECTIONS", 4096, 1, 1_000_000)?,
                workers: number(&var, "WORKERS", cores, 1, 256)?,
                shutdown_grace: secs_in(&var, "SHUTDOWN_GRACE_SECS", 10, 0)?,
            },
            database_timeout: secs_in(&var, "DATABASE_TIMEOUT_SECS", 5, 1)?,
        })
    }

    /// Builds the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The secret that signs new cookies and tokens.
    pub fn current_secret(&self) -> &SecretString {
        &self.secrets[0]
    }

    /// `iss` of issued JWTs: `JWT_ISSUER`, else the base URL's origin.
    pub fn jwt_iss(&self) -> String {
        self.jwt_issuer.clone().unwrap_or_else(|| self.origin())
    }

    /// `aud` of issued JWTs: `JWT_AUDIENCE`, else the base URL's origin.
    pub fn jwt_aud(&self) -> String {
        self.jwt_audience.clone().unwrap_or_else(|| self.origin())
    }

    /// Whether cookies get the `__Secure-` prefix and the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// The base URL's origin, e.g. `http://localhost:3000`.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// The auth base URL as a string without a trailing slash, e.g. `http://localhost:3000/api/auth`.
    pub fn auth_base(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }

    /// The database URL, for the pool and the migrator.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }
}

fn parse_base_url(raw: Option<String>) -> Result<Url, ConfigError> {
    let raw = raw.unwrap_or_else(|| "http://localhost:3000".into());
    let mut url =
        Url::parse(&raw).map_err(|e| err("BETTER_AUTH_URL", format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(err(
            "BETTER_AUTH_URL",
            "must be an http:// or https:// URL with a host",
        ));
    }
    // As Better Auth's `withPath`: a URL without a path gets the default base path.
    if url.path() == "/" || url.path().is_empty() {
        url.set_path("/api/auth");
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

fn number(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(err(
            name,
            format!("must be a whole number from {min} to {max}, got `{raw}`"),
        )),
    }
}

fn secs(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    number(var, name, default as usize, 0, 400 * 86_400).map(|n| Duration::from_secs(n as u64))
}

/// Seconds from `min` up to an hour.
fn secs_in(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: usize,
) -> Result<Duration, ConfigError> {
    number(var, name, default as usize, min, 3600).map(|n| Duration::from_secs(n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    const BASE: [(&str, &str); 2] = [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1/test"),
        ("BETTER_AUTH_SECRET", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn a_short_secret_is_refused_with_the_variable_named() {
        let e = config(&[BASE[0], ("BETTER_AUTH_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "BETTER_AUTH_SECRET");
        assert!(e.to_string().contains("at least 32 characters"));
    }

    #[test]
    fn a_missing_secret_is_refused() {
        assert_eq!(config(&[BASE[0]]).unwrap_err().var, "BETTER_AUTH_SECRET");
    }

    #[test]
    fn http_limits_have_defaults_and_bounds() {
        let c = config(&BASE).unwrap();
        assert_eq!(c.http.request_timeout, Duration::from_secs(10));
        assert_eq!(c.http.keep_alive, Duration::from_secs(5));
        assert_eq!(c.http.shutdown_grace, Duration::from_secs(10));
        assert_eq!(c.database_timeout, Duration::from_secs(5));
        for (var, bad) in [
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("SHUTDOWN_GRACE_SECS", "7200"),
            ("MAX_CONNECTIONS", "none"),
            ("DATABASE_TIMEOUT_SECS", "0"),
        ] {
            assert_eq!(
                config(&[BASE[0], BASE[1], (var, bad)]).unwrap_err().var,
                var
            );
        }
    }

    #[test]
    fn the_cookie_cache_is_off_by_default_and_invalid_values_name_the_variable() {
        let c = config(&BASE).unwrap();
        assert_eq!(c.cookie_cache, CookieCacheConfig::default());
        assert_eq!(c.cookie_cache.max_age, Duration::from_secs(300));
        assert_eq!(c.body_limit, 1_048_576);
        let mut vars = BASE.to_vec();
        vars.extend([
            ("SESSION_COOKIE_CACHE", "jwe"),
            ("SESSION_COOKIE_CACHE_MAX_AGE", "120"),
            ("SESSION_COOKIE_CACHE_VERSION", "7"),
        ]);
        let c = config(&vars).unwrap().cookie_cache;
        assert_eq!(c.strategy, Some(CacheStrategy::Jwe));
        assert_eq!(c.max_age, Duration::from_secs(120));
        assert_eq!(c.version, "7");
        for (name, value) in [
            ("SESSION_COOKIE_CACHE", "on"),
            ("SESSION_COOKIE_CACHE_MAX_AGE", "0"),
            ("SESSION_COOKIE_CACHE_MAX_AGE", "5m"),
        ] {
            let mut vars = BASE.to_vec();
            vars.push((name, value));
            let e = config(&vars).unwrap_err();
            assert_eq!(e.var, name, "{value}");
        }
    }

    #[test]
    fn an_invalid_port_names_the_variable() {
        let e = config(&[BASE[0], BASE[1], ("PORT", "http")]).unwrap_err();
        assert_eq!(e.var, "PORT");
    }

    #[test]
    fn an_https_base_url_turns_on_secure_cookies_and_gets_the_base_path() {
        let c = config(&[
            BASE[0],
            BASE[1],
            ("BETTER_AUTH_URL", "https://auth.example.com"),
        ])
        .unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.auth_base(), "https://auth.example.com/api/auth");
        assert_eq!(c.trusted_origins[0], "https://auth.example.com");
    }

    #[test]
    fn flow_options_default_to_better_auths_and_invalid_values_name_the_variable() {
        let c = config(&BASE).unwrap();
        assert!(!c.flows.delete_user_enabled && !c.flows.change_email_enabled);
        assert!(!c.flows.sends_on_sign_up());
        assert_eq!(c.flows.reset_password_token_expires_in.as_secs(), 3600);
        assert!(c.email.enabled && c.email.smtp_url.is_none());
        let c = config(&[BASE[0], BASE[1], ("REQUIRE_EMAIL_VERIFICATION", "true")]).unwrap();
        assert!(
            c.flows.sends_on_sign_up(),
            "sendOnSignUp follows requireEmailVerification"
        );
        let e = config(&[BASE[0], BASE[1], ("DELETE_USER_ENABLED", "maybe")]).unwrap_err();
        assert_eq!(e.var, "DELETE_USER_ENABLED");
        let e = config(&[BASE[0], BASE[1], ("SMTP_URL", "http://mail")]).unwrap_err();
        assert_eq!(e.var, "SMTP_URL");
        let e = config(&[BASE[0], BASE[1], ("EMAIL_FROM", "not a mailbox")]).unwrap_err();
        assert_eq!(e.var, "EMAIL_FROM");
        let ok = config(&[
            BASE[0],
            BASE[1],
            ("SMTP_URL", "smtp://127.0.0.1:2525?tls=required"),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn versioned_secrets_put_the_current_one_first() {
        let c = config(&[
            BASE[0],
            (
                "BETTER_AUTH_SECRETS",
                "2:new-secret-0123456789abcdef0123456789,1:old-secret-0123456789abcdef0123456789",
            ),
        ])
        .unwrap();
        assert_eq!(c.secrets.len(), 2);
        assert!(c.current_secret().expose_secret().starts_with("new-secret"));
        assert_eq!(c.secret_versions, [2, 1]);
        assert!(c.legacy_secret.is_none());
    }

    #[test]
    fn versioned_secrets_keep_the_single_secret_as_legacy_and_reject_bad_entries() {
        let c = config(&[
            BASE[0],
            BASE[1],
            (
                "BETTER_AUTH_SECRETS",
                "3:new-secret-0123456789abcdef0123456789",
            ),
        ])
        .unwrap();
        assert_eq!(c.secret_versions, [3]);
        assert_eq!(
            c.legacy_secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned())
                .as_deref(),
            Some(BASE[1].1)
        );
        for bad in [
            "new-secret-0123456789abcdef0123456789",
            "x:new-secret-0123456789abcdef0123456789",
            "1:new-secret-0123456789abcdef0123456789,1:old-secret-0123456789abcdef0123456789",
            "1:short",
        ] {
            let e = config(&[BASE[0], ("BETTER_AUTH_SECRETS", bad)]).unwrap_err();
            assert_eq!(e.var, "BETTER_AUTH_SECRETS", "{bad}");
        }
    }

    #[test]
    fn rate_limits_default_to_the_secondary_storage_when_there_is_one() {
        let url = ("SECONDARY_STORAGE_URL", "redis://127.0.0.1:6379/0");
        let c = config(&[BASE[0], BASE[1], url]).unwrap();
        assert_eq!(c.rate_limit.storage, RateLimitStorage::SecondaryStorage);
        let memory = ("RATE_LIMIT_STORAGE", "memory");
        let c = config(&[BASE[0], BASE[1], url, memory]).unwrap();
        assert_eq!(c.rate_limit.storage, RateLimitStorage::Memory);
        let shared = ("RATE_LIMIT_STORAGE", "secondary-storage");
        let e = config(&[BASE[0], BASE[1], shared]).unwrap_err();
        assert_eq!(e.var, "RATE_LIMIT_STORAGE");
    }

    #[test]
    fn jwt_and_rate_limit_settings_have_better_auths_defaults() {
        let c = config(&BASE).unwrap();
        assert_eq!(c.jwt.alg, JwtAlg::EdDsa);
        assert_eq!(c.jwt.expires_in, Duration::from_secs(900));
        assert_eq!(c.jwt.rotation_interval, None);
        assert_eq!(c.jwt.grace_period, Duration::from_secs(2_592_000));
        assert_eq!(c.jwt_iss(), "http://localhost:3000");
        assert!(c.rate_limit.enabled);
        assert_eq!(c.rate_limit.default.max, 100);
        assert_eq!(c.rate_limit.storage, RateLimitStorage::Memory);
        let c = config(&[
            BASE[0],
            BASE[1],
            ("JWT_ALG", "HS256"),
            ("JWT_EXPIRES_IN", "1h"),
            ("JWT_ISSUER", "https://issuer.example"),
            ("RATE_LIMIT_ENABLED", "false"),
            ("RATE_LIMIT_STORAGE", "database"),
        ])
        .unwrap();
        assert_eq!(c.jwt.alg, JwtAlg::Hs256);
        assert_eq!(c.jwt.expires_in, Duration::from_secs(3600));
        assert_eq!(c.jwt_iss(), "https://issuer.example");
        assert_eq!(c.jwt_aud(), "http://localhost:3000");
        assert!(!c.rate_limit.enabled);
        assert_eq!(c.rate_limit.storage, RateLimitStorage::Database);
        assert_eq!(c.http.request_timeout, Duration::from_secs(10));
        for (var, value) in [
            ("JWT_ALG", "RS256"),
            ("JWT_EXPIRES_IN", "soon"),
            ("RATE_LIMIT_STORAGE", "redis"),
            ("RATE_LIMIT_ENABLED", "maybe"),
        ] {
            assert_eq!(
                config(&[BASE[0], BASE[1], (var, value)]).unwrap_err().var,
                var
            );
        }
    }
}
