//! One PostgreSQL database per test, cloned from a migrated template, and blocking SQL for setting
//! up and checking what the server stored.

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

/// The template's name changes whenever a migration changes, so stale templates are never used.
fn template_name() -> String {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .expect("migrations dir")
    {
        let path = entry.expect("entry").path();
        for file in ["up.sql", "down.sql"] {
            if let Ok(sql) = std::fs::read_to_string(path.join(file)) {
                path.file_name().hash(&mut h);
                sql.hash(&mut h);
            }
        }
    }
    format!("bat_template_{:x}", h.finish())
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
        rt.block_on(better_auth_actix::db::run_migrations(&url))
            .expect("migrate template");
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut conn)
            .expect("rename");
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

/// Runs SQL (one or more statements) against a test database (blocking; for setup and assertions).
pub fn sql(database_url: &str, query: &str) {
    off_runtime(|| {
        use diesel::connection::SimpleConnection as _;
        let mut conn = SyncConn::establish(database_url).expect("connect");
        conn.batch_execute(query).expect("sql");
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
        let mut conn = SyncConn::establish(database_url).expect("connect");
        diesel::sql_query(query)
            .get_results::<Row>(&mut conn)
            .expect("query")
            .into_iter()
            .next()
            .and_then(|r| r.value)
    })
}

/// `SELECT count(*) FROM {from}`, where `from` is a table and any `WHERE` clause.
pub fn count(database_url: &str, from: &str) -> i64 {
    query_text(
        database_url,
        &format!("SELECT count(*)::text AS value FROM {from}"),
    )
    .expect("a count")
    .parse()
    .expect("a number")
}
