//! `GET /list-sessions`, `POST /revoke-session`, `/revoke-sessions`, `/revoke-other-sessions`,
//! `/update-session`.

use crate::helpers as common;

use common::{TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

const EXPIRED_COOKIES: [&str; 3] = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
];

/// Signs `email` in once more with a fresh client; returns that client and the new token.
async fn sign_in_again(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = TestApp::new_client();
    let response = app
        .post_as(
            &client,
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    (client, body["token"].as_str().unwrap().to_owned())
}

fn session_count(app: &TestApp, user_id: &str) -> String {
    query_text(
        &app.database_url,
        &format!(r#"SELECT count(*)::text AS value FROM session WHERE "userId" = '{user_id}'"#),
    )
    .unwrap()
}

#[tokio::test]
async fn list_sessions_lists_only_the_callers_unexpired_sessions_with_their_tokens() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let (alice, body) = app.user(&email, "password123").await;
    let (_, second) = sign_in_again(&app, &email).await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO session (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress", "userAgent", "userId") VALUES ('old', now() - interval '1 hour', 'expiredtoken', now(), now(), '', '', '{id}')"#
        ),
    );
    let response = app.get_as(&alice, "/list-sessions").await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    let list: Vec<Value> = response.json().await.unwrap();
    let tokens: Vec<&str> = list.iter().map(|s| s["token"].as_str().unwrap()).collect();
    assert_eq!(tokens, [body["token"].as_str().unwrap(), second.as_str()]);
    assert!(!tokens.contains(&bob["token"].as_str().unwrap()));
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "expiresAt",
            "token",
            "createdAt",
            "updatedAt",
            "ipAddress",
            "userAgent",
            "userId",
            "id"
        ]
    );
    assert_eq!(list[0]["userId"], id);
}

#[tokio::test]
async fn list_sessions_works_with_a_bearer_token() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let response = TestApp::new_client()
        .get(app.url("/api/auth/list-sessions"))
        .bearer_auth(body["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_sessions_without_a_session_is_401() {
    let app = TestApp::spawn().await;
    let response = app.auth_get("/list-sessions").await;
    assert_eq!(response.status(), 401);
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Unauthorized","code":"UNAUTHORIZED"}"#
    );
}

#[tokio::test]
async fn list_sessions_with_a_session_older_than_fresh_age_is_403_session_not_fresh() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "createdAt" = now() - interval '25 hours' WHERE token = '{token}'"#
        ),
    );
    let response = app.auth_get("/list-sessions").await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Session is not fresh","code":"SESSION_NOT_FRESH"}"#
    );
}

#[tokio::test]
async fn fresh_age_zero_turns_the_freshness_check_off() {
    let app = TestApp::spawn_with(|c| c.session.fresh_age = std::time::Duration::ZERO).await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "createdAt" = now() - interval '30 days' WHERE token = '{token}'"#
        ),
    );
    assert_eq!(app.auth_get("/list-sessions").await.status(), 200);
}

#[tokio::test]
async fn an_expired_session_gets_401_with_the_cookies_expired_and_its_row_deleted() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "expiresAt" = now() - interval '1 minute' WHERE token = '{token}'"#
        ),
    );
    let response = app.auth_get("/list-accounts").await;
    assert_eq!(response.status(), 401);
    assert_eq!(set_cookies(response.headers()), EXPIRED_COOKIES);
    assert_eq!(
        session_count(&app, body["user"]["id"].as_str().unwrap()),
        "0"
    );
}

#[tokio::test]
async fn a_due_sliding_refresh_happens_in_the_session_check_and_its_cookie_survives_an_error() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "createdAt" = now() - interval '2 days', "expiresAt" = now() + interval '5 days' WHERE token = '{token}'"#
        ),
    );
    let response = app.auth_get("/list-sessions").await;
    assert_eq!(response.status(), 403, "not fresh");
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    assert!(cookies[0].contains("Max-Age=604800"));
    assert!(
        header(response.headers(), "set-auth-token")
            .unwrap()
            .starts_with(token)
    );
    let days = query_text(
        &app.database_url,
        &format!(
            r#"SELECT round(extract(epoch FROM "expiresAt" - now()) / 86400)::text AS value FROM session WHERE token = '{token}'"#
        ),
    );
    assert_eq!(days.as_deref(), Some("7"), "extended by expiresIn");
}

