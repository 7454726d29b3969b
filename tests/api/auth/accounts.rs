//! `GET /list-accounts` and `POST /unlink-account`.

use serde_json::json;

use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{TestApp, TestUser, sql};

/// Gives the user a second, OAuth-style account with tokens and scopes.
fn link_github(app: &TestApp, user: &TestUser, id: &str) {
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO account (id, "accountId", "providerId", "userId", "accessToken", "refreshToken", scope, "createdAt", "updatedAt") VALUES ('{id}', 'gh-123', 'github', '{}', 'secret-access', 'secret-refresh', 'read:user, user:email', {}, {})"#,
            user.id,
            app.at("1 second"),
            app.now()
        ),
    );
}

fn account_count(app: &TestApp, user: &TestUser) -> i64 {
    app.count(&format!(r#"account WHERE "userId" = '{}'"#, user.id))
}

#[tokio::test]
async fn list_accounts_shows_the_callers_accounts_without_secrets() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    link_github(&app, &alice, "alicegithub");
    link_github(&app, &bob, "bobgithub");
    let response = alice.get("/api/auth/list-accounts").await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    // Only the caller's two accounts: no secrets, scopes split into a list.
    let list = response.json();
    assert_json_shape!(list, @r#"
    [
      {
        "accountId": "[id]",
        "providerId": "credential",
        "userId": "[id]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]",
        "scopes": []
      },
      {
        "accountId": "gh-123",
        "providerId": "github",
        "userId": "[id]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "alicegithub",
        "scopes": [
          "read:user",
          "user:email"
        ]
      }
    ]
    "#);
    assert_eq!(list[0]["accountId"], alice.id.as_str());
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["userId"] == alice.id.as_str())
    );
    assert!(!response.text.contains("secret-") && !response.text.contains("password"));
}

#[tokio::test]
async fn list_accounts_needs_a_session() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/auth/list-accounts").await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.text,
        r#"{"message":"Unauthorized","code":"UNAUTHORIZED"}"#
    );
}

#[tokio::test]
async fn the_last_account_cannot_be_unlinked() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let list = alice.get("/api/auth/list-accounts").await.json();
    let response = alice
        .post(
            "/api/auth/unlink-account",
            &json!({"accountId": list[0]["id"]}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"You can't unlink your last account","code":"FAILED_TO_UNLINK_LAST_ACCOUNT"}"#
    );
    assert_eq!(account_count(&app, &alice), 1);
}

#[tokio::test]
async fn unlink_account_removes_one_of_the_callers_accounts_only() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    link_github(&app, &alice, "alicegithub");
    link_github(&app, &bob, "bobgithub");
    for account_id in ["bobgithub", "nope"] {
        let response = alice
            .post(
                "/api/auth/unlink-account",
                &json!({"accountId": account_id}),
            )
            .await;
        assert_eq!(response.status, 400);
        assert_eq!(
            response.text,
            r#"{"message":"Account not found","code":"ACCOUNT_NOT_FOUND"}"#
        );
    }
    assert_eq!(account_count(&app, &bob), 2);
    let response = alice
        .post(
            "/api/auth/unlink-account",
            &json!({"accountId": "alicegithub"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, r#"{"status":true}"#);
    assert_eq!(account_count(&app, &alice), 1);
}

#[tokio::test]
async fn unlink_account_validates_then_needs_a_fresh_session() {
    let app = TestApp::spawn().await;
    let anonymous = app.post("/api/auth/unlink-account", &json!({})).await;
    assert_eq!(anonymous.status, 400);
    assert_eq!(
        anonymous.text,
        r#"{"message":"[body.accountId] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let anonymous = app
        .post("/api/auth/unlink-account", &json!({"accountId": "x"}))
        .await;
    assert_eq!(anonymous.status, 401);
    let alice = app.sign_up().await;
    app.update_session(
        &alice.token,
        &format!(r#""createdAt" = {}"#, app.at("-2 days")),
    );
    let stale = alice
        .post("/api/auth/unlink-account", &json!({"accountId": "x"}))
        .await;
    assert_eq!(stale.status, 403);
    assert_eq!(
        stale.text,
        r#"{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}"#
    );
}
