//! The embedded SQLite backend: a file, opened with Better Auth's pragmas, pooled, and safe on
//! Actix's current-thread workers.
//!
//! diesel-async runs each SQLite statement on the blocking pool (`SyncConnectionWrapper`). Two
//! things go wrong there when a request is cancelled (a client disconnects, a worker stops):
//!
//! - diesel-async's own spawner waits for the statement on drop with `block_in_place`, which
//!   panics on a current-thread runtime, which every Actix worker is (diesel-async #281).
//!   [`Spawner`] never waits on drop; it counts the statements still running instead.
//! - a dropped write transaction would go back to the pool still open, holding SQLite's
//!   database-wide write lock until that connection is next checked out: every other writer, Node
//!   included, would wait out `busy_timeout`. [`Pooled`] closes such a connection instead of
//!   returning it, and SQLite rolls the transaction back at once.
//!
//! SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in its busy
//! handler for 1, 2, 5, 10, ... up to 100 ms between attempts, so under concurrent writes the
//! unlucky ones wait far longer than the lock is held. Writers of this process therefore queue
//! first on the file's [`WriteGate`], in arrival order, and only the one at its head asks SQLite
//! for the lock; the busy handler is left to arbitrate with other processes (a Node Better Auth on
//! the same file).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, RecycleError, RecycleResult};
use diesel::connection::{AnsiTransactionManager, SimpleConnection as _};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, ConnectionError, ConnectionResult};
use diesel_async::TransactionManager as _;
use diesel_async::pooled_connection::PoolError;
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A SQLite connection usable from async code.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Spawner>;

/// Better Auth's `busy_timeout` (better-sqlite3's default): a writer waits this long for the lock.
pub const BUSY_TIMEOUT_MS: u32 = 5000;

/// Set on every connection. WAL lets readers run beside the one writer (and is stored in the
/// file, so a Node Better Auth on the same file gets it too); NORMAL survives a process crash.
const PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                       PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

diesel::define_sql_function! {
    /// Unicode lower case, for case-insensitive search (SQLite's own LIKE folds ASCII only).
    fn casefold(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Opens the file with the pragmas and the functions queries use.
pub fn open(path: &Path) -> ConnectionResult<SqliteConnection> {
    let name = path
        .to_str()
        .ok_or_else(|| ConnectionError::BadConnection("the path is not UTF-8".into()))?;
    let mut conn = SqliteConnection::establish(name)?;
    conn.batch_execute(PRAGMAS)
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    casefold_utils::register_impl(&mut conn, |text: Option<String>| {
        text.map(|t| t.to_lowercase())
    })
    .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The writers of one file in this process, admitted one at a time in arrival order (tokio's
/// semaphore is fair), each waiting at most `wait`. Shared by every worker thread's pool of the
/// file.
#[derive(Debug, Clone)]
pub struct WriteGate {
    turns: Arc<Semaphore>,
    wait: Duration,
}

/// Writers wait as long as SQLite's own `busy_timeout` would let them.
impl Default for WriteGate {
    fn default() -> Self {
        Self::new(Duration::from_millis(BUSY_TIMEOUT_MS.into()))
    }
}

/// A writer's wait for its turn ran out: what SQLite says of a lock it could not get, and like
/// it, an outage (503).
#[derive(Debug, thiserror::Error)]
#[error("database is locked")]
pub struct Locked;

impl WriteGate {
    pub fn new(wait: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(1)),
            wait,
        }
    }

    /// Waits for a turn: for a transaction, which spans several statements, on its worker.
    async fn enter(&self) -> Result<OwnedSemaphorePermit, Locked> {
        match tokio::time::timeout(self.wait, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(_)) | Err(_) => Err(Locked),
        }
    }

    /// Waits for one statement's turn on the blocking thread that runs it, so the turn passes
    /// from one statement's end to the next's start without a trip through an async worker.
    fn enter_blocking(&self, runtime: &Handle) -> Result<OwnedSemaphorePermit, Locked> {
        match self.turns.clone().try_acquire_owned() {
            Ok(turn) => Ok(turn),
            Err(_) => runtime.block_on(self.enter()),
        }
    }
}

/// As SQLite reports a lock it could not get, which `error::is_outage` answers with 503.
impl From<Locked> for DieselError {
    fn from(locked: Locked) -> Self {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(locked.to_string()))
    }
}

/// Runs statements on the blocking pool of the runtime at hand, and never waits on drop: a
/// statement whose caller went away finishes on its own, counted in `in_flight` until it does.
/// While `writing` is above zero, each statement first takes its turn at `gate`.
#[derive(Debug, Clone, Default)]
pub struct Spawner {
    in_flight: Arc<AtomicUsize>,
    writing: Arc<AtomicUsize>,
    gate: Option<WriteGate>,
}

