//! `POST /delete-user` and `GET /delete-user/callback`, end to end through a real SMTP listener.

use better_auth_actix::config::Config;
use serde_json::json;

use super::EXPIRED_COOKIES;
use crate::helpers::database::{rounded, seconds_between};
use crate::helpers::{TestApp, TestUser, query_text, sql};

const DELETED: &str = r#"{"success":true,"message":"User deleted"}"#;

fn enabled(c: &mut Config) {
    c.flows.delete_user_enabled = true;
}

fn exists(app: &TestApp, user: &TestUser) -> bool {
    app.count(&format!(r#""user" WHERE id = '{}'"#, user.id)) == 1
}

fn insert_delete_token(app: &TestApp, token: &str, user: &TestUser) {
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO verification (id, identifier, value, "expiresAt", "createdAt", "updatedAt") VALUES ('d-{token}', 'delete-account-{token}', '{}', {}, {now}, {now})"#,
            user.id,
            app.at("1 day"),
            now = app.now()
        ),
    );
}

#[tokio::test]
async fn delete_user_is_disabled_by_default_with_an_empty_404_after_the_session_check() {
    let app = TestApp::spawn().await;
    let anonymous = app.post("/api/auth/delete-user", &json!({})).await;
    assert_eq!(anonymous.status, 401);
    let alice = app.sign_up().await;
    let response = alice.post("/api/auth/delete-user", &json!({})).await;
    assert_eq!(response.status, 404);
    // Better Auth's `APIError.fromStatus("NOT_FOUND")`: JSON content type, empty body.
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(response.text, "");
}

#[tokio::test]
async fn a_fresh_session_deletes_the_user_with_its_sessions_and_accounts() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let response = alice.post("/api/auth/delete-user", &json!({})).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.cookies(), EXPIRED_COOKIES);
    assert_eq!(response.text, DELETED);
    for from in [
        format!(r#""user" WHERE id = '{}'"#, alice.id),
        format!(r#"session WHERE "userId" = '{}'"#, alice.id),
        format!(r#"account WHERE "userId" = '{}'"#, alice.id),
    ] {
        assert_eq!(app.count(&from), 0, "{from}");
    }
    assert!(exists(&app, &bob));
}

#[tokio::test]
async fn a_stale_session_needs_the_password() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    app.update_session(
        &alice.token,
        &format!(r#""createdAt" = {}"#, app.at("-25 hours")),
    );
    let response = alice.post("/api/auth/delete-user", &json!({})).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"Session expired. Re-authenticate to perform this action.","code":"SESSION_EXPIRED"}"#
    );
    let cases = [
        (json!({"password": "wrong-password"}), "INVALID_PASSWORD"),
        (json!({"password": "x".repeat(129)}), "PASSWORD_TOO_LONG"),
        (json!({"password": 5}), "VALIDATION_ERROR"),
    ];
    for (request, code) in cases {
        let response = alice.post("/api/auth/delete-user", &request).await;
        assert_eq!(response.status, 400, "{request}");
        assert_eq!(response.json()["code"], code, "{request}");
    }
    let response = alice
        .post("/api/auth/delete-user", &json!({"password": "password123"}))
        .await;
    assert_eq!(response.status, 200);
    assert!(!exists(&app, &alice));
}

#[tokio::test]
async fn a_password_without_a_credential_account_is_refused() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    app.delete_accounts(&alice.id);
    let response = alice
        .post("/api/auth/delete-user", &json!({"password": "password123"}))
        .await;
    assert_eq!(
        response.text,
        r#"{"message":"Credential account not found","code":"CREDENTIAL_ACCOUNT_NOT_FOUND"}"#
    );
}

#[tokio::test]
async fn with_verification_a_mailed_link_deletes_the_user() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        enabled(c);
        c.flows.delete_user_send_verification = true;
    })
    .await;
    let alice = app.sign_up().await;
    let response = alice
        .post("/api/auth/delete-user", &json!({"callbackURL": "/bye"}))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    assert_eq!(
        response.text,
        r#"{"success":true,"message":"Verification email sent"}"#
    );
    assert!(exists(&app, &alice), "not yet");
    let message = smtp.next(0).await;
    assert_eq!(message.to, [alice.email.as_str()]);
    assert_eq!(message.subject(), "Confirm deleting your account");
    let link = message.link();
    let token = link
        .strip_prefix("http://localhost:3000/api/auth/delete-user/callback?token=")
        .and_then(|rest| rest.strip_suffix("&callbackURL=%2Fbye"))
        .unwrap_or_else(|| panic!("unexpected link {link}"));
    assert_eq!(token.len(), 32);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
    let lifetime = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM verification WHERE identifier = 'delete-account-{token}' AND value = '{}'",
            rounded(&seconds_between(
                &app.database_url,
                r#""expiresAt""#,
                &app.now()
            )),
            alice.id
        ),
    );
    assert_eq!(lifetime.as_deref(), Some("86400"));

    let followed = alice.browser.follow(&link).await;
    assert_eq!(followed.status, 302);
    assert_eq!(followed.header("location").as_deref(), Some("/bye"));
    assert_eq!(followed.cookies(), EXPIRED_COOKIES);
    assert!(!exists(&app, &alice));
}

#[tokio::test]
async fn the_callback_needs_the_same_users_session() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    insert_delete_token(&app, "alicetoken", &alice);
    let anonymous = app
        .get("/api/auth/delete-user/callback?token=alicetoken")
        .await;
    assert_eq!(anonymous.status, 404);
    assert_eq!(
        anonymous.text,
        r#"{"message":"Failed to get user info","code":"FAILED_TO_GET_USER_INFO"}"#
    );
    let other = bob
        .get("/api/auth/delete-user/callback?token=alicetoken")
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(
        other.text,
        r#"{"message":"Invalid token","code":"INVALID_TOKEN"}"#
    );
    assert!(exists(&app, &alice), "another user's token deletes nobody");
    insert_delete_token(&app, "secondtoken", &alice);
    let own = alice
        .get("/api/auth/delete-user/callback?token=secondtoken")
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.cookies(), EXPIRED_COOKIES);
    assert_eq!(own.text, DELETED);
    assert!(!exists(&app, &alice));
}

#[tokio::test]
async fn the_callback_validates_its_query_and_origin_and_obeys_the_switch() {
    let app = TestApp::spawn_with(enabled).await;
    let missing = app.get("/api/auth/delete-user/callback").await;
    assert_eq!(
        missing.text,
        r#"{"message":"[query.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .get("/api/auth/delete-user/callback?token=x&callbackURL=https://evil.com")
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(evil.json()["code"], "INVALID_CALLBACK_URL");
    let disabled = TestApp::spawn().await;
    let response = disabled.get("/api/auth/delete-user/callback?token=x").await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.text,
        r#"{"message":"Not found","code":"NOT_FOUND"}"#
    );
}

#[tokio::test]
async fn a_token_in_the_body_deletes_only_when_it_was_issued_to_the_caller() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    let wrong = alice
        .post("/api/auth/delete-user", &json!({"token": "unknown"}))
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(
        wrong.text,
        r#"{"message":"Invalid token","code":"INVALID_TOKEN"}"#
    );
    insert_delete_token(&app, "goodtoken", &alice);
    let response = alice
        .post("/api/auth/delete-user", &json!({"token": "goodtoken"}))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, DELETED);
    assert!(!exists(&app, &alice));
}
