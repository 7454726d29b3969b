//! `POST /request-password-reset`, `GET /reset-password/{token}`, `POST /reset-password`,
//! `POST /verify-password`, end to end through a real SMTP listener.

use std::time::Duration;

use serde_json::json;

use super::RESET_SENT;
use crate::helpers::database::{rounded, seconds_between};
use crate::helpers::{PASSWORD, TestApp, query_text, random_email, sql};

fn insert_token(app: &TestApp, token: &str, user_id: &str, expires_in: &str) {
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO verification (id, identifier, value, "expiresAt", "createdAt", "updatedAt") VALUES ('v-{token}', 'reset-password:{token}', '{user_id}', {expires}, {now}, {now})"#,
            expires = app.at(expires_in),
            now = app.now()
        ),
    );
}

#[tokio::test]
async fn a_mailed_reset_link_redirects_with_its_token_and_the_token_sets_a_new_password_once() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let alice = app.sign_up().await;
    let email = alice.email.as_str();
    let response = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": email.to_uppercase(), "redirectTo": "/reset"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, RESET_SENT);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email]);
    assert_eq!(message.from, "no-reply@localhost");
    assert_eq!(message.subject(), "Reset your password");
    assert!(message.data.contains("multipart/alternative"));
    assert!(message.data.contains("text/plain") && message.data.contains("text/html"));
    let link = message.link();
    let token = link
        .strip_prefix("http://localhost:3000/api/auth/reset-password/")
        .and_then(|rest| rest.strip_suffix("?callbackURL=%2Freset"))
        .unwrap_or_else(|| panic!("unexpected link {link}"));
    assert_eq!(token.len(), 24);
    let stored = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM verification WHERE identifier = 'reset-password:{token}'",
            rounded(&seconds_between(
                &app.database_url,
                r#""expiresAt""#,
                &app.now()
            ))
        ),
    );
    assert_eq!(stored.as_deref(), Some("3600"));

    let followed = app.browser().follow(&link).await;
    assert_eq!(followed.status, 302);
    assert_eq!(
        followed.header("location").unwrap(),
        format!("http://localhost:3000/reset?token={token}")
    );
    let reset = app
        .post(
            "/api/auth/reset-password",
            &json!({"newPassword": "brand-new-pass", "token": token}),
        )
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(reset.text, r#"{"status":true}"#);
    assert_eq!(app.sign_in(email, PASSWORD).await.status, 401);
    assert_eq!(app.sign_in(email, "brand-new-pass").await.status, 200);
    let again = app
        .post(
            "/api/auth/reset-password",
            &json!({"newPassword": "another-pass-1", "token": token}),
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.text,
        r#"{"message":"Invalid token","code":"INVALID_TOKEN"}"#
    );
    assert_eq!(
        alice.get("/api/auth/get-session").await.status,
        200,
        "sessions are kept by default"
    );
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let response = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": random_email()}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, RESET_SENT);
    smtp.assert_quiet(0, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn request_password_reset_validates_and_checks_redirect_to() {
    let app = TestApp::spawn().await;
    let bad = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": "nope"}),
        )
        .await;
    assert_eq!(
        bad.text,
        r#"{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": random_email(), "redirectTo": "https://evil.com/r"}),
        )
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(
        evil.text,
        r#"{"message":"Invalid redirectURL","code":"INVALID_REDIRECT_URL"}"#
    );
}

#[tokio::test]
async fn with_email_disabled_reset_password_is_not_enabled() {
    let app = TestApp::spawn_with(|c| c.email.enabled = false).await;
    let response = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": random_email()}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"Reset password isn't enabled","code":"RESET_PASSWORD_DISABLED"}"#
    );
}

#[tokio::test]
async fn the_reset_link_redirects_errors_to_the_callback_or_the_error_page() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    insert_token(&app, "expiredtoken", &alice.id, "-1 minute");
    let cases = [
        (
            "/reset-password/unknown?callbackURL=/reset",
            "http://localhost:3000/reset?error=INVALID_TOKEN",
        ),
        (
            "/reset-password/expiredtoken?callbackURL=http://localhost:3001/r?a=1",
            "http://localhost:3001/r?a=1&error=INVALID_TOKEN",
        ),
        (
            "/reset-password/unknown?callbackURL=",
            "http://localhost:3000/api/auth/error?error=INVALID_TOKEN",
        ),
    ];
    for (path, location) in cases {
        let response = app.get(&format!("/api/auth{path}")).await;
        assert_eq!(response.status, 302, "{path}");
        assert_eq!(
            response.header("location").as_deref(),
            Some(location),
            "{path}"
        );
        assert_eq!(response.text, "");
    }
    let missing = app.get("/api/auth/reset-password/unknown").await;
    assert_eq!(
        missing.text,
        r#"{"message":"[query.callbackURL] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .get("/api/auth/reset-password/unknown?callbackURL=https://evil.com")
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(evil.json()["code"], "INVALID_CALLBACK_URL");
}

