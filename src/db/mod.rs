//! The database: PostgreSQL (with TLS per `sslmode`) or an embedded SQLite file, pooled; embedded
//! migrations per backend; one schema and one set of models for both.
//!
//! A query is written once, in [`db_run!`], which compiles its body for each backend. The few
//! places where the SQL differs (search, tags, locking) match on [`DbConn`] themselves.

mod health;
pub mod models;
mod pools;
pub mod schema;
pub mod sql_types;
pub mod sqlite;
mod tls;

use std::path::PathBuf;

use anyhow::Context as _;
use diesel_async::AsyncPgConnection;
use diesel_async::TransactionManager as _;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt as _;

pub use health::Health;
pub use pools::Pools;
pub use sqlite::SqliteConn;
pub use tls::{ConnectOptions, SslMode};

/// The PostgreSQL migrations in `migrations/postgres/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// The SQLite migrations in `migrations/sqlite/`: the same versions, Better Auth's SQLite layout.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Which database a URL names.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
    /// A SQLite file (`sqlite://relative.db`, `sqlite:///absolute.db`).
    Sqlite(PathBuf),
}

impl Database {
    /// Reads a `DATABASE_URL`.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        match sqlite::path_of(url) {
            Some(path) if path.as_os_str().is_empty() => {
                anyhow::bail!("a sqlite: URL needs a file name (sqlite://better-auth.db)")
            }
            Some(path) if path.to_str().is_some_and(|p| p.starts_with(":memory:")) => {
                anyhow::bail!(
                    "an in-memory SQLite database is not supported: each pooled connection would see its own"
                )
            }
            Some(path) => Ok(Self::Sqlite(path)),
            None => anyhow::bail!("must be a postgres://, postgresql:// or sqlite:// URL"),
        }
    }
}

/// Never prints a PostgreSQL URL: it may hold a password.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Postgres(_) => f.write_str("Postgres(..)"),
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
        }
    }
}

/// The pool of one thread (see [`Pools`]).
#[derive(Clone)]
pub enum DbPool {
    Pg(Pool<AsyncPgConnection>),
    Sqlite(sqlite::SqlitePool),
}

/// One pooled connection, on either backend.
#[expect(
    clippy::large_enum_variant,
    reason = "one per request phase, moved rarely; boxing the PostgreSQL one would add an allocation to every checkout"
)]
pub enum DbConn {
    Pg(Object<AsyncPgConnection>),
    Sqlite(sqlite::Pooled),
}

/// Why no connection could be had (the database is down, or the pool timed out).
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Runs `$body` with `$c` bound to the connection's concrete type: the body is compiled once per
/// backend, so one Diesel query serves both. A body that writes uses [`db_write!`].
#[macro_export]
macro_rules! db_run {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(pooled) => {
                let $c: &mut ::diesel_async::AsyncPgConnection = &mut **pooled;
                $body
            }
            $crate::db::DbConn::Sqlite(pooled) => {
                let $c: &mut $crate::db::SqliteConn = pooled.conn();
                $body
            }
        }
    };
}

/// [`db_run!`] for a body that writes. On SQLite, outside a transaction, each of its statements
/// first waits for its turn at the file's write gate (see [`sqlite`]). The body starts no
/// transaction.
#[macro_export]
macro_rules! db_write {
    ($conn:expr, $c:ident => $body:expr) => {{
        let conn: &mut $crate::db::DbConn = $conn;
        let _writing = conn.writing();
        $crate::db_run!(conn, $c => $body)
    }};
}

impl DbPool {
    /// A connection; bounded by the pool's timeouts.
    pub async fn get(&self) -> Result<DbConn, PoolError> {
        match self {
            Self::Pg(pool) => pool.get().await.map(DbConn::Pg),
            Self::Sqlite(pool) => pool
                .get()
                .await
                .map(|c| DbConn::Sqlite(sqlite::Pooled::new(c))),
        }
    }

    /// The pool's size and use.
    pub fn status(&self) -> deadpool::Status {
        match self {
            Self::Pg(pool) => pool.status(),
            Self::Sqlite(pool) => pool.status(),
        }
    }

    /// Closes the pool: idle connections now, the others when they come back.
    pub fn close(&self) {
        match self {
            Self::Pg(pool) => pool.close(),
            Self::Sqlite(pool) => pool.close(),
        }
    }
}

impl DbConn {
    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise. On
    /// SQLite a write transaction (`BEGIN IMMEDIATE`), see [`sqlite::Pooled::begin`]; nested, a
    /// savepoint on both.
    pub async fn transaction<R, E, F>(&mut self, f: F) -> Result<R, E>
    where
        F: AsyncFnOnce(&mut DbConn) -> Result<R, E>,
        E: From<diesel::result::Error>,
    {
        match self {
            Self::Pg(c) => {
                <AsyncPgConnection as diesel_async::AsyncConnection>::TransactionManager::begin_transaction(&mut **c).await?;
            }
            Self::Sqlite(c) => c.begin().await?,
        }
        let result = match f(self).await {
            Ok(value) => match db_run!(self, c => commit(c).await) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = db_run!(self, c => rollback(c).await);
                    Err(e.into())
                }
            },
            Err(e) => {
                // A failed rollback marks the connection broken; the pool then discards it.
                let _ = db_run!(self, c => rollback(c).await);
                Err(e)
            }
        };
        if let Self::Sqlite(c) = self {
            c.transaction_ended();
        }
        result
    }

    /// On SQLite, marks the statements run until the guard drops as writes ([`db_write!`]).
    pub fn writing(&mut self) -> Option<sqlite::Writing> {
        match self {
            Self::Pg(_) => None,
            Self::Sqlite(c) => c.writing(),
        }
    }

    /// Whether this is the SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// The one row a write's `RETURNING` gave, taken after the statement's end; `NotFound` when it