#[tokio::test]
async fn revoke_session_validates_the_body_before_requiring_a_session() {
    let app = TestApp::spawn().await;
    let response = app.auth_post("/revoke-session", &json!({})).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"[body.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let response = app
        .auth_post("/revoke-session", &json!({"token": "x"}))
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn revoke_session_deletes_another_session_of_the_caller_and_keeps_the_cookies() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let (alice, body) = app.user(&email, "password123").await;
    let (other, second) = sign_in_again(&app, &email).await;
    let response = app
        .post_as(&alice, "/revoke-session", &json!({"token": second}))
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    assert_eq!(
        session_count(&app, body["user"]["id"].as_str().unwrap()),
        "1"
    );
    assert_eq!(
        app.get_as(&other, "/get-session")
            .await
            .text()
            .await
            .unwrap(),
        "null"
    );
}

#[tokio::test]
async fn revoke_session_answers_true_but_leaves_another_users_session_alone() {
    let app = TestApp::spawn().await;
    let (alice, _) = app.user(&random_email(), "password123").await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let bob_token = bob["token"].as_str().unwrap();
    for token in [bob_token, "no-such-token"] {
        let response = app
            .post_as(&alice, "/revoke-session", &json!({"token": token}))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    }
    assert_eq!(
        session_count(&app, bob["user"]["id"].as_str().unwrap()),
        "1"
    );
}

#[tokio::test]
async fn revoking_the_current_session_expires_the_cookies() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("A", &random_email(), "password123").await;
    let response = app
        .auth_post("/revoke-session", &json!({"token": body["token"]}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(set_cookies(response.headers()), EXPIRED_COOKIES);
    assert_eq!(
        app.auth_get("/get-session").await.text().await.unwrap(),
        "null"
    );
}

#[tokio::test]
async fn revoke_sessions_deletes_every_session_of_the_caller_only() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let (alice, body) = app.user(&email, "password123").await;
    sign_in_again(&app, &email).await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    let response = app.post_as(&alice, "/revoke-sessions", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(set_cookies(response.headers()), EXPIRED_COOKIES);
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    assert_eq!(
        session_count(&app, body["user"]["id"].as_str().unwrap()),
        "0"
    );
    assert_eq!(
        session_count(&app, bob["user"]["id"].as_str().unwrap()),
        "1"
    );
    let again = app.post_as(&alice, "/revoke-sessions", &json!({})).await;
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn revoke_other_sessions_keeps_only_the_current_one() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let (alice, body) = app.user(&email, "password123").await;
    sign_in_again(&app, &email).await;
    sign_in_again(&app, &email).await;
    let (_, bob) = app.user(&random_email(), "password123").await;
    // No body at all is fine, as the client sends it.
    let response = alice
        .post(app.url("/api/auth/revoke-other-sessions"))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    let id = body["user"]["id"].as_str().unwrap();
    assert_eq!(session_count(&app, id), "1");
    assert_eq!(
        session_count(&app, bob["user"]["id"].as_str().unwrap()),
        "1"
    );
    assert_eq!(
        app.get_as(&alice, "/get-session")
            .await
            .json::<Value>()
            .await
            .unwrap()["session"]["token"],
        body["token"]
    );
}

#[tokio::test]
async fn revoke_routes_with_a_cookie_but_no_origin_are_403() {
    let app = TestApp::spawn().await;
    app.sign_up("A", &random_email(), "password123").await;
    for path in ["/revoke-sessions", "/revoke-other-sessions"] {
        let response = app
            .client
            .post(app.url(&format!("/api/auth{path}")))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "MISSING_OR_NULL_ORIGIN"
        );
    }
}

#[tokio::test]
async fn update_session_has_no_fields_to_update() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .post_as(&TestApp::new_client(), "/update-session", &json!({}))
        .await;
    assert_eq!(anonymous.status(), 401);
    app.sign_up("A", &random_email(), "password123").await;
    let response = app
        .auth_post(
            "/update-session",
            &json!({"expiresAt": "2099-01-01", "token": "x"}),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"No fields to update"}"#
    );
    let array = app.auth_post("/update-session", &json!([1])).await;
    assert_eq!(
        array.text().await.unwrap(),
        r#"{"message":"[body] Invalid input: expected record, received array","code":"VALIDATION_ERROR"}"#
    );
}
