//! `POST /api/auth/sign-up/email`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::database::{rounded, seconds_between};
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{Fetch as _, TestApp, query_text, random_email};

#[tokio::test]
async fn sign_up_creates_the_user_account_and_session_as_better_auth_does() {
    let app = TestApp::spawn().await;
    let email = random_email();
    // No Origin: a same-origin (non-CORS) request, whose headers must be exactly Better Auth's.
    let response = app
        .request(Method::POST, "/api/auth/sign-up/email")
        .json(&json!({"name": "Alice", "email": email.to_uppercase(), "password": "password123"}))
        .fetch()
        .await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("access-control-allow-credentials")
            .is_none()
    );
    assert!(response.header("vary").is_none());
    let cookies = response.cookies();
    let token_header = response.header("set-auth-token").expect("set-auth-token");
    assert_eq!(
        response.header("access-control-expose-headers").as_deref(),
        Some("set-auth-token")
    );
    let body = response.json();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 32);
    assert!(token_header.starts_with(&format!("{token}.")));
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    assert!(cookies[0].ends_with("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"));
    assert_json_shape!(body, @r#"
    {
      "token": "[token]",
      "user": {
        "name": "Alice",
        "email": "[email]",
        "emailVerified": false,
        "image": null,
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
    let user = &body["user"];
    assert_eq!(user["email"], email.as_str(), "stored lowercased");
    let id = user["id"].as_str().unwrap();
    let hash = query_text(
        &app.database_url,
        &format!(r#"SELECT password AS value FROM account WHERE "userId" = '{id}' AND "accountId" = '{id}' AND "providerId" = 'credential'"#),
    )
    .expect("credential account");
    assert!(hash.starts_with("$argon2id$"));
    let ip = query_text(
        &app.database_url,
        &format!(r#"SELECT "ipAddress" AS value FROM session WHERE token = '{token}'"#),
    );
    assert_eq!(
        ip.as_deref(),
        Some(""),
        "unknown IP is stored as an empty string"
    );
}

#[tokio::test]
async fn sign_up_with_a_taken_email_returns_422() {
    let app = TestApp::spawn().await;
    let taken = app.sign_up().await;
    let response = app
        .post(
            "/api/auth/sign-up/email",
            &json!({"name": "B", "email": taken.email, "password": "password456"}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.text,
        r#"{"message":"User already exists. Use another email.","code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"}"#
    );
}

#[tokio::test]
async fn sign_up_validation_errors_use_zods_messages() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"email": "x@example.com", "password": "password123"}),
            "[body.name] Invalid input: expected string, received undefined",
        ),
        (
            json!({"name": "A", "email": "nope", "password": "password123"}),
            "[body.email] Invalid email address",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "password": 12345678}),
            "[body.password] Invalid input: expected string, received number",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "password": ""}),
            "[body.password] Too small: expected string to have >=1 characters",
        ),
        (
            json!([1, 2]),
            "[body] Invalid input: expected object, received array; [body] Invalid input: expected record, received array",
        ),
    ];
    for (body, message) in cases {
        let response = app.post("/api/auth/sign-up/email", &body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(
            response.json(),
            json!({"message": message, "code": "VALIDATION_ERROR"}),
            "{body}"
        );
    }
}

#[tokio::test]
async fn password_length_is_counted_in_utf16_units() {
    let app = TestApp::spawn().await;
    let sign_up = |password: String| {
        let body = json!({"name": "A", "email": random_email(), "password": password});
        let app = &app;
        async move { app.post("/api/auth/sign-up/email", &body).await }
    };
    let short = sign_up("1234567".into()).await;
    assert_eq!(short.status, 400);
    assert_eq!(short.json()["code"], "PASSWORD_TOO_SHORT");
    // 4 emoji are 8 UTF-16 units: long enough for Better Auth.
    assert_eq!(sign_up("😀😀😀😀".into()).await.status, 200);
    let long = sign_up("😀".repeat(65)).await;
    assert_eq!(long.json()["code"], "PASSWORD_TOO_LONG");
}

#[tokio::test]
async fn bodies_other_than_json_or_form_get_415_and_bad_json_gets_400() {
    let app = TestApp::spawn().await;
    let sign_up = || app.request(Method::POST, "/api/auth/sign-up/email");
    let plain = sign_up()
        .header("content-type", "text/plain")
        .body("hi")
        .fetch()
        .await;
    assert_eq!(plain.status, 415);
    assert_eq!(plain.json()["code"], "UNSUPPORTED_MEDIA_TYPE");
    let missing = sign_up().body("hi").fetch().await;
    assert_eq!(missing.status, 415);
    assert!(
        missing.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Content-Type is required")
    );
    let bad = sign_up()
        .header("content-type", "application/json")
        .body("{\"name\":")
        .fetch()
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.text,
        r#"{"message":"Invalid JSON in request body","code":"BAD_REQUEST"}"#
    );
    let form = sign_up()
        .form(&[
            ("name", "Form"),
            ("email", &random_email()),
            ("password", "password123"),
        ])
        .fetch()
        .await;
    assert_eq!(form.status, 200);
}

#[tokio::test]
async fn an_oversize_body_gets_413_in_the_envelope() {
    let app = TestApp::spawn().await;
    let huge =
        json!({"name": "x".repeat(3_000_000), "email": random_email(), "password": "password123"});
    let response = app.post("/api/auth/sign-up/email", &huge).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json()["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn remember_me_false_gives_a_one_day_session_and_a_dont_remember_cookie() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/api/auth/sign-up/email", &json!({"name": "A", "email": random_email(), "password": "password123", "rememberMe": false}))
        .await;
    let cookies = response.cookies();
    assert!(
        cookies[0].starts_with("better-auth.session_token=") && !cookies[0].contains("Max-Age")
    );
    assert_eq!(
        cookies[1],
        "better-auth.dont_remember=true.0R39059RJMlqy6vRfLQM%2B9OejOdzDaSFqtRZ3UvvW0o%3D; Path=/; HttpOnly; SameSite=Lax"
    );
    let body = response.json();
    let token = body["token"].as_str().unwrap();
    let hours = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM session WHERE token = '{token}'",
            rounded(&format!(
                "{} / 3600",
                seconds_between(&app.database_url, r#""expiresAt""#, r#""createdAt""#)
            ))
        ),
    );
    assert_eq!(hours.as_deref(), Some("24"));
}
