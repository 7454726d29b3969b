//! One database per test, cloned from a migrated template, and blocking SQL for setting up and
//! checking what the server stored.
//!
//! `TEST_DATABASE=sqlite` runs every test on a SQLite file of its own (a copy of a migrated
//! template file); otherwise (`postgres`, the default) on a PostgreSQL database cloned with
//! `CREATE DATABASE … TEMPLATE`.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;

/// The PostgreSQL server tests use (`TEST_DATABASE_SERVER`, default the local trust-auth cluster).
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

fn admin() -> SyncConn {
    SyncConn::establish(&format!("{}/postgres", server_url()))
        .expect("connect to PostgreSQL as admin")
}

/// Whether tests run on SQLite (`TEST_DATABASE=sqlite`).
pub fn sqlite_backend() -> bool {
    std::env::var("TEST_DATABASE").is_ok_and(|v| v == "sqlite")
}

/// Whether a test database URL is a SQLite one.
pub fn is_sqlite(database_url: &str) -> bool {
    database_url.starts_with("sqlite:")
}

/// The template's name changes whenever a migration changes, so stale templates are never used.
fn template_name() -> String {
    let backend = if sqlite_backend() {
        "sqlite"
    } else {
        "postgres"
    };
    format!("bat_template_{:x}", migrations_hash(backend))
}

fn migrations_hash(backend: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        for file in ["up.sql", "down.sql"] {
            if let Ok(sql) = std::fs::read_to_string(path.join(file)) {
                path.file_name().hash(&mut h);
                sql.hash(&mut h);
            }
        }
    }
    h.finish()
}

/// Runs the migrations of the database a URL names (blocking, on a runtime of its own).
pub fn migrate_blocking(database_url: &str) -> Vec<String> {
    off_runtime(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(migrate(database_url))
    })
}

/// Runs the migrations of the database a URL names.
pub async fn migrate(database_url: &str) -> Vec<String> {
    let database = better_auth_actix::db::Database::parse(database_url).expect("a database URL");
    better_auth_actix::db::run_migrations(&database)
        .await
        .expect("migrate")
}

/// Where SQLite test files live.
fn sqlite_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("bat-sqlite-tests");
    std::fs::create_dir_all(&dir).expect("sqlite test dir");
    dir
}

/// The migrated SQLite template file, built once (by whichever test process comes first; the
/// rename makes it appear whole).
fn sqlite_template() -> std::path::PathBuf {
    let path = sqlite_dir().join(format!("{}.db", template_name()));
    if path.exists() {
        return path;
    }
    let building = sqlite_dir().join(format!(
        "{}.{}.{}.building",
        template_name(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let url = format!("sqlite://{}", building.display());
    migrate_blocking(&url);
    // Everything into the main file, so that a copy of it alone is the whole database.
    let mut conn = diesel::SqliteConnection::establish(building.to_str().expect("utf-8"))
        .expect("open template");
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .expect("checkpoint");
    drop(conn);
    std::fs::rename(&building, &path).expect("publish template");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    path
}

/// A fresh SQLite file, copied from the migrated template. Returns its URL.
fn fresh_sqlite_file() -> String {
    let template = sqlite_template();
    let path = sqlite_dir().join(format!(
        "bat_{}_{}_{}.db",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        better_auth_actix::auth::crypto::random_string(6, b"abcdefghijklmnopqrstuvwxyz")
    ));
    std::fs::copy(template, &path).expect("copy the template");
    format!("sqlite://{}", path.display())
}

/// A path for an empty SQLite file (not created).
fn empty_sqlite_file() -> String {
    let path = sqlite_dir().join(format!(
        "bat_empty_{}_{}.db",
        std::process::id(),
        better_auth_actix::auth::crypto::random_string(8, b"abcdefghijklmnopqrstuvwxyz")
    ));
    format!("sqlite://{}", path.display())
}

/// Creates (once, under an advisory lock, safe across parallel test processes) the migrated template.
fn ensure_template() -> String {
    let name = template_name();
    let mut conn = admin();
    diesel::sql_query("SELECT pg_advisory_lock(727274)")
        .execute(&mut conn)
        .expect("lock");
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists: Exists = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}') AS exists"
    ))
    .get_result(&mut conn)
    .expect("query templates");
    if !exists.exists {
        let building = format!("{name}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
            .execute(&mut conn)
            .expect("drop");
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut conn)
            .expect("create template");
        let url = format!("{}/{building}", server_url());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(migrate(&url));
        drop(rt);
        // The migration's connection closes asynchronously: its backend can linger for a moment,
        // and PostgreSQL refuses to rename a database someone is connected to.
        for attempt in 0.. {
            let renamed = diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut conn);
            match renamed {
                Ok(_) => break,
                Err(e) if attempt == 50 => panic!("rename: {e:?}"),
                Err(_) => {
                    diesel::sql_query(format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{building}'"
                    ))
                    .execute(&mut conn)
                    .expect("terminate the migration's session");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
    }
    diesel::sql_query("SELECT pg_advisory_unlock(727274)")
        .execute(&mut conn)
        .expect("unlock");
    name
}

/// Runs blocking database work on a thread of its own: the sync wrapper may not block a runtime thread.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("helper thread panicked"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database for one test, cloned from the migrated template. Returns its URL.
pub fn fresh_database() -> String {
    if sqlite_backend() {
        return off_runtime(fresh_sqlite_file);
    }
    off_runtime(|| {
        let template = ensure_template();
        let name = format!(
            "bat_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            better_auth_actix::auth::crypto::random_string(6, b"abcdefghijklmnopqrstuvwxyz")
        );
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin())
            .expect("clone template");
        format!("{}/{name}", server_url())
    })
}

