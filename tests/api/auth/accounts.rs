//! `GET /list-accounts` and `POST /unlink-account`.

use crate::helpers as common;

use common::{TestApp, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

/// Gives the user a second, OAuth-style account with tokens and scopes.
fn link_github(app: &TestApp, user_id: &str, id: &str) {
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO account (id, "accountId", "providerId", "userId", "accessToken", "refreshToken", scope, "createdAt", "updatedAt") VALUES ('{id}', 'gh-123', 'github', '{user_id}', 'secret-access', 'secret-refresh', 'read:user, user:email', now() + interval '1 second', now())"#
        ),
    );
}

fn account_count(app: &TestApp, user_id: &str) -> String {
    query_text(
        &app.database_url,
        &format!(r#"SELECT count(*)::text AS value FROM account WHERE "userId" = '{user_id}'"#),
    )
    .unwrap()
}

#[tokio::test]
async fn list_accounts_shows_the_callers_accounts_without_secrets() {
    let app = TestApp::spawn().await;
    let (alice, body) = app.user(&random_email(), "password123").await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    link_github(&app, id, "alicegithub");
    link_github(&app, bob["user"]["id"].as_str().unwrap(), "bobgithub");
    let response = app.get_as(&alice, "/list-accounts").await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    let list: Vec<Value> = response.json().await.unwrap();
    assert_eq!(list.len(), 2, "only the caller's");
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "accountId",
            "providerId",
            "userId",
            "createdAt",
            "updatedAt",
            "id",
            "scopes"
        ]
    );
    assert_eq!(list[0]["providerId"], "credential");
    assert_eq!(list[0]["accountId"], id);
    assert_eq!(list[0]["scopes"], json!([]));
    assert_eq!(list[1]["id"], "alicegithub");
    assert_eq!(list[1]["scopes"], json!(["read:user", "user:email"]));
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("secret-") && !text.contains("password"));
}

#[tokio::test]
async fn list_accounts_needs_a_session() {
    let app = TestApp::spawn().await;
    let response = app.auth_get("/list-accounts").await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Unauthorized","code":"UNAUTHORIZED"}"#
    );
}

#[tokio::test]
async fn the_last_account_cannot_be_unlinked() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let list: Vec<Value> = app.auth_get("/list-accounts").await.json().await.unwrap();
    let response = app
        .auth_post("/unlink-account", &json!({"accountId": list[0]["id"]}))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"You can't unlink your last account","code":"FAILED_TO_UNLINK_LAST_ACCOUNT"}"#
    );
    assert_eq!(
        account_count(&app, body["user"]["id"].as_str().unwrap()),
        "1"
    );
}

#[tokio::test]
async fn unlink_account_removes_one_of_the_callers_accounts_only() {
    let app = TestApp::spawn().await;
    let (alice, body) = app.user(&random_email(), "password123").await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let bob_id = bob["user"]["id"].as_str().unwrap();
    link_github(&app, id, "alicegithub");
    link_github(&app, bob_id, "bobgithub");
    for account_id in ["bobgithub", "nope"] {
        let response = app
            .post_as(&alice, "/unlink-account", &json!({"accountId": account_id}))
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"message":"Account not found","code":"ACCOUNT_NOT_FOUND"}"#
        );
    }
    assert_eq!(account_count(&app, bob_id), "2");
    let response = app
        .post_as(
            &alice,
            "/unlink-account",
            &json!({"accountId": "alicegithub"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    assert_eq!(account_count(&app, id), "1");
}

#[tokio::test]
async fn unlink_account_validates_then_needs_a_fresh_session() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .post_as(&TestApp::new_client(), "/unlink-account", &json!({}))
        .await;
    assert_eq!(anonymous.status(), 400);
    assert_eq!(
        anonymous.text().await.unwrap(),
        r#"{"message":"[body.accountId] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let anonymous = app
        .post_as(
            &TestApp::new_client(),
            "/unlink-account",
            &json!({"accountId": "x"}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
    let body = app.sign_up("A", &random_email(), "password123").await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "createdAt" = now() - interval '2 days' WHERE token = '{token}'"#
        ),
    );
    let stale = app
        .auth_post("/unlink-account", &json!({"accountId": "x"}))
        .await;
    assert_eq!(stale.status(), 403);
    assert_eq!(
        stale.text().await.unwrap(),
        r#"{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}"#
    );
}