/// matched nothing. Writes outside a transaction read it with `get_results(c).await.and_then(single)`,
/// not `get_result`: diesel-async's `get_result` hands the first row back as soon as it arrives,
/// before PostgreSQL commits the statement's implicit transaction (at `Sync`), so a connection
/// killed in between would acknowledge a write that never happened. `get_results` waits for
/// `ReadyForQuery`, which comes after the commit.
pub fn single<T>(rows: Vec<T>) -> diesel::QueryResult<T> {
    rows.into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}

/// Hands out pooled connections, one per phase of a request: what a domain service takes when it
/// must release its connection while it works without one (a password hash).
pub trait Connect {
    /// One connection from the pool.
    fn connect(&self) -> impl Future<Output = Result<DbConn, PoolError>>;
}

/// The pools (one per worker thread, see [`Pools`]), `size` connections in all. PostgreSQL
/// connections are opened lazily, with TLS as the URL's `sslmode` says. Waiting for a connection,
/// opening one and checking a returned one are each bounded by `timeout`, so an unreachable or
/// hung database answers fast instead of holding requests.
pub fn build_pools(
    database: &Database,
    size: usize,
    threads: usize,
    timeout: std::time::Duration,
) -> anyhow::Result<Pools> {
    let per_thread = size.div_ceil(threads.max(1)).max(1);
    match database {
        Database::Postgres(url) => {
            let options = ConnectOptions::parse(url)?;
            let url = url.clone();
            Ok(Pools::new(size, move || {
                DbPool::Pg(build_pool(&url, options.clone(), per_thread, timeout))
            }))
        }
        Database::Sqlite(path) => {
            let path = path.clone();
            // One gate for the file, across every thread's pool.
            let gate = sqlite::WriteGate::default();
            Ok(Pools::new(size, move || {
                DbPool::Sqlite(bounded(
                    sqlite::Manager::new(path.clone(), gate.clone()),
                    per_thread,
                    timeout,
                ))
            }))
        }
    }
}

fn build_pool(
    database_url: &str,
    options: ConnectOptions,
    size: usize,
    timeout: std::time::Duration,
) -> Pool<AsyncPgConnection> {
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // No `SELECT 1` round trip per checkout: a connection whose socket closed (a restart, a
    // terminated backend) is already discarded as broken, and a query on one that dies in use
    // answers 503 (`error::is_outage`) and marks it broken.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |_url| {
        let options = options.clone();
        async move { options.connect().await }.boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        database_url,
        manager_config,
    );
    bounded(manager, size, timeout)
}

/// A pool of `size` whose waits, connects and recycles are each bounded by `timeout`.
#[expect(
    clippy::expect_used,
    reason = "building fails only without a runtime for the timeouts, and one is set"
)]
fn bounded<M: deadpool::managed::Manager>(
    manager: M,
    size: usize,
    timeout: std::time::Duration,
) -> deadpool::managed::Pool<M> {
    deadpool::managed::Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("a runtime is set")
}

/// Runs every pending migration; returns the versions it applied.
pub async fn run_migrations(database: &Database) -> anyhow::Result<Vec<String>> {
    match database {
        Database::Postgres(url) => {
            let options = ConnectOptions::parse(url)?;
            let conn = options
                .connect()
                .await
                .context("connecting to the database to migrate")?;
            tokio::task::spawn_blocking(move || {
                let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
                applied(conn.run_pending_migrations(MIGRATIONS))
            })
            .await
            .context("migration task panicked")?
        }
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the directory of {}", path.display()))?;
            }
            let mut conn = sqlite::open_blocking(path)
                .await
                .with_context(|| format!("opening {}", path.display()))?;
            tokio::task::spawn_blocking(move || {
                applied(conn.run_pending_migrations(SQLITE_MIGRATIONS))
            })
            .await
            .context("migration task panicked")?
        }
    }
}

fn applied(
    result: diesel::migration::Result<Vec<diesel::migration::MigrationVersion<'_>>>,
) -> anyhow::Result<Vec<String>> {
    let applied = result.map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Commits the innermost transaction (releases its savepoint, when nested).
async fn commit<C: diesel_async::AsyncConnection>(conn: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::commit_transaction(conn).await
}

/// Rolls back the innermost transaction.
async fn rollback<C: diesel_async::AsyncConnection>(conn: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::rollback_transaction(conn).await
}
