//! Hostile input: text the database refuses (NUL), over-long e-mail addresses and slow request
//! bodies get a client error in the one envelope, never a 500, and nothing is stored.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::jwt::{hs256, now};
use crate::helpers::tasks::{FORMS, titles};
use crate::helpers::{Fetch as _, ORIGIN, TestApp, TestResponse, random_email};

const NUL_ISSUE: &str = "Invalid input: must not contain NUL (U+0000) characters";

/// Asserts a 400 `VALIDATION_ERROR` whose message is exactly `message`.
fn assert_validation(response: &TestResponse, message: &str) {
    assert_eq!(response.status, 400, "{}", response.text);
    let body = response.json();
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert_eq!(body["message"], message);
}

#[tokio::test]
async fn sign_up_with_nul_in_name_or_image_is_400_naming_the_field() {
    let app = TestApp::spawn().await;
    for (field, body) in [
        (
            "name",
            json!({"name": "a\u{0}b", "email": random_email(), "password": "password123"}),
        ),
        (
            "image",
            json!({"name": "n", "email": random_email(), "password": "password123", "image": "\u{0}"}),
        ),
    ] {
        let response = app.post("/api/auth/sign-up/email", &body).await;
        assert_validation(&response, &format!("[body.{field}] {NUL_ISSUE}"));
    }
    let form = app
        .request(Method::POST, "/api/auth/sign-up/email")
        .header("origin", ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name=a%00&email={}&password=password123",
            random_email()
        ))
        .fetch()
        .await;
    assert_validation(&form, &format!("[body.name] {NUL_ISSUE}"));
    assert_eq!(app.count(r#""user""#), 0, "nothing was stored");
}

#[tokio::test]
async fn an_e_mail_address_over_254_characters_is_400_not_an_index_error() {
    let app = TestApp::spawn().await;
    for length in [2_800, 10_000] {
        let email = format!("{}@example.com", "x".repeat(length));
        let body = json!({"name": "Long", "email": email, "password": "password123"});
        let response = app.post("/api/auth/sign-up/email", &body).await;
        assert_validation(
            &response,
            "[body.email] Too big: expected string to have <=254 characters",
        );
    }
    let at_limit = format!("{}@example.com", "y".repeat(254 - 12));
    let body = json!({"name": "Limit", "email": at_limit, "password": "password123"});
    assert_eq!(app.post("/api/auth/sign-up/email", &body).await.status, 200);
}

#[tokio::test]
async fn update_user_reset_password_and_revoke_session_refuse_nul() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    for field in ["name", "image"] {
        let response = alice
            .post("/api/auth/update-user", &json!({ field: "x\u{0}" }))
            .await;
        assert_validation(&response, &format!("[body.{field}] {NUL_ISSUE}"));
    }
    let response = alice
        .post("/api/auth/revoke-session", &json!({"token": "\u{0}"}))
        .await;
    assert_validation(&response, &format!("[body.token] {NUL_ISSUE}"));
    let response = alice
        .post(
            "/api/auth/reset-password",
            &json!({"newPassword": "password456", "token": "t\u{0}"}),
        )
        .await;
    assert_validation(&response, &format!("[body.token] {NUL_ISSUE}"));
    let session = alice.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["name"], "User", "the name is unchanged");
}

#[tokio::test]
async fn task_text_with_nul_is_422_in_both_forms_and_methods() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let tasks = app.tasks(&user, form);
        let task = tasks.create(json!({"title": "fine"})).await;
        let id = format!("/{}", task["id"]);
        for (method, suffix) in [
            (Method::POST, ""),
            (Method::PUT, id.as_str()),
            (Method::PATCH, id.as_str()),
        ] {
            let body = json!({"title": "a\u{0}", "description": "\u{0}", "tags": ["ok", "b\u{0}"]});
            let response = tasks.call(method.clone(), suffix, Some(&body)).await;
            assert_eq!(response.status, 422, "{method} {suffix}: {}", response.text);
            let fields: Vec<String> = response.json()["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(fields, ["title", "description", "tags"]);
        }
        let (listed, _) = tasks.list("").await;
        assert_eq!(titles(&listed), ["fine"]);
        for query in ["q=%00", "tag=%00"] {
            let response = tasks.call(Method::GET, &format!("?{query}"), None).await;
            assert_eq!(response.status, 400, "{query}: {}", response.text);
            assert_eq!(response.json()["code"], "INVALID_QUERY");
        }
        tasks.call(Method::DELETE, &id, None).await;
    }
}

#[tokio::test]
async fn a_validly_signed_jwt_whose_sub_holds_nul_is_401() {
    let app = TestApp::spawn().await;
    let token = hs256(&json!({"sub": "user\u{0}id", "exp": now() + 60}));
    let response = app.send(Method::GET, "/api/tasks", &token, None).await;
    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(response.json()["code"], "UNAUTHORIZED");
}

/// Sends a request head announcing `Content-Length: 100` and 10 bytes of body, then nothing; returns
/// the raw response and how long it took to arrive.
async fn stall_body(app: &TestApp, path: &str, extra_headers: &str) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nOrigin: http://localhost:3000\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n{extra_headers}\r\n{{\"email\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut response))
        .await
        .expect("the server must answer and close a stalled body")
        .expect("read");
    (
        String::from_utf8_lossy(&response).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_the_connection_closes_within_the_timeout() {
    let app = TestApp::spawn_with(|c| c.http.request_timeout = Duration::from_secs(2)).await;
    let user = app.sign_up().await;
    let bearer = format!("Authorization: Bearer {}\r\n", user.token);
    for (path, headers) in [
        ("/api/auth/sign-in/email", ""),
        ("/api/tasks", bearer.as_str()),
    ] {
        let (response, waited) = stall_body(&app, path, headers).await;
        assert!(response.starts_with("HTTP/1.1 408"), "{path}: {response}");
        assert!(response.contains("REQUEST_TIMEOUT"), "{path}: {response}");
        assert!(
            waited >= Duration::from_millis(1_500) && waited < Duration::from_secs(6),
            "{path}: answered after {waited:?}"
        );
    }
}
