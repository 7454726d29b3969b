//! The database: the connection pool (with TLS per `sslmode`), embedded migrations, models and schema.

mod health;
pub mod models;
mod pools;
pub mod schema;
mod tls;

use anyhow::Context as _;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt as _;

pub use health::Health;
pub use pools::Pools;
pub use tls::{ConnectOptions, SslMode};

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The connection pool.
pub type DbPool = Pool<AsyncPgConnection>;
/// One pooled connection.
pub type DbConn = Object<AsyncPgConnection>;
/// Why no connection could be had (the database is down, or the pool timed out).
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Hands out pooled connections, one per phase of a request: what a domain service takes when it
/// must release its connection while it works without one (a password hash).
pub trait Connect {
    /// One connection from the pool.
    fn connect(&self) -> impl Future<Output = Result<DbConn, PoolError>>;
}

/// The pools (one per worker thread, see [`Pools`]), `size` connections in all; connections
/// are opened lazily, with TLS as the URL's `sslmode` says. Waiting for a connection, opening one
/// and checking a returned one are each bounded by `timeout`, so an unreachable or hung database
/// answers fast instead of holding requests.
pub fn build_pools(
    database_url: &str,
    size: usize,
    threads: usize,
    timeout: std::time::Duration,
) -> anyhow::Result<Pools> {
    let options = ConnectOptions::parse(database_url)?;
    let per_thread = size.div_ceil(threads.max(1)).max(1);
    let url = database_url.to_owned();
    Ok(Pools::new(size, move || {
        build_pool(&url, options.clone(), per_thread, timeout)
    }))
}

#[expect(
    clippy::expect_used,
    reason = "building fails only without a runtime for the timeouts, and one is set"
)]
fn build_pool(
    database_url: &str,
    options: ConnectOptions,
    size: usize,
    timeout: std::time::Duration,
) -> DbPool {
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.custom_setup = Box::new(move |_url| {
        let options = options.clone();
        async move { options.connect().await }.boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        database_url,
        manager_config,
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("a runtime is set")
}

/// Runs every pending migration; returns the versions it applied.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let options = ConnectOptions::parse(database_url)?;
    let conn = options
        .connect()
        .await
        .context("connecting to the database to migrate")?;
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
    .context("migration task panicked")?
}
