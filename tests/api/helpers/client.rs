//! Clients of the test server: a [`Browser`] (a cookie jar) and a [`TestUser`] (a signed-up user
//! and the browser holding its session).

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::{Fetch as _, ORIGIN, TestResponse};

/// A client with a cookie jar, as a browser (or Better Auth's client) is.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    address: String,
}

impl Browser {
    /// A client of the server at `address`; redirects are not followed.
    pub(super) fn new(address: &str, cookies: bool) -> Self {
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
    pub(super) fn from_response(browser: Browser, email: String, response: TestResponse) -> Self {
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
