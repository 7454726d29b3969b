//! Integration-test harness: the real server on a random port against a real database of its own
//! (PostgreSQL, or a SQLite file with `TEST_DATABASE=sqlite`), and one request vocabulary for
//! talking to it.
//!
//! - [`TestApp`]: a running server. `app.get`/`app.post`/`app.request` send anonymous requests (no
//!   cookies kept), `app.send` one with a bearer token.
//! - [`Browser`]: a client with a cookie jar; [`TestUser`]: a signed-up user and the browser that
//!   holds its session (`alice.get`, `alice.post`).
//! - [`Fetch::fetch`] ends any hand-built `reqwest` request; every request returns a
//!   [`TestResponse`], read whole.

mod client;
pub mod database;
pub mod jwt;
pub mod redis;
mod response;
pub mod smtp;
pub mod snapshot;
pub mod tasks;

use better_auth_actix::config::Config;
use better_auth_actix::startup::Application;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

pub use client::{Browser, TestUser};
pub use database::{count, drop_database, empty_database, fresh_database, query_text, sql};
pub use response::{Fetch, TestResponse};

/// The secret every test server signs with.
pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
/// The server's own origin (`BETTER_AUTH_URL`); links in e-mails start with it.
pub const ORIGIN: &str = "http://localhost:3000";
/// The one trusted origin besides the server's own.
pub const TRUSTED: &str = "http://localhost:3001";
/// The password of every [`TestUser`].
pub const PASSWORD: &str = "password123";

/// The default test configuration for a database.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.to_string()),
        "BETTER_AUTH_SECRET" => Some(SECRET.into()),
        "BETTER_AUTH_URL" => Some(ORIGIN.into()),
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

/// A port nothing listens on now, for a process the test starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A random e-mail address.
pub fn random_email() -> String {
    format!(
        "user-{}@example.com",
        better_auth_actix::auth::crypto::random_string(10, b"abcdefghijklmnopqrstuvwxyz0123456789")
    )
}

/// A running server, on a database that is dropped with it.
pub struct TestApp {
    pub address: String,
    pub database_url: String,
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
        let mut config = test_config(&fresh_database());
        adjust(&mut config);
        Self::start(config).await
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

    /// Starts the server with exactly this configuration (its database must be migrated).
    pub async fn start(config: Config) -> Self {
        let database_url = config.database_url().to_string();
        let app = Application::build(config.clone()).await.expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            database_url,
            config,
        }
    }

    /// A second server on the same database, with an adjusted copy of this one's configuration.
    pub async fn sibling(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = self.config.clone();
        adjust(&mut config);
        Self::start(config).await
    }

    /// A browser of its own: an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.address, true)
    }

    /// A client that keeps no cookie: each request carries only what the test adds.
    fn anonymous(&self) -> Browser {
        Browser::new(&self.address, false)
    }

    /// An anonymous request.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.anonymous().request(method, path)
    }

    /// An anonymous `GET`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.anonymous().get(path).await
    }

    /// An anonymous `POST` of a JSON body, from the server's own origin.
    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.anonymous().post(path, body).await
    }

    /// A request with `Authorization: Bearer <token>` and no cookies, optionally with a JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut request = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.fetch().await
    }

    /// Signs a new user up (random e-mail, [`PASSWORD`]) in a browser of its own.
    pub async fn sign_up(&self) -> TestUser {
        let browser = self.browser();
        let email = random_email();
        let response = browser
            .post(
                "/api/auth/sign-up/email",
                &json!({"name": "User", "email": email, "password": PASSWORD}),
            )
            .await;
        TestUser::from_response(browser, email, response)
    }

    /// Signs an existing user in once more, in a browser of its own: another session.
    pub async fn sign_in_again(&self, user: &TestUser) -> TestUser {
        let browser = self.browser();
        let response = browser
            .post(
                "/api/auth/sign-in/email",
                &json!({"email": user.email, "password": PASSWORD}),
            )
            .await;
        TestUser::from_response(browser, user.email.clone(), response)
    }

    /// An anonymous `POST /api/auth/sign-in/email`.
    pub async fn sign_in(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/auth/sign-in/email",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// SQL for now plus an offset in this server's database dialect ([`database::at`]), e.g.
    /// `app.at("-1 minute")`.
    pub fn at(&self, offset: &str) -> String {
        database::at(&self.database_url, offset)
    }

    /// SQL for now in this server's database dialect ([`database::now`]).
    pub fn now(&self) -> String {
        database::now(&self.database_url)
    }

    /// Rewrites a session row behind the server's back; `set` is an SQL `SET` list, e.g.
    /// `format!(r#""expiresAt" = {}"#, app.at("-1 minute"))`.
    pub fn update_session(&self, token: &str, set: &str) {
        sql(
            &self.database_url,
            &format!("UPDATE session SET {set} WHERE token = '{token}'"),
        );
    }

    /// Deletes every account of a user, its credential account (its password) among them.
    pub fn delete_accounts(&self, user_id: &str) {
        sql(
            &self.database_url,
            &format!(r#"DELETE FROM account WHERE "userId" = '{user_id}'"#),
        );
    }

    /// `SELECT count(*) FROM {from}` in this server's database.
    pub fn count(&self, from: &str) -> i64 {
        count(&self.database_url, from)
    }
}
