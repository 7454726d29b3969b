//! Hostile input: text the database refuses (NUL), over-long e-mail addresses and slow request
//! bodies get a client error in the one envelope, never a 500, and nothing is stored.

use crate::helpers as common;
use crate::helpers::tasks as tasks_support;

use std::time::{Duration, Instant};

use common::{TestApp, query_text, random_email};
use reqwest::Method;
use serde_json::{Value, json};
use tasks_support::{Client, FORMS, hs256, new_user, now, read};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const NUL_ISSUE: &str = "Invalid input: must not contain NUL (U+0000) characters";

/// Asserts a 400 `VALIDATION_ERROR` whose message is exactly `message`.
async fn assert_validation(response: reqwest::Response, message: &str) {
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 400, "{body}");
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
        let response = app.auth_post("/sign-up/email", &body).await;
        assert_validation(response, &format!("[body.{field}] {NUL_ISSUE}")).await;
    }
    let form = app
        .client
        .post(app.url("/api/auth/sign-up/email"))
        .header("origin", "http://localhost:3000")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name=a%00&email={}&password=password123",
            random_email()
        ))
        .send()
        .await
        .expect("request");
    assert_validation(form, &format!("[body.name] {NUL_ISSUE}")).await;
    let users = query_text(
        &app.database_url,
        "SELECT count(*)::text AS value FROM \"user\"",
    );
    assert_eq!(users.as_deref(), Some("0"), "nothing was stored");
}

#[tokio::test]
async fn an_e_mail_address_over_254_characters_is_400_not_an_index_error() {
    let app = TestApp::spawn().await;
    for length in [2_800, 10_000] {
        let email = format!("{}@example.com", "x".repeat(length));
        let body = json!({"name": "Long", "email": email, "password": "password123"});
        let response = app.auth_post("/sign-up/email", &body).await;
        assert_validation(
            response,
            "[body.email] Too big: expected string to have <=254 characters",
        )
        .await;
    }
    let at_limit = format!("{}@example.com", "y".repeat(254 - 12));
    let body = json!({"name": "Limit", "email": at_limit, "password": "password123"});
    assert_eq!(app.auth_post("/sign-up/email", &body).await.status(), 200);
}

#[tokio::test]
async fn update_user_reset_password_and_revoke_session_refuse_nul() {
    let app = TestApp::spawn().await;
    let (client, _) = app.user(&random_email(), "password123").await;
    for field in ["name", "image"] {
        let response = app
            .post_as(&client, "/update-user", &json!({ field: "x\u{0}" }))
            .await;
        assert_validation(response, &format!("[body.{field}] {NUL_ISSUE}")).await;
    }
    let response = app
        .post_as(&client, "/revoke-session", &json!({"token": "\u{0}"}))
        .await;
    assert_validation(response, &format!("[body.token] {NUL_ISSUE}")).await;
    let response = app
        .post_as(
            &client,
            "/reset-password",
            &json!({"newPassword": "password456", "token": "t\u{0}"}),
        )
        .await;
    assert_validation(response, &format!("[body.token] {NUL_ISSUE}")).await;
    let session = app.get_as(&client, "/get-session").await;
    let session: Value = session.json().await.expect("json");
    assert_eq!(session["user"]["name"], "User", "the name is unchanged");
}

#[tokio::test]
async fn task_text_with_nul_is_422_in_both_forms_and_methods() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    for form in FORMS {
        let tasks = Client {
            app: &app,
            user: &user,
            form,
        };
        let task = tasks.create(json!({"title": "fine"})).await;
        let id = format!("/{}", task["id"]);
        for (method, suffix) in [
            (Method::POST, ""),
            (Method::PUT, id.as_str()),
            (Method::PATCH, id.as_str()),
        ] {
            let body = json!({"title": "a\u{0}", "description": "\u{0}", "tags": ["ok", "b\u{0}"]});
            let reply = tasks.call(method.clone(), suffix, Some(&body)).await;
            assert_eq!(reply.status, 422, "{method} {suffix}: {}", reply.text);
            let fields: Vec<String> = reply.json()["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(fields, ["title", "description", "tags"]);
        }
        let (listed, _) = tasks.list("").await;
        assert_eq!(tasks_support::titles(&listed), ["fine"]);
        for query in ["q=%00", "tag=%00"] {
            let reply = tasks.call(Method::GET, &format!("?{query}"), None).await;
            assert_eq!(reply.status, 400, "{query}: {}", reply.text);
            assert_eq!(reply.json()["code"], "INVALID_QUERY");
        }
        tasks.call(Method::DELETE, &id, None).await;
    }
}

#[tokio::test]
async fn a_validly_signed_jwt_whose_sub_holds_nul_is_401() {
    let app = TestApp::spawn().await;
    let token = hs256(&json!({"sub": "user\u{0}id", "exp": now() + 60}));
    let reply = read(
        TestApp::new_client()
            .get(app.url("/api/tasks"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.json()["code"], "UNAUTHORIZED");
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
    let user = new_user(&app).await;
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
