//! `POST /api/auth/sign-in/email`.

use better_auth_actix::config::PasswordHasherKind;
use serde_json::json;

use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{Fetch as _, PASSWORD, TestApp, query_text, random_email, sql};

#[tokio::test]
async fn sign_in_returns_redirect_token_and_user_in_better_auths_order() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = app.sign_in(&alice.email, PASSWORD).await;
    assert_eq!(response.status, 200);
    assert!(response.header("location").is_none());
    assert!(response.cookies()[0].starts_with("better-auth.session_token="));
    assert_json_shape!(response.json(), @r#"
    {
      "redirect": false,
      "token": "[token]",
      "user": {
        "name": "User",
        "email": "[email]",
        "emailVerified": false,
        "image": null,
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
}

#[tokio::test]
async fn sign_in_with_a_callback_sets_location_but_stays_200() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = app
        .post(
            "/api/auth/sign-in/email",
            &json!({"email": alice.email, "password": PASSWORD, "callbackURL": "/home"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("location").as_deref(), Some("/home"));
    assert_json_shape!(response.json(), @r#"
    {
      "redirect": true,
      "token": "[token]",
      "url": "/home",
      "user": {
        "name": "User",
        "email": "[email]",
        "emailVerified": false,
        "image": null,
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let expected = r#"{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}"#;
    for (email, password) in [
        (alice.email.clone(), "wrong-password"),
        (random_email(), PASSWORD),
    ] {
        let response = app.sign_in(&email, password).await;
        assert_eq!(response.status, 401);
        assert!(response.cookies().is_empty());
        assert_eq!(response.text, expected);
    }
}

#[tokio::test]
async fn sign_in_checks_the_email_format_and_maximum_length_but_not_the_minimum() {
    let app = TestApp::spawn().await;
    let invalid = app.sign_in("nope", "x").await;
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.text,
        r#"{"message":"Invalid email","code":"INVALID_EMAIL"}"#
    );
    let long = app.sign_in(&random_email(), &"x".repeat(129)).await;
    assert_eq!(long.json()["code"], "PASSWORD_TOO_LONG");
    let short = app.sign_in(&random_email(), "x").await;
    assert_eq!(short.status, 401);
    let missing = app
        .post("/api/auth/sign-in/email", &json!({"email": random_email()}))
        .await;
    assert_eq!(
        missing.json()["message"],
        "[body.password] Invalid input: expected string, received undefined"
    );
}

fn stored_password(app: &TestApp, user_id: &str) -> String {
    query_text(
        &app.database_url,
        &format!("SELECT password AS value FROM account WHERE \"userId\" = '{user_id}'"),
    )
    .unwrap()
}

#[tokio::test]
async fn a_better_auth_scrypt_hash_signs_in_and_is_upgraded_to_argon2id() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    // A hash in Better Auth's format, made with Better Auth's parameters (scrypt N=16384 r=16 p=1, hex salt).
    let hasher =
        better_auth_actix::auth::password::PasswordHasher::new(PasswordHasherKind::Scrypt, 1)
            .unwrap();
    let scrypt = hasher.hash(&PASSWORD.into()).await.unwrap();
    sql(
        &app.database_url,
        &format!(
            "UPDATE account SET password = '{scrypt}' WHERE \"userId\" = '{}'",
            alice.id
        ),
    );
    assert_eq!(app.sign_in(&alice.email, PASSWORD).await.status, 200);
    let stored = stored_password(&app, &alice.id);
    assert!(stored.starts_with("$argon2id$"), "upgraded: {stored}");
    assert_eq!(app.sign_in(&alice.email, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn with_the_scrypt_hasher_new_hashes_stay_in_better_auths_format() {
    let app = TestApp::spawn_with(|c| c.password_hasher = PasswordHasherKind::Scrypt).await;
    let alice = app.sign_up().await;
    let stored = stored_password(&app, &alice.id);
    let (salt, key) = stored.split_once(':').unwrap();
    assert_eq!((salt.len(), key.len()), (32, 128));
    assert_eq!(app.sign_in(&alice.email, PASSWORD).await.status, 200);
    assert_eq!(
        stored_password(&app, &alice.id),
        stored,
        "no upgrade when scrypt is the configured hasher"
    );
}

#[tokio::test]
async fn a_single_forwarded_for_value_is_stored_as_the_session_ip() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    for (forwarded, stored) in [
        ("198.51.100.9", "198.51.100.9"),
        ("198.51.100.9, 10.0.0.1", ""),
    ] {
        let response = app
            .request(reqwest::Method::POST, "/api/auth/sign-in/email")
            .header("x-forwarded-for", forwarded)
            .header("user-agent", "test-agent/1.0")
            .json(&json!({"email": alice.email, "password": PASSWORD}))
            .fetch()
            .await;
        let token = response.json()["token"].as_str().unwrap().to_owned();
        let row = query_text(
            &app.database_url,
            &format!(
                r#"SELECT "ipAddress" || '|' || "userAgent" AS value FROM session WHERE token = '{token}'"#
            ),
        );
        assert_eq!(row.unwrap(), format!("{stored}|test-agent/1.0"));
    }
}