/// Counts one statement until the blocking task that runs it ends.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl SpawnBlocking for Spawner {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let running = Running(self.in_flight.clone());
        let gate = match self.writing.load(Ordering::Acquire) {
            0 => None,
            _ => self.gate.clone(),
        };
        match Handle::try_current() {
            Ok(handle) => handle
                .clone()
                .spawn_blocking(move || {
                    let _running = running;
                    let _turn = gate.map(|g| g.enter_blocking(&handle)).transpose()?;
                    Ok(task())
                })
                .map(|joined| match joined {
                    Ok(ran) => ran.map_err(|e: Locked| Box::new(e) as Box<dyn Error + Send + Sync>),
                    Err(e) => Err(Box::new(e) as Box<dyn Error + Send + Sync>),
                })
                .boxed(),
            Err(e) => {
                drop(running);
                futures_util::future::ready(Err(Box::new(e) as Box<dyn Error + Send + Sync>))
                    .boxed()
            }
        }
    }

    fn get_runtime() -> Self {
        Self::default()
    }
}

/// Marks a connection's statements as writes until dropped ([`Pooled::writing`]).
pub struct Writing(Arc<AtomicUsize>);

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A pooled SQLite connection, the count of its running statements, whether they write, and its
/// file's write gate.
pub struct Conn {
    conn: SqliteConn,
    in_flight: Arc<AtomicUsize>,
    writing: Arc<AtomicUsize>,
    gate: WriteGate,
}

impl Conn {
    fn new(conn: SqliteConnection, gate: WriteGate) -> Self {
        let spawner = Spawner {
            gate: Some(gate.clone()),
            ..Spawner::default()
        };
        Self {
            in_flight: spawner.in_flight.clone(),
            writing: spawner.writing.clone(),
            conn: SyncConnectionWrapper::with_runtime(conn, spawner),
            gate,
        }
    }

    /// Whether the connection must not be reused: a statement of a cancelled caller still runs,
    /// or a transaction was left open or broken.
    fn unusable(&mut self) -> bool {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return true;
        }
        // Only now, with no statement running, may the transaction state be read.
        let status = <SqliteConn as diesel_async::AsyncConnection>::TransactionManager::transaction_manager_status_mut(&mut self.conn);
        !matches!(status.transaction_depth(), Ok(None))
    }
}

/// Opens connections to one file; `gate` is the file's, shared with its other pools.
#[derive(Debug)]
pub struct Manager {
    path: PathBuf,
    gate: WriteGate,
}

impl Manager {
    pub fn new(path: PathBuf, gate: WriteGate) -> Self {
        Self { path, gate }
    }
}

impl managed::Manager for Manager {
    type Type = Conn;
    type Error = PoolError;

    async fn create(&self) -> Result<Conn, PoolError> {
        let path = self.path.clone();
        let opened = tokio::task::spawn_blocking(move || open(&path))
            .await
            .map_err(|e| {
                PoolError::ConnectionError(ConnectionError::BadConnection(e.to_string()))
            })?;
        Ok(Conn::new(
            opened.map_err(PoolError::ConnectionError)?,
            self.gate.clone(),
        ))
    }

    async fn recycle(&self, conn: &mut Conn, _: &Metrics) -> RecycleResult<PoolError> {
        if conn.unusable() {
            return Err(RecycleError::message(
                "a cancelled statement or transaction is still open",
            ));
        }
        Ok(())
    }
}

/// The pool of one file.
pub type SqlitePool = managed::Pool<Manager>;

/// A connection out of the pool, and its write turn while it holds one. Dropped with a statement
/// still running or a transaction open (its request was cancelled), it is closed instead of
/// returned, which releases SQLite's lock.
pub struct Pooled {
    object: Option<Object<Manager>>,
    turn: Option<OwnedSemaphorePermit>,
}

impl Pooled {
    pub fn new(object: Object<Manager>) -> Self {
        Self {
            object: Some(object),
            turn: None,
        }
    }

