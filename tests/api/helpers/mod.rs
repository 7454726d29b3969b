//! Integration-test harness: the real server on a random port, against a real PostgreSQL database
//! of its own, cloned from a migrated template.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod smtp;
pub mod tasks;

use std::sync::atomic::{AtomicU64, Ordering};

use better_auth_actix::config::Config;
use better_auth_actix::startup::Application;
use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
pub const TRUSTED: &str = "http://localhost:3001";

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
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
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
    off_runtime(fresh_database_blocking)
}

fn fresh_database_blocking() -> String {
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

/// Runs SQL (one or more statements) against a test database (blocking; for setup and assertions).
pub fn sql(database_url: &str, query: &str) {
    off_runtime(|| {
        use diesel::connection::SimpleConnection as _;
        let mut conn = SyncConn::establish(database_url).expect("connect");
        conn.batch_execute(query).expect("sql");
    })
}

/// A scalar text query result, for assertions.
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

/// The default test configuration for a database.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.to_string()),
        "BETTER_AUTH_SECRET" => Some(SECRET.into()),
        "BETTER_AUTH_URL" => Some("http://localhost:3000".into()),
        "BETTER_AUTH_TRUSTED_ORIGINS" => Some(TRUSTED.into()),
        _ => None,
    })
    .expect("test config");
    config.port = 0;
    config.database_pool_size = 5;
    // Never write test mail into the working tree.
    config.email.outbox_dir = std::env::temp_dir().join("better-auth-actix-test-outbox");
    // Tests sign in many times from 127.0.0.1; rate-limit tests turn it back on.
    config.rate_limit.enabled = false;
    // Tests rewrite `jwks` rows behind the server's back; read the table for every token.
    config.jwt.key_cache_ttl = std::time::Duration::ZERO;
    config
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

/// A running server and a cookie-aware client.
pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub client: reqwest::Client,
    pub config: Config,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop_database(&self.database_url);
    }
}

impl TestApp {
    /// Starts the server on a fresh database with the default test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the server after letting the test adjust the configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let database_url = fresh_database();
        let mut config = test_config(&database_url);
        adjust(&mut config);
        Self::start(config).await
    }

    /// Starts the server with exactly this configuration (its database must be migrated).
    pub async fn start(config: Config) -> Self {
        let database_url = config.database_url().to_string();
        let app = Application::build(config.clone()).await.expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            database_url,
            client: Self::new_client(),
            config,
        }
    }

    /// A fresh client with its own cookie jar and no redirects followed.
    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `POST /api/auth{path}` with a JSON body and a trusted Origin, using the app's client.
    pub async fn auth_post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/auth{path}")))
            .header("origin", "http://localhost:3000")
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `GET /api/auth{path}` using the app's client.
    pub async fn auth_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/api/auth{path}")))
            .send()
            .await
            .expect("request")
    }

    /// Starts the server with e-mail going to a fresh loopback SMTP listener.
    pub async fn spawn_with_smtp(adjust: impl FnOnce(&mut Config)) -> (Self, smtp::SmtpServer) {
        let smtp = smtp::SmtpServer::start().await;
        let url = smtp.url.clone();
        let app = Self::spawn_with(|config| {
            config.email.smtp_url = Some(url.into());
            adjust(config);
        })
        .await;
        (app, smtp)
    }

    /// `POST /api/auth{path}` with a JSON body and a trusted Origin, using `client`.
    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/auth{path}")))
            .header("origin", "http://localhost:3000")
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `GET /api/auth{path}` using `client`.
    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(self.url(&format!("/api/auth{path}")))
            .send()
            .await
            .expect("request")
    }

    /// Follows a link from an e-mail (built on `http://localhost:3000`) against this server.
    pub async fn follow(&self, client: &reqwest::Client, link: &str) -> reqwest::Response {
        let path = link
            .strip_prefix("http://localhost:3000")
            .unwrap_or_else(|| panic!("not a link to this server: {link}"));
        client.get(self.url(path)).send().await.expect("request")
    }

    /// Signs up a user with a client of its own; returns the client (holding the session cookie)
    /// and the sign-up body.
    pub async fn user(&self, email: &str, password: &str) -> (reqwest::Client, Value) {
        let client = Self::new_client();
        let response = self
            .post_as(
                &client,
                "/sign-up/email",
                &serde_json::json!({"name": "User", "email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "sign-up failed");
        (client, response.json().await.expect("json"))
    }

    /// Signs up a user through the API; returns the response body.
    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> Value {
        let response = self
            .auth_post(
                "/sign-up/email",
                &serde_json::json!({"name": name, "email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "sign-up failed");
        response.json().await.expect("json")
    }
}

/// All `Set-Cookie` values of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// A header as a string.
pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A random email address.
pub fn random_email() -> String {
    format!(
        "user-{}@example.com",
        better_auth_actix::auth::crypto::random_string(10, b"abcdefghijklmnopqrstuvwxyz0123456789")
    )
}
