//! `POST /api/auth/sign-in/email`.

use crate::helpers as common;

use better_auth_actix::config::PasswordHasherKind;
use common::{TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

#[tokio::test]
async fn sign_in_returns_redirect_token_and_user_in_better_auths_order() {
    let app = TestApp::spawn().await;
    let email = random_email();
    app.sign_up("Alice", &email, "password123").await;
    let response = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(header(response.headers(), "location").is_none());
    let cookies = set_cookies(response.headers());
    assert!(cookies[0].starts_with("better-auth.session_token="));
    let body: Value = response.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["redirect", "token", "user"]);
    assert_eq!(body["redirect"], false);
}

#[tokio::test]
async fn sign_in_with_a_callback_sets_location_but_stays_200() {
    let app = TestApp::spawn().await;
    let email = random_email();
    app.sign_up("Alice", &email, "password123").await;
    let response = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123", "callbackURL": "/home"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "location").as_deref(),
        Some("/home")
    );
    let body: Value = response.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["redirect", "token", "url", "user"]);
    assert_eq!(
        (body["redirect"].clone(), body["url"].clone()),
        (json!(true), json!("/home"))
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let email = random_email();
    app.sign_up("Alice", &email, "password123").await;
    let expected = r#"{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}"#;
    for body in [
        json!({"email": email, "password": "wrong-password"}),
        json!({"email": random_email(), "password": "password123"}),
    ] {
        let response = app.auth_post("/sign-in/email", &body).await;
        assert_eq!(response.status(), 401);
        assert!(set_cookies(response.headers()).is_empty());
        assert_eq!(response.text().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn sign_in_checks_the_email_format_and_maximum_length_but_not_the_minimum() {
    let app = TestApp::spawn().await;
    let invalid = app
        .auth_post("/sign-in/email", &json!({"email": "nope", "password": "x"}))
        .await;
    assert_eq!(invalid.status(), 400);
    assert_eq!(
        invalid.text().await.unwrap(),
        r#"{"message":"Invalid email","code":"INVALID_EMAIL"}"#
    );
    let long = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": random_email(), "password": "x".repeat(129)}),
        )
        .await;
    assert_eq!(
        long.json::<Value>().await.unwrap()["code"],
        "PASSWORD_TOO_LONG"
    );
    let short = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": random_email(), "password": "x"}),
        )
        .await;
    assert_eq!(short.status(), 401);
    let missing = app
        .auth_post("/sign-in/email", &json!({"email": random_email()}))
        .await;
    assert_eq!(
        missing.json::<Value>().await.unwrap()["message"],
        "[body.password] Invalid input: expected string, received undefined"
    );
}

#[tokio::test]
async fn a_better_auth_scrypt_hash_signs_in_and_is_upgraded_to_argon2id() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let body = app.sign_up("Alice", &email, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    // A hash in Better Auth's format, made with Better Auth's parameters (scrypt N=16384 r=16 p=1, hex salt).
    let hasher =
        better_auth_actix::auth::password::PasswordHasher::new(PasswordHasherKind::Scrypt, 1)
            .unwrap();
    let scrypt = hasher.hash(&"password123".into()).await.unwrap();
    sql(
        &app.database_url,
        &format!("UPDATE account SET password = '{scrypt}' WHERE \"userId\" = '{id}'"),
    );
    let response = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let stored = query_text(
        &app.database_url,
        &format!("SELECT password AS value FROM account WHERE \"userId\" = '{id}'"),
    )
    .unwrap();
    assert!(stored.starts_with("$argon2id$"), "upgraded: {stored}");
    let again = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn with_the_scrypt_hasher_new_hashes_stay_in_better_auths_format() {
    let app = TestApp::spawn_with(|c| c.password_hasher = PasswordHasherKind::Scrypt).await;
    let email = random_email();
    let body = app.sign_up("Alice", &email, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let stored = query_text(
        &app.database_url,
        &format!("SELECT password AS value FROM account WHERE \"userId\" = '{id}'"),
    )
    .unwrap();
    let (salt, key) = stored.split_once(':').unwrap();
    assert_eq!((salt.len(), key.len()), (32, 128));
    let response = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let after = query_text(
        &app.database_url,
        &format!("SELECT password AS value FROM account WHERE \"userId\" = '{id}'"),
    )
    .unwrap();
    assert_eq!(
        after, stored,
        "no upgrade when scrypt is the configured hasher"
    );
}

#[tokio::test]
async fn a_single_forwarded_for_value_is_stored_as_the_session_ip() {
    let app = TestApp::spawn().await;
    let email = random_email();
    app.sign_up("Alice", &email, "password123").await;
    for (forwarded, stored) in [
        ("198.51.100.9", "198.51.100.9"),
        ("198.51.100.9, 10.0.0.1", ""),
    ] {
        let response = TestApp::new_client()
            .post(app.url("/api/auth/sign-in/email"))
            .header("x-forwarded-for", forwarded)
            .header("user-agent", "test-agent/1.0")
            .json(&json!({"email": email, "password": "password123"}))
            .send()
            .await
            .unwrap();
        let token = response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let row = query_text(
            &app.database_url,
            &format!(
                r#"SELECT "ipAddress" || '|' || "userAgent" AS value FROM session WHERE token = '{token}'"#
            ),
        );
        assert_eq!(row.unwrap(), format!("{stored}|test-agent/1.0"));
    }
}