    #[expect(
        clippy::expect_used,
        reason = "the object is only taken out by Drop, after which nothing can call this"
    )]
    fn object(&mut self) -> &mut Conn {
        self.object.as_mut().expect("held until dropped")
    }

    /// The connection.
    pub fn conn(&mut self) -> &mut SqliteConn {
        &mut self.object().conn
    }

    fn in_transaction(&mut self) -> bool {
        let status = <SqliteConn as diesel_async::AsyncConnection>::TransactionManager::transaction_manager_status_mut(self.conn());
        !matches!(status.transaction_depth(), Ok(None))
    }

    /// Marks the statements run until the returned guard drops as writes: outside a transaction
    /// each takes its turn at the file's [`WriteGate`] (`db_write!`). `None` inside a transaction,
    /// which holds the turn from `BEGIN` to its end.
    pub fn writing(&mut self) -> Option<Writing> {
        if self.turn.is_some() {
            return None;
        }
        let writing = self.object().writing.clone();
        writing.fetch_add(1, Ordering::AcqRel);
        Some(Writing(writing))
    }

    /// Starts a write transaction with `BEGIN IMMEDIATE`, after its turn at the [`WriteGate`]: it
    /// takes the write lock now, waiting up to `busy_timeout`, so a transaction that reads and
    /// then writes never fails with `SQLITE_BUSY` because another connection wrote in between.
    /// Nested: a savepoint. The turn is held until [`Pooled::transaction_ended`].
    pub async fn begin(&mut self) -> diesel::QueryResult<()> {
        if self.in_transaction() {
            return <SqliteConn as diesel_async::AsyncConnection>::TransactionManager::begin_transaction(
                self.conn(),
            )
            .await;
        }
        let gate = self.object().gate.clone();
        let turn = gate.enter().await?;
        self.conn()
            .spawn_blocking(|c| AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"))
            .await?;
        self.turn = Some(turn);
        Ok(())
    }

    /// Called after a commit or rollback: once the outermost transaction has ended, the next
    /// writer's turn comes.
    pub fn transaction_ended(&mut self) {
        if !self.in_transaction() {
            self.turn = None;
        }
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(mut object) = self.object.take()
            && object.unusable()
        {
            // Detached from the pool; the connection closes when its last statement ends.
            drop(Object::take(object));
        }
    }
}

/// Where a `sqlite:` URL points: `sqlite://relative.db`, `sqlite:///absolute.db` or
/// `sqlite:relative.db`. `None` when the URL is not a SQLite one.
pub fn path_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(rest))
}