#[tokio::test]
async fn reset_password_errors_match_better_auth() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    insert_token(&app, "expiredtoken", &alice.id, "-1 minute");
    insert_token(&app, "orphantoken", "no-such-user", "1 hour");
    insert_token(&app, "goodtoken", &alice.id, "1 hour");
    let cases = [
        (json!({"newPassword": "new-password-1"}), "INVALID_TOKEN"),
        (
            json!({"newPassword": "new-password-1", "token": "unknown"}),
            "INVALID_TOKEN",
        ),
        (
            json!({"newPassword": "new-password-1", "token": "expiredtoken"}),
            "INVALID_TOKEN",
        ),
        (
            json!({"newPassword": "new-password-1", "token": "orphantoken"}),
            "USER_NOT_FOUND",
        ),
        (
            json!({"newPassword": "short", "token": "goodtoken"}),
            "PASSWORD_TOO_SHORT",
        ),
        (
            json!({"newPassword": "x".repeat(129), "token": "goodtoken"}),
            "PASSWORD_TOO_LONG",
        ),
        (json!({"token": "goodtoken"}), "VALIDATION_ERROR"),
    ];
    for (request, code) in cases {
        let response = app.post("/api/auth/reset-password", &request).await;
        assert_eq!(response.status, 400, "{request}");
        assert_eq!(response.json()["code"], code, "{request}");
    }
    // The token may also come in the query string.
    let response = app
        .post(
            "/api/auth/reset-password?token=goodtoken",
            &json!({"newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn revoke_sessions_on_password_reset_deletes_every_session() {
    let app = TestApp::spawn_with(|c| c.flows.revoke_sessions_on_password_reset = true).await;
    let alice = app.sign_up().await;
    insert_token(&app, "goodtoken", &alice.id, "1 hour");
    let response = app
        .post(
            "/api/auth/reset-password",
            &json!({"newPassword": "new-password-1", "token": "goodtoken"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(alice.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn a_reset_gives_a_user_without_a_credential_account_one() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    app.delete_accounts(&alice.id);
    insert_token(&app, "goodtoken", &alice.id, "1 hour");
    let response = app
        .post(
            "/api/auth/reset-password",
            &json!({"newPassword": "new-password-1", "token": "goodtoken"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        app.sign_in(&alice.email, "new-password-1").await.status,
        200
    );
}

#[tokio::test]
async fn verify_password_checks_the_callers_password() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let verify = |password: &str| {
        let body = json!({"password": password});
        let alice = &alice;
        async move { alice.post("/api/auth/verify-password", &body).await }
    };
    let ok = verify(PASSWORD).await;
    assert_eq!(ok.status, 200);
    assert!(ok.cookies().is_empty());
    assert_eq!(ok.text, r#"{"status":true}"#);
    let wrong = verify("password124").await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.text,
        r#"{"message":"Invalid password","code":"INVALID_PASSWORD"}"#
    );
    let long = verify(&"x".repeat(129)).await;
    assert_eq!(long.json()["code"], "PASSWORD_TOO_LONG");
    let missing = alice.post("/api/auth/verify-password", &json!({})).await;
    assert_eq!(missing.json()["code"], "VALIDATION_ERROR");
    let anonymous = app
        .post("/api/auth/verify-password", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(anonymous.status, 401);
    app.delete_accounts(&alice.id);
    let no_account = verify(PASSWORD).await;
    assert_eq!(no_account.json()["code"], "INVALID_PASSWORD");
}

#[tokio::test]
async fn forget_password_is_not_a_route_in_better_auth_1_7() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/auth/forget-password",
            &json!({"email": random_email()}),
        )
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.text, "");
}

#[test]
fn verify_password_is_routable_but_not_documented() {
    let doc = serde_json::to_value(better_auth_actix::routes::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/auth/reset-password/{token}"));
    assert!(paths.contains_key("/api/auth/list-sessions"));
    assert!(!paths.contains_key("/api/auth/verify-password"));
}
