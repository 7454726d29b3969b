//! Helpers shared by the task API tests: users with session tokens, both route forms, JWT minting.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the helpers"
)]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed step should fail the test"
)]

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, header, random_email};

/// The two forms of every task route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `/api/tasks...`
    Plain,
    /// `/api/{user_id}/tasks...`
    Scoped,
}

/// Both forms, for tests that loop over them.
pub const FORMS: [Form; 2] = [Form::Plain, Form::Scoped];

/// A signed-up user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    /// The raw session token (`session.token`, what the seed's apiClient sends).
    pub token: String,
    /// The signed token of `set-auth-token`.
    pub signed_token: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON (`Value::Null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Signs a new user up (with a client of its own, so the app's cookie jar stays empty).
pub async fn new_user(app: &TestApp) -> User {
    let response = TestApp::new_client()
        .post(app.url("/api/auth/sign-up/email"))
        .json(&json!({"name": "Tess", "email": random_email(), "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "sign-up");
    let signed_token = header(response.headers(), "set-auth-token").unwrap();
    let body: Value = response.json().await.unwrap();
    User {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        token: body["token"].as_str().unwrap().to_owned(),
        signed_token,
    }
}

/// The collection path of a form for a user, e.g. `/api/tasks` or `/api/{id}/tasks`.
pub fn tasks_path(form: Form, user_id: &str) -> String {
    match form {
        Form::Plain => "/api/tasks".into(),
        Form::Scoped => format!("/api/{user_id}/tasks"),
    }
}

/// A request with `Authorization: Bearer <token>`, optionally with a JSON body.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Reply {
    let mut request = TestApp::new_client()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    read(request.send().await.unwrap()).await
}

/// Reads a response whole.
pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Reply {
        status,
        headers,
        text,
    }
}

/// A user's calls in one form.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub user: &'a User,
    pub form: Form,
}

impl Client<'_> {
    /// The collection path, plus `suffix`.
    pub fn path(&self, suffix: &str) -> String {
        format!("{}{suffix}", tasks_path(self.form, &self.user.id))
    }

    pub async fn call(&self, method: Method, suffix: &str, body: Option<&Value>) -> Reply {
        send(self.app, method, &self.path(suffix), &self.user.token, body).await
    }

    /// Creates a task; asserts 201 and returns it.
    pub async fn create(&self, body: Value) -> Value {
        let reply = self.call(Method::POST, "", Some(&body)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()
    }

    /// Lists with a query string; asserts 200 and returns the tasks and `X-Total-Count`.
    pub async fn list(&self, query: &str) -> (Vec<Value>, i64) {
        let reply = self.call(Method::GET, &format!("?{query}"), None).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        let total = reply.header("x-total-count").unwrap().parse().unwrap();
        (reply.json().as_array().unwrap().clone(), total)
    }
}

/// The titles of listed tasks, in order.
pub fn titles(tasks: &[Value]) -> Vec<&str> {
    tasks.iter().map(|t| t["title"].as_str().unwrap()).collect()
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An HS256 JWT signed with the test secret.
pub fn hs256(claims: &Value) -> String {
    jwt_with(Algorithm::HS256, claims, SECRET.as_bytes())
}

/// A JWT of any HMAC algorithm with any key.
pub fn jwt_with(alg: Algorithm, claims: &Value, key: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
}

/// A token with an arbitrary header, signed with HMAC-SHA256 under the test secret whatever the
/// header says (for `alg` confusion), or unsigned when `sign` is false (`alg: none`).
pub fn hand_made(header: &Value, claims: &Value, sign: bool) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{KeyInit as _, Mac as _};
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let message = format!("{}.{}", encode(header), encode(claims));
    if !sign {
        return format!("{message}.");
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{message}.{signature}")
}