/// Opens the file on the blocking pool; for migrations and start-up checks.
pub async fn open_blocking(path: &Path) -> anyhow::Result<SqliteConnection> {
    let path = path.to_owned();
    Ok(tokio::task::spawn_blocking(move || open(&path)).await??)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_relative_and_absolute_files() {
        assert_eq!(
            path_of("sqlite://better-auth.db"),
            Some("better-auth.db".into())
        );
        assert_eq!(
            path_of("sqlite:///var/lib/ba.db"),
            Some("/var/lib/ba.db".into())
        );
        assert_eq!(path_of("sqlite:data/ba.db"), Some("data/ba.db".into()));
        assert_eq!(path_of("postgres://x/y"), None);
    }

    /// The text column `v` of a query's one row.
    fn text(conn: &mut SqliteConnection, sql: &str) -> String {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        use diesel::RunQueryDsl as _;
        diesel::sql_query(sql).get_result::<Row>(conn).unwrap().v
    }

    #[test]
    fn every_connection_gets_the_pragmas_and_casefold() {
        let dir = std::env::temp_dir().join(format!("bat-sqlite-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = open(&dir.join("p.db")).unwrap();
        assert_eq!(
            text(
                &mut conn,
                "SELECT CAST(timeout AS TEXT) AS v FROM pragma_busy_timeout"
            ),
            BUSY_TIMEOUT_MS.to_string()
        );
        assert_eq!(
            text(
                &mut conn,
                "SELECT journal_mode AS v FROM pragma_journal_mode"
            ),
            "wal"
        );
        assert_eq!(
            text(
                &mut conn,
                "SELECT CAST(synchronous AS TEXT) AS v FROM pragma_synchronous"
            ),
            "1"
        );
        assert_eq!(
            text(
                &mut conn,
                "SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys"
            ),
            "1"
        );
        assert_eq!(
            text(&mut conn, "SELECT casefold('ÉLAN Vital') AS v"),
            "élan vital"
        );
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A pool of `size` on a fresh file with one table, on the test's current-thread runtime
    /// (what every Actix worker is).
    fn pool(name: &str, size: usize) -> (SqlitePool, PathBuf) {
        pool_with_gate(name, size, WriteGate::default())
    }

    fn pool_with_gate(name: &str, size: usize, gate: WriteGate) -> (SqlitePool, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("bat-sqlite-unit-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        let mut conn = open(&path).unwrap();
        conn.batch_execute("CREATE TABLE IF NOT EXISTS t (v integer NOT NULL)")
            .unwrap();
        let pool = SqlitePool::builder(Manager::new(path.clone(), gate))
            .max_size(size)
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .unwrap();
        (pool, dir)
    }

    async fn insert(conn: &mut Pooled, v: i32) -> diesel::QueryResult<usize> {
        use diesel_async::RunQueryDsl as _;
        diesel::sql_query(format!("INSERT INTO t (v) VALUES ({v})"))
            .execute(conn.conn())
            .await
    }

    #[tokio::test]
    async fn a_dropped_write_transaction_releases_the_lock_at_once() {
        let (pool, dir) = pool("dangle", 2);
        let mut a = Pooled::new(pool.get().await.unwrap());
        a.begin().await.unwrap();
        insert(&mut a, 1).await.unwrap();
        // The request holding it is cancelled between two statements.
        drop(a);
        // Another writer, in the pool or outside it (Node on the same file), gets the lock now,
        // not after busy_timeout.
        let started = std::time::Instant::now();
        let mut b = Pooled::new(pool.get().await.unwrap());
        b.begin().await.unwrap();
        insert(&mut b, 2).await.unwrap();
        let mut outside = open(&dir.join("c.db")).unwrap();
        drop(b);
        outside
            .batch_execute("INSERT INTO t (v) VALUES (3)")
            .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1000),
            "waited {:?}",
            started.elapsed()
        );
        // Neither uncommitted write survived.
        assert_eq!(text(&mut outside, ROWS), "3");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_query_cancelled_mid_flight_neither_panics_nor_comes_back_busy() {
        use diesel_async::RunQueryDsl as _;
        let (pool, dir) = pool("cancel", 1);
        let mut conn = Pooled::new(pool.get().await.unwrap());
        // A statement that runs for a while on the blocking pool...
        let slow = diesel::sql_query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) \
             SELECT count(*) FROM n",
        );
        let running = slow.execute(conn.conn());
        // ...is dropped after it started: diesel-async's own spawner would panic here, on a
        // current-thread runtime.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(5), running).await;
        drop(conn);
        // The connection still running it is not handed out again; the next one works.
        let mut next = Pooled::new(pool.get().await.unwrap());
        assert_eq!(insert(&mut next, 1).await.unwrap(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Every committed row of `t`, in insertion order, comma-separated.
    const ROWS: &str =
        "SELECT coalesce(group_concat(v), '') AS v FROM (SELECT v FROM t ORDER BY rowid)";

    /// [`ROWS`] read on a connection of its own.
    fn rows(dir: &Path) -> String {
        text(&mut open(&dir.join("c.db")).unwrap(), ROWS)
    }

    #[tokio::test]
    async fn writes_wait_for_the_transaction_holding_the_turn_and_all_get_in_after_it() {
        let (pool, dir) = pool("turns", 6);
        let mut holder = Pooled::new(pool.get().await.unwrap());
        let mut writers = Vec::new();
        for _ in 1..=5 {
            writers.push(Pooled::new(pool.get().await.unwrap()));
        }
        holder.begin().await.unwrap();
        insert(&mut holder, 0).await.unwrap();
        let waiting = writers.iter_mut().zip(1..).map(|(writer, i)| async move {
            let writing = writer.writing();
            assert!(
                writing.is_some(),
                "outside a transaction a write takes a turn"
            );
            insert(writer, i).await.unwrap();
        });
        let committing = async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            // Nothing but the holder's own row got in while it held the turn.
            assert_eq!(rows(&dir), "");
            <SqliteConn as diesel_async::AsyncConnection>::TransactionManager::commit_transaction(
                holder.conn(),
            )
            .await
            .unwrap();
            holder.transaction_ended();
        };
        futures_util::future::join(committing, futures_util::future::join_all(waiting)).await;
        let mut written: Vec<i32> = rows(&dir).split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(written[0], 0, "the holder's row first: {written:?}");
        written.sort_unstable();
        assert_eq!(written, [0, 1, 2, 3, 4, 5]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_write_kept_waiting_past_the_gates_wait_is_refused_as_locked_and_answers_503() {
        // SQLite's own busy_timeout is 5 s; the gate's wait here, 100 ms.
        let gate = WriteGate::new(std::time::Duration::from_millis(100));
        let (pool, dir) = pool_with_gate("locked", 2, gate);
        let mut holder = Pooled::new(pool.get().await.unwrap());
        holder.begin().await.unwrap();
        let mut late = Pooled::new(pool.get().await.unwrap());
        let started = std::time::Instant::now();
        let refused = {
            let _writing = late.writing();
            insert(&mut late, 2).await.unwrap_err()
        };
        assert!(
            started.elapsed() < std::time::Duration::from_millis(2500),
            "waited {:?}: the write queued on SQLite's lock, not on the gate",
            started.elapsed()
        );
        assert_eq!(refused.to_string(), "database is locked");
        assert!(crate::error::is_outage(&anyhow::Error::new(refused)));
        // Inside its transaction, the holder's writes need no second turn, nested or not.
        assert!(holder.writing().is_none());
        holder.begin().await.unwrap();
        insert(&mut holder, 1).await.unwrap();
        // Dropped mid-transaction, the holder gives its turn back.
        drop(holder);
        let _writing = late.writing();
        insert(&mut late, 3).await.unwrap();
        assert_eq!(rows(&dir), "3");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
