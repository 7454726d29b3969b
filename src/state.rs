//! What every handler shares: configuration, the pool, the hasher, the derived auth settings and
//! the metrics.

use crate::auth::cookies::CookieNames;
use crate::auth::email::Mailer;
use crate::auth::origin::TrustedOrigins;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::RateLimiter;
use crate::auth::session_store::{self, DbAccess, StoreError};
use crate::auth::sessions;
use crate::auth::verification::Sweeper;
use crate::config::Config;
use crate::db::models::{Session, User};
use crate::db::{Connect, DbConn, PoolError, Pools};
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Application state, shared through `web::Data`.
pub struct AppState {
    pub config: Config,
    /// One pool per worker thread.
    pub pools: Pools,
    pub hasher: PasswordHasher,
    pub origins: TrustedOrigins,
    pub cookies: CookieNames,
    pub mailer: Mailer,
    /// Throttles the sweep of expired `verification` rows.
    pub sweeper: Sweeper,
    pub rate_limiter: RateLimiter,
    /// Better Auth's `secondaryStorage` (Redis), when `SECONDARY_STORAGE_URL` is set.
    pub secondary_storage: Option<crate::secondary_storage::SecondaryStorage>,
    /// The decrypted JWT signing key, briefly cached.
    pub signing_keys: crate::auth::jwt::keys::KeyCache,
    /// Whether the database is reachable, for logging outages once.
    pub db_health: crate::db::Health,
    /// Graceful shutdown: whether the server is draining, and the requests in flight.
    pub drain: crate::transport::Drain,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Metrics,
}

impl AppState {
    /// Derives the state from the configuration.
    pub fn new(config: Config, pools: Pools) -> anyhow::Result<Self> {
        let hasher = PasswordHasher::new(config.password_hasher, config.hash_concurrency)?;
        let origins = TrustedOrigins::new(&config.trusted_origins);
        let cookies = CookieNames::new(config.secure_cookies());
        let mailer = Mailer::new(&config.email)?;
        let rate_limiter = RateLimiter::new(&config);
        let secondary_storage = config
            .secondary_storage
            .as_ref()
            .map(crate::secondary_storage::SecondaryStorage::new)
            .transpose()?;
        Ok(Self {
            config,
            pools,
            hasher,
            origins,
            cookies,
            mailer,
            sweeper: Sweeper::default(),
            rate_limiter,
            secondary_storage,
            signing_keys: Default::default(),
            db_health: Default::default(),
            drain: Default::default(),
            metrics: Metrics::new()?,
        })
    }

    /// Where sessions live (the database, or the secondary storage in its mode).
    pub fn sessions(&self) -> crate::auth::session_store::SessionStore<'_> {
        let mode = self.config.secondary_storage.as_ref().map(|c| c.mode);
        crate::auth::session_store::SessionStore {
            kv: self.secondary_storage.as_ref().zip(mode),
            expires_in: self.config.session.expires_in,
        }
    }

    /// Where verification values live (the database, or the secondary storage).
    pub fn verifications(&self) -> crate::auth::verification_store::VerificationStore<'_> {
        crate::auth::verification_store::VerificationStore {
            kv: self.secondary_storage.as_ref(),
        }
    }

    /// One connection from the pool; 503 when the database cannot be reached in time.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.connect().await?)
    }
}

impl Connect for AppState {
    /// A connection, noting an outage (and its end) in the log once.
    async fn connect(&self) -> Result<DbConn, PoolError> {
        let result = self.pools.local().get().await;
        match &result {
            Ok(_) => self.db_health.succeeded(),
            Err(e) => self.db_health.failed(e),
        }
        result
    }
}

/// A pool connection taken on first use: session reads that the secondary storage answers alone
/// never check one out, and on PostgreSQL a session read made before any other query joins the
/// worker's shared read (`session_store::shared_read`) instead.
pub struct LazyConn<'a> {
    state: &'a AppState,
    conn: Option<DbConn>,
}

impl<'a> LazyConn<'a> {
    /// No connection yet.
    pub fn new(state: &'a AppState) -> Self {
        Self { state, conn: None }
    }
}

impl DbAccess for LazyConn<'_> {
    async fn db(&mut self) -> Result<&mut DbConn, StoreError> {
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.state.connect().await?,
        };
        Ok(self.conn.insert(conn))
    }

    async fn find_session(&mut self, token: &str) -> Result<Option<(Session, User)>, StoreError> {
        if self.conn.is_none() {
            let (pools, health) = (&self.state.pools, &self.state.db_health);
            if let Some(answer) = session_store::find_session_unheld(pools, health, token).await {
                return answer;
            }
        }
        Ok(sessions::find_with_user(self.db().await?, token).await?)
    }
}
