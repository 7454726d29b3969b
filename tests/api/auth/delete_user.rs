//! `POST /delete-user` and `GET /delete-user/callback`, end to end through a real SMTP listener.

use crate::helpers as common;

use better_auth_actix::config::Config;
use common::{TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

const EXPIRED_COOKIES: [&str; 3] = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
];
const DELETED: &str = r#"{"success":true,"message":"User deleted"}"#;

fn enabled(c: &mut Config) {
    c.flows.delete_user_enabled = true;
}

fn rows(app: &TestApp, table: &str, user_id: &str) -> String {
    let column = if table == "\"user\"" {
        "id"
    } else {
        "\"userId\""
    };
    query_text(
        &app.database_url,
        &format!("SELECT count(*)::text AS value FROM {table} WHERE {column} = '{user_id}'"),
    )
    .unwrap()
}

fn make_stale(app: &TestApp, token: &str) {
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "createdAt" = now() - interval '25 hours' WHERE token = '{token}'"#
        ),
    );
}

fn insert_delete_token(app: &TestApp, token: &str, user_id: &str) {
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO verification (id, identifier, value, "expiresAt", "createdAt", "updatedAt") VALUES ('d-{token}', 'delete-account-{token}', '{user_id}', now() + interval '1 day', now(), now())"#
        ),
    );
}

#[tokio::test]
async fn delete_user_is_disabled_by_default_with_an_empty_404_after_the_session_check() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .post_as(&TestApp::new_client(), "/delete-user", &json!({}))
        .await;
    assert_eq!(anonymous.status(), 401);
    app.sign_up("A", &random_email(), "password123").await;
    let response = app.auth_post("/delete-user", &json!({})).await;
    assert_eq!(response.status(), 404);
    // Better Auth's `APIError.fromStatus("NOT_FOUND")`: JSON content type, empty body.
    assert_eq!(
        header(response.headers(), "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_fresh_session_deletes_the_user_with_its_sessions_and_accounts() {
    let app = TestApp::spawn_with(enabled).await;
    let (alice, body) = app.user(&random_email(), "password123").await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let response = app.post_as(&alice, "/delete-user", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(set_cookies(response.headers()), EXPIRED_COOKIES);
    assert_eq!(response.text().await.unwrap(), DELETED);
    let id = body["user"]["id"].as_str().unwrap();
    for table in ["\"user\"", "session", "account"] {
        assert_eq!(rows(&app, table, id), "0", "{table}");
    }
    assert_eq!(
        rows(&app, "\"user\"", bob["user"]["id"].as_str().unwrap()),
        "1"
    );
}

#[tokio::test]
async fn a_stale_session_needs_the_password() {
    let app = TestApp::spawn_with(enabled).await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    make_stale(&app, body["token"].as_str().unwrap());
    let response = app.auth_post("/delete-user", &json!({})).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Session expired. Re-authenticate to perform this action.","code":"SESSION_EXPIRED"}"#
    );
    let cases = [
        (json!({"password": "wrong-password"}), "INVALID_PASSWORD"),
        (json!({"password": "x".repeat(129)}), "PASSWORD_TOO_LONG"),
        (json!({"password": 5}), "VALIDATION_ERROR"),
    ];
    for (request, code) in cases {
        let response = app.auth_post("/delete-user", &request).await;
        assert_eq!(response.status(), 400, "{request}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            code,
            "{request}"
        );
    }
    let response = app
        .auth_post("/delete-user", &json!({"password": "password123"}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        rows(&app, "\"user\"", body["user"]["id"].as_str().unwrap()),
        "0"
    );
}

#[tokio::test]
async fn a_password_without_a_credential_account_is_refused() {
    let app = TestApp::spawn_with(enabled).await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(r#"DELETE FROM account WHERE "userId" = '{id}'"#),
    );
    let response = app
        .auth_post("/delete-user", &json!({"password": "password123"}))
        .await;
    assert_eq!(
        response.text().await.unwrap(),
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
    let email = random_email();
    let (client, body) = app.user(&email, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let response = app
        .post_as(&client, "/delete-user", &json!({"callbackURL": "/bye"}))
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"success":true,"message":"Verification email sent"}"#
    );
    assert_eq!(rows(&app, "\"user\"", id), "1", "not yet");
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email]);
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
            r#"SELECT round(extract(epoch FROM "expiresAt" - now()))::text AS value FROM verification WHERE identifier = 'delete-account-{token}' AND value = '{id}'"#
        ),
    );
    assert_eq!(lifetime.as_deref(), Some("86400"));

    let followed = app.follow(&client, &link).await;
    assert_eq!(followed.status(), 302);
    assert_eq!(
        header(followed.headers(), "location").as_deref(),
        Some("/bye")
    );
    assert_eq!(set_cookies(followed.headers()), EXPIRED_COOKIES);
    assert_eq!(rows(&app, "\"user\"", id), "0");
}