/// An empty database (no migrations), for adoption tests.
pub fn empty_database() -> String {
    if sqlite_backend() {
        return empty_sqlite_file();
    }
    off_runtime(|| {
        let name = format!(
            "bat_empty_{}_{}",
            std::process::id(),
            better_auth_actix::auth::crypto::random_string(8, b"abcdefghijklmnopqrstuvwxyz")
        );
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin())
            .expect("create");
        format!("{}/{name}", server_url())
    })
}

/// Drops a test database, closing whatever still uses it (the server of a finished test).
pub fn drop_database(database_url: &str) {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        if path.contains("/bat_") {
            for suffix in ["", "-wal", "-shm", ".secret"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        return;
    }
    let Some(name) = database_url
        .rsplit('/')
        .next()
        .map(|n| n.split('?').next().unwrap_or(n).to_owned())
    else {
        return;
    };
    if !name.starts_with("bat_") || name.starts_with("bat_template_") {
        return;
    }
    off_runtime(move || {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin());
    });
}

/// A blocking connection to a test database, of its backend.
enum Blocking {
    Pg(Box<SyncConn>),
    Sqlite(diesel::SqliteConnection),
}

fn blocking(database_url: &str) -> Blocking {
    match database_url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut conn = diesel::SqliteConnection::establish(path).expect("open the SQLite file");
            diesel::sql_query("PRAGMA busy_timeout = 5000")
                .execute(&mut conn)
                .expect("busy_timeout");
            diesel::sql_query("PRAGMA foreign_keys = ON")
                .execute(&mut conn)
                .expect("foreign_keys");
            Blocking::Sqlite(conn)
        }
        None => Blocking::Pg(Box::new(
            SyncConn::establish(database_url).expect("connect"),
        )),
    }
}

/// Runs SQL (one or more statements) against a test database (blocking; for setup and assertions).
pub fn sql(database_url: &str, query: &str) {
    off_runtime(|| {
        use diesel::connection::SimpleConnection as _;
        match blocking(database_url) {
            Blocking::Pg(mut c) => c.batch_execute(query).expect("sql"),
            Blocking::Sqlite(mut c) => c.batch_execute(query).expect("sql"),
        }
    })
}

/// The first row's `value` column of a query, as text (`None` for no row or NULL).
pub fn query_text(database_url: &str, query: &str) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        value: Option<String>,
    }
    off_runtime(|| {
        let rows = match blocking(database_url) {
            Blocking::Pg(mut c) => diesel::sql_query(query).get_results::<Row>(&mut *c),
            Blocking::Sqlite(mut c) => diesel::sql_query(query).get_results::<Row>(&mut c),
        };
        rows.expect("query")
            .into_iter()
            .next()
            .and_then(|r| r.value)
    })
}

/// `SELECT count(*) FROM {from}`, where `from` is a table and any `WHERE` clause.
pub fn count(database_url: &str, from: &str) -> i64 {
    query_text(
        database_url,
        &format!("SELECT CAST(count(*) AS TEXT) AS value FROM {from}"),
    )
    .expect("a count")
    .parse()
    .expect("a number")
}

/// A server-side connection to a test database, for calling the library's queries directly.
pub async fn connect(database_url: &str) -> better_auth_actix::db::DbConn {
    let database = better_auth_actix::db::Database::parse(database_url).expect("a database URL");
    let pools =
        better_auth_actix::db::build_pools(&database, 1, 1, std::time::Duration::from_secs(5))
            .expect("a pool");
    pools.local().get().await.expect("connect")
}

// ---------------------------------------------------------------------------------------------
// Backend-aware SQL. Each helper picks the dialect from the database URL (`is_sqlite`) and returns
// an SQL fragment, so that a test writes one query and asserts one value on both backends. On
// SQLite, dates are Better Auth's ISO text (`YYYY-MM-DDTHH:MM:SS.mmmZ`, compared as text by Node
// and by our server), booleans integer 0/1.
// ---------------------------------------------------------------------------------------------

