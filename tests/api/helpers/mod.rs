//! Integration-test harness: the real server on a random port against a real PostgreSQL database
//! of its own, and one request vocabulary for talking to it.
//!
//! - [`TestApp`]: a running server. `app.get`/`app.post`/`app.request` send anonymous requests (no
//!   cookies kept), `app.send` one with a bearer token.
//! - [`Browser`]: a client with a cookie jar; [`TestUser`]: a signed-up user and the browser that
//!   holds its session (`alice.get`, `alice.post`).
//! - [`Fetch::fetch`] ends any hand-built `reqwest` request; every request returns a
//!   [`TestResponse`], read whole.

pub mod database;
pub mod jwt;
pub mod smtp;
pub mod snapshot;
pub mod tasks;

use std::future::Future;

use better_auth_actix::config::Config;
use better_auth_actix::startup::Application;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

pub use database::{count, drop_database, empty_database, fresh_database, query_text, sql};

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

    /// Rewrites a session row behind the server's back; `set` is an SQL `SET` list, e.g.
    /// `"expiresAt" = now() - interval '1 minute'`.
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

/// A client with a cookie jar, as a browser (or Better Auth's client) is.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    address: String,
}

impl Browser {
    /// A client of the server at `address`; redirects are not followed.
    fn new(address: &str, cookies: bool) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(cookies)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            http,
            address: address.to_owned(),
        }
    }

    /// A request to `path` on the server, carrying this browser's cookies.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.address))
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path).fetch().await
    }

    /// `POST` of a JSON body, from the server's own origin.
    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.request(Method::POST, path)
            .header("origin", ORIGIN)
            .json(body)
            .fetch()
            .await
    }

    /// Follows a link from an e-mail (built on [`ORIGIN`]).
    pub async fn follow(&self, link: &str) -> TestResponse {
        let path = link
            .strip_prefix(ORIGIN)
            .unwrap_or_else(|| panic!("not a link to this server: {link}"));
        self.get(path).await
    }
}

/// A signed-up user and the browser holding its session.
pub struct TestUser {
    pub browser: Browser,
    pub id: String,
    pub email: String,
    /// The raw session token (`session.token`, what the seed's apiClient sends as a bearer).
    pub token: String,
    /// The signed token of `set-auth-token` (`token.signature`).
    pub signed_token: String,
    /// The `Cookie` header its browser was given (`name=value` of each `Set-Cookie`, in order).
    pub cookie: String,
    /// The answer to its sign-up (or sign-in): `token`, `user` and more.
    pub signed_up: Value,
}

impl TestUser {
    fn from_response(browser: Browser, email: String, response: TestResponse) -> Self {
        assert_eq!(
            response.status, 200,
            "sign-up or sign-in: {}",
            response.text
        );
        let signed_up = response.json();
        Self {
            browser,
            id: signed_up["user"]["id"]
                .as_str()
                .expect("user.id")
                .to_owned(),
            email,
            token: signed_up["token"].as_str().expect("token").to_owned(),
            signed_token: response.header("set-auth-token").expect("set-auth-token"),
            cookie: response.cookie_header(),
            signed_up,
        }
    }

    /// A request carrying this user's session cookie.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.browser.request(method, path)
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.browser.get(path).await
    }

    /// `POST` of a JSON body, from the server's own origin, with this user's session cookie.
    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.browser.post(path, body).await
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl TestResponse {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        Self {
            status,
            headers,
            text,
        }
    }

    /// The body as JSON, in its key order; panics when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {:?}", self.status, self.text))
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Every `Set-Cookie` value, in order.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// `name=value` of each `Set-Cookie`, in order.
    pub fn cookie_pairs(&self) -> Vec<(String, String)> {
        self.cookies()
            .iter()
            .map(|c| {
                let first = c.split(';').next().unwrap_or_default();
                let (name, value) = first.split_once('=').expect("name=value");
                (name.to_owned(), value.to_owned())
            })
            .collect()
    }

    /// The `Cookie` header a browser sends back after this response.
    pub fn cookie_header(&self) -> String {
        self.cookie_pairs()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Sends a hand-built request and reads the response whole.
pub trait Fetch {
    fn fetch(self) -> impl Future<Output = TestResponse> + Send;
}

impl Fetch for RequestBuilder {
    async fn fetch(self) -> TestResponse {
        TestResponse::read(self.send().await.expect("request")).await
    }
}