#[tokio::test]
async fn the_callback_needs_the_same_users_session() {
    let app = TestApp::spawn_with(enabled).await;
    let (alice, body) = app.user(&random_email(), "password123").await;
    let (bob, _) = app.user(&random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    insert_delete_token(&app, "alicetoken", id);
    let anonymous = app
        .get_as(
            &TestApp::new_client(),
            "/delete-user/callback?token=alicetoken",
        )
        .await;
    assert_eq!(anonymous.status(), 404);
    assert_eq!(
        anonymous.text().await.unwrap(),
        r#"{"message":"Failed to get user info","code":"FAILED_TO_GET_USER_INFO"}"#
    );
    let other = app
        .get_as(&bob, "/delete-user/callback?token=alicetoken")
        .await;
    assert_eq!(other.status(), 404);
    assert_eq!(
        other.text().await.unwrap(),
        r#"{"message":"Invalid token","code":"INVALID_TOKEN"}"#
    );
    assert_eq!(
        rows(&app, "\"user\"", id),
        "1",
        "another user's token deletes nobody"
    );
    insert_delete_token(&app, "secondtoken", id);
    let own = app
        .get_as(&alice, "/delete-user/callback?token=secondtoken")
        .await;
    assert_eq!(own.status(), 200);
    assert_eq!(set_cookies(own.headers()), EXPIRED_COOKIES);
    assert_eq!(own.text().await.unwrap(), DELETED);
    assert_eq!(rows(&app, "\"user\"", id), "0");
}

#[tokio::test]
async fn the_callback_validates_its_query_and_origin_and_obeys_the_switch() {
    let app = TestApp::spawn_with(enabled).await;
    let client = TestApp::new_client();
    let missing = app.get_as(&client, "/delete-user/callback").await;
    assert_eq!(
        missing.text().await.unwrap(),
        r#"{"message":"[query.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .get_as(
            &client,
            "/delete-user/callback?token=x&callbackURL=https://evil.com",
        )
        .await;
    assert_eq!(evil.status(), 403);
    assert_eq!(
        evil.json::<Value>().await.unwrap()["code"],
        "INVALID_CALLBACK_URL"
    );
    let disabled = TestApp::spawn().await;
    let response = disabled
        .get_as(&client, "/delete-user/callback?token=x")
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Not found","code":"NOT_FOUND"}"#
    );
}

#[tokio::test]
async fn a_token_in_the_body_deletes_only_when_it_was_issued_to_the_caller() {
    let app = TestApp::spawn_with(enabled).await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let wrong = app
        .auth_post("/delete-user", &json!({"token": "unknown"}))
        .await;
    assert_eq!(wrong.status(), 404);
    assert_eq!(
        wrong.text().await.unwrap(),
        r#"{"message":"Invalid token","code":"INVALID_TOKEN"}"#
    );
    insert_delete_token(&app, "goodtoken", id);
    let response = app
        .auth_post("/delete-user", &json!({"token": "goodtoken"}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), DELETED);
    assert_eq!(rows(&app, "\"user\"", id), "0");
}