/// The `strftime` format that gives exactly JS `Date.toISOString()` (milliseconds, `Z`).
const SQLITE_ISO: &str = "%Y-%m-%dT%H:%M:%fZ";

/// SQL for the current instant, in the form the server stores dates
/// (PostgreSQL `now()`; SQLite ISO text with milliseconds).
pub fn now(database_url: &str) -> String {
    if is_sqlite(database_url) {
        format!("strftime('{SQLITE_ISO}', 'now')")
    } else {
        "now()".into()
    }
}

/// SQL for now plus an offset such as `"-1 minute"`, `"25 hours"` or `"-31 days"` (an amount and
/// a unit both dialects know: second(s), minute(s), hour(s), day(s)).
pub fn at(database_url: &str, offset: &str) -> String {
    let offset = offset.trim();
    assert!(
        !offset.contains('\''),
        "an offset is an amount and a unit: {offset}"
    );
    if is_sqlite(database_url) {
        let signed = if offset.starts_with(['-', '+']) {
            offset.to_owned()
        } else {
            format!("+{offset}")
        };
        format!("strftime('{SQLITE_ISO}', 'now', '{signed}')")
    } else {
        format!("(now() + interval '{offset}')")
    }
}

/// SQL for the seconds (fractional) from instant `earlier` to instant `later` (both SQL
/// expressions, e.g. quoted column names or [`now`]).
pub fn seconds_between(database_url: &str, later: &str, earlier: &str) -> String {
    if is_sqlite(database_url) {
        format!("((julianday({later}) - julianday({earlier})) * 86400.0)")
    } else {
        format!("extract(epoch FROM ({later}) - ({earlier}))")
    }
}

/// SQL for the current time in epoch milliseconds (a number), as `rateLimit.lastRequest` holds it.
pub fn epoch_ms_now(database_url: &str) -> String {
    if is_sqlite(database_url) {
        "((julianday('now') - 2440587.5) * 86400000.0)".into()
    } else {
        "(extract(epoch FROM now()) * 1000)".into()
    }
}

/// SQL for a number rounded to the nearest integer, as text (`"3600"` on both backends, where
/// PostgreSQL would print a numeric and SQLite a real `3600.0`).
pub fn rounded(expr: &str) -> String {
    format!("CAST(CAST(round({expr}) AS BIGINT) AS TEXT)")
}

/// SQL for a boolean (a PostgreSQL `boolean`, a SQLite integer 0/1, or a comparison) as the text
/// `true`/`false` on both backends; NULL stays NULL.
pub fn bool_text(expr: &str) -> String {
    format!("CASE WHEN ({expr}) IS NULL THEN NULL WHEN ({expr}) THEN 'true' ELSE 'false' END")
}

/// SQL for any value as text (`CAST(… AS TEXT)`, which both dialects know; use [`bool_text`] for
/// booleans, whose text differs).
pub fn text(expr: &str) -> String {
    format!("CAST(({expr}) AS TEXT)")
}

/// The SQL literal for a boolean column value (`true`/`false`; SQLite stores 1/0).
pub fn bool_literal(database_url: &str, value: bool) -> &'static str {
    match (is_sqlite(database_url), value) {
        (true, true) => "1",
        (true, false) => "0",
        (false, true) => "true",
        (false, false) => "false",
    }
}

/// Prints why a test does not apply on this backend and returns `true` when tests run on SQLite:
/// `if postgres_only("TLS") { return; }`.
pub fn postgres_only(why: &str) -> bool {
    if sqlite_backend() {
        eprintln!("SKIPPED: PostgreSQL-only: {why}");
        return true;
    }
    false
}

/// Prints why a test does not apply on this backend and returns `true` when tests run on
/// PostgreSQL: `if sqlite_only("AUTOINCREMENT") { return; }`.
pub fn sqlite_only(why: &str) -> bool {
    if !sqlite_backend() {
        eprintln!("SKIPPED: SQLite-only: {why}");
        return true;
    }
    false
}

/// SQL for a `"user"` column as text, the boolean `emailVerified` as `true`/`false`.
pub fn user_column_text(column: &str) -> String {
    let quoted = format!(r#""{column}""#);
    if column == "emailVerified" {
        bool_text(&quoted)
    } else {
        text(&quoted)
    }
}

/// Holds a SQLite file's write lock (`BEGIN IMMEDIATE`) from a connection of its own, as another
/// process writing (Node Better Auth) would, for `hold`; then commits. Blocks; call it on a
/// blocking thread.
pub fn hold_sqlite_write_lock(database_url: &str, hold: std::time::Duration) {
    use diesel::connection::SimpleConnection as _;
    let Blocking::Sqlite(mut conn) = blocking(database_url) else {
        panic!("not a SQLite URL: {database_url}");
    };
    conn.batch_execute("BEGIN IMMEDIATE")
        .expect("take the write lock");
    std::thread::sleep(hold);
    conn.batch_execute("COMMIT")
        .expect("release the write lock");
}
