//! `GET /list-sessions`, `POST /revoke-session`, `/revoke-sessions`, `/revoke-other-sessions`,
//! `/update-session`.

use reqwest::Method;
use serde_json::json;

use super::EXPIRED_COOKIES;
use crate::helpers::database::{rounded, seconds_between};
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{Fetch as _, ORIGIN, TestApp, TestUser, query_text, sql};

fn session_count(app: &TestApp, user: &TestUser) -> i64 {
    app.count(&format!(r#"session WHERE "userId" = '{}'"#, user.id))
}

#[tokio::test]
async fn list_sessions_lists_only_the_callers_unexpired_sessions_with_their_tokens() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let bob = app.sign_up().await;
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO session (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress", "userAgent", "userId") VALUES ('old', {}, 'expiredtoken', {now}, {now}, '', '', '{}')"#,
            app.at("-1 hour"),
            alice.id,
            now = app.now()
        ),
    );
    let response = alice.get("/api/auth/list-sessions").await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    let list = response.json();
    assert_json_shape!(list, @r#"
    [
      {
        "expiresAt": "[date]",
        "token": "[token]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "ipAddress": "",
        "userAgent": "",
        "userId": "[id]",
        "id": "[id]"
      },
      {
        "expiresAt": "[date]",
        "token": "[token]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "ipAddress": "",
        "userAgent": "",
        "userId": "[id]",
        "id": "[id]"
      }
    ]
    "#);
    let list = list.as_array().unwrap();
    let tokens: Vec<&str> = list.iter().map(|s| s["token"].as_str().unwrap()).collect();
    assert_eq!(tokens, [alice.token.as_str(), second.token.as_str()]);
    assert!(!tokens.contains(&bob.token.as_str()));
    assert!(list.iter().all(|s| s["userId"] == alice.id.as_str()));
}

#[tokio::test]
async fn list_sessions_works_with_a_bearer_token() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = app
        .send(Method::GET, "/api/auth/list-sessions", &alice.token, None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_sessions_without_a_session_is_401() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/auth/list-sessions").await;
    assert_eq!(response.status, 401);
    assert!(response.cookies().is_empty());
    assert_eq!(
        response.text,
        r#"{"message":"Unauthorized","code":"UNAUTHORIZED"}"#
    );
}

#[tokio::test]
async fn list_sessions_with_a_session_older_than_fresh_age_is_403_session_not_fresh() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    app.update_session(
        &alice.token,
        &format!(r#""createdAt" = {}"#, app.at("-25 hours")),
    );
    let response = alice.get("/api/auth/list-sessions").await;
    assert_eq!(response.status, 403);
    assert_eq!(
        response.text,
        r#"{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}"#
    );
}

#[tokio::test]
async fn fresh_age_zero_turns_the_freshness_check_off() {
    let app = TestApp::spawn_with(|c| c.session.fresh_age = std::time::Duration::ZERO).await;
    let alice = app.sign_up().await;
    app.update_session(
        &alice.token,
        &format!(r#""createdAt" = {}"#, app.at("-30 days")),
    );
    assert_eq!(alice.get("/api/auth/list-sessions").await.status, 200);
}

#[tokio::test]
async fn an_expired_session_gets_401_with_the_cookies_expired_and_its_row_deleted() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    app.update_session(
        &alice.token,
        &format!(r#""expiresAt" = {}"#, app.at("-1 minute")),
    );
    let response = alice.get("/api/auth/list-accounts").await;
    assert_eq!(response.status, 401);
    assert_eq!(response.cookies(), EXPIRED_COOKIES);
    assert_eq!(session_count(&app, &alice), 0);
}

#[tokio::test]
async fn a_due_sliding_refresh_happens_in_the_session_check_and_its_cookie_survives_an_error() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let token = &alice.token;
    app.update_session(
        token,
        &format!(
            r#""createdAt" = {}, "expiresAt" = {}"#,
            app.at("-2 days"),
            app.at("5 days")
        ),
    );
    let response = alice.get("/api/auth/list-sessions").await;
    assert_eq!(response.status, 403, "not fresh");
    let cookies = response.cookies();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    assert!(cookies[0].contains("Max-Age=604800"));
    assert!(
        response
            .header("set-auth-token")
            .unwrap()
            .starts_with(token.as_str())
    );
    let days = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM session WHERE token = '{token}'",
            rounded(&format!(
                "{} / 86400",
                seconds_between(&app.database_url, r#""expiresAt""#, &app.now())
            ))
        ),
    );
    assert_eq!(days.as_deref(), Some("7"), "extended by expiresIn");
}

#[tokio::test]
async fn revoke_session_validates_the_body_before_requiring_a_session() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/auth/revoke-session", &json!({})).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"[body.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let response = app
        .post("/api/auth/revoke-session", &json!({"token": "x"}))
        .await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn revoke_session_deletes_another_session_of_the_caller_and_keeps_the_cookies() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let other = app.sign_in_again(&alice).await;
    let response = alice
        .post("/api/auth/revoke-session", &json!({"token": other.token}))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    assert_eq!(response.text, r#"{"status":true}"#);
    assert_eq!(session_count(&app, &alice), 1);
    assert_eq!(other.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn revoke_session_answers_true_but_leaves_another_users_session_alone() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    for token in [bob.token.as_str(), "no-such-token"] {
        let response = alice
            .post("/api/auth/revoke-session", &json!({"token": token}))
            .await;
        assert_eq!(response.status, 200);
        assert_eq!(response.text, r#"{"status":true}"#);
    }
    assert_eq!(session_count(&app, &bob), 1);
}

#[tokio::test]
async fn revoking_the_current_session_expires_the_cookies() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice
        .post("/api/auth/revoke-session", &json!({"token": alice.token}))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.cookies(), EXPIRED_COOKIES);
    assert_eq!(alice.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn revoke_sessions_deletes_every_session_of_the_caller_only() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    app.sign_in_again(&alice).await;
    let bob = app.sign_up().await;
    let response = alice.post("/api/auth/revoke-sessions", &json!({})).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.cookies(), EXPIRED_COOKIES);
    assert_eq!(response.text, r#"{"status":true}"#);
    assert_eq!(session_count(&app, &alice), 0);
    assert_eq!(session_count(&app, &bob), 1);
    let again = alice.post("/api/auth/revoke-sessions", &json!({})).await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn revoke_other_sessions_keeps_only_the_current_one() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    app.sign_in_again(&alice).await;
    app.sign_in_again(&alice).await;
    let bob = app.sign_up().await;
    // No body at all is fine, as the client sends it.
    let response = alice
        .request(Method::POST, "/api/auth/revoke-other-sessions")
        .header("origin", ORIGIN)
        .fetch()
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    assert_eq!(response.text, r#"{"status":true}"#);
    assert_eq!(session_count(&app, &alice), 1);
    assert_eq!(session_count(&app, &bob), 1);
    assert_eq!(
        alice.get("/api/auth/get-session").await.json()["session"]["token"],
        alice.token.as_str()
    );
}

#[tokio::test]
async fn revoke_routes_with_a_cookie_but_no_origin_are_403() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    for path in [
        "/api/auth/revoke-sessions",
        "/api/auth/revoke-other-sessions",
    ] {
        let response = alice
            .request(Method::POST, path)
            .json(&json!({}))
            .fetch()
            .await;
        assert_eq!(response.status, 403, "{path}");
        assert_eq!(response.json()["code"], "MISSING_OR_NULL_ORIGIN");
    }
}

#[tokio::test]
async fn update_session_has_no_fields_to_update() {
    let app = TestApp::spawn().await;
    let anonymous = app.post("/api/auth/update-session", &json!({})).await;
    assert_eq!(anonymous.status, 401);
    let alice = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/update-session",
            &json!({"expiresAt": "2099-01-01", "token": "x"}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.text, r#"{"message":"No fields to update"}"#);
    let array = alice.post("/api/auth/update-session", &json!([1])).await;
    assert_eq!(
        array.text,
        r#"{"message":"[body] Invalid input: expected record, received array","code":"VALIDATION_ERROR"}"#
    );
}
