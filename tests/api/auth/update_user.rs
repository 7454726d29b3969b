//! `POST /update-user` and `POST /change-password`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::database::{bool_text, user_column_text};
use crate::helpers::{Fetch as _, PASSWORD, TestApp, query_text, random_email, sql};

fn user_column(app: &TestApp, id: &str, column: &str) -> Option<String> {
    query_text(
        &app.database_url,
        &format!(
            r#"SELECT {} AS value FROM "user" WHERE id = '{id}'"#,
            user_column_text(column)
        ),
    )
}

#[tokio::test]
async fn update_user_sets_name_and_image_answers_status_and_re_sets_the_cookie() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let (id, token) = (alice.id.as_str(), alice.token.as_str());
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE "user" SET "updatedAt" = {} WHERE id = '{id}'"#,
            app.at("-1 hour")
        ),
    );
    let response = alice
        .post(
            "/api/auth/update-user",
            &json!({"name": "Alicia", "image": "http://img/a.png", "emailVerified": true, "id": "x"}),
        )
        .await;
    assert_eq!(response.status, 200);
    let cookies = response.cookies();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    assert!(cookies[0].ends_with("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"));
    assert!(
        response
            .header("set-auth-token")
            .unwrap()
            .starts_with(token)
    );
    assert_eq!(response.text, r#"{"status":true}"#);
    assert_eq!(user_column(&app, id, "name").as_deref(), Some("Alicia"));
    assert_eq!(
        user_column(&app, id, "image").as_deref(),
        Some("http://img/a.png")
    );
    assert_eq!(
        user_column(&app, id, "emailVerified").as_deref(),
        Some("false"),
        "core fields are ignored"
    );
    let fresh = query_text(
        &app.database_url,
        &format!(
            r#"SELECT {} AS value FROM "user" WHERE id = '{id}'"#,
            bool_text(&format!(r#""updatedAt" > {}"#, app.at("-1 minute")))
        ),
    );
    assert_eq!(fresh.as_deref(), Some("true"), "updatedAt bumped");
    let null_image = alice
        .post("/api/auth/update-user", &json!({"image": null}))
        .await;
    assert_eq!(null_image.status, 200);
    assert_eq!(user_column(&app, id, "image"), None);
    // As node-postgres would store them.
    let number = alice
        .post("/api/auth/update-user", &json!({"name": 5, "image": true}))
        .await;
    assert_eq!(number.status, 200);
    assert_eq!(user_column(&app, id, "name").as_deref(), Some("5"));
    assert_eq!(user_column(&app, id, "image").as_deref(), Some("true"));
}

#[tokio::test]
async fn update_user_refuses_email_and_empty_updates() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let email = alice
        .post(
            "/api/auth/update-user",
            &json!({"email": "new@example.com"}),
        )
        .await;
    assert_eq!(email.status, 400);
    assert_eq!(
        email.text,
        r#"{"message":"Email can not be updated","code":"EMAIL_CAN_NOT_BE_UPDATED"}"#
    );
    for body in [json!({}), json!({"unknown": 1}), json!({"email": ""})] {
        let response = alice.post("/api/auth/update-user", &body).await;
        assert_eq!(response.status, 400, "{body}");
        assert!(response.cookies().is_empty());
        assert_eq!(response.text, r#"{"message":"No fields to update"}"#);
    }
    let array = alice.post("/api/auth/update-user", &json!(["x"])).await;
    assert_eq!(
        array.text,
        r#"{"message":"[body] Invalid input: expected record, received array","code":"VALIDATION_ERROR"}"#
    );
    for body in [
        json!({"name": null}),
        json!({"name": ["x"]}),
        json!({"image": {}}),
    ] {
        let response = alice.post("/api/auth/update-user", &body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.json()["code"], "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn update_user_needs_a_session_after_validation() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/api/auth/update-user", &json!({"name": "x"}))
        .await;
    assert_eq!(response.status, 401);
    let no_body = app
        .request(Method::POST, "/api/auth/update-user")
        .fetch()
        .await;
    assert_eq!(
        no_body.text,
        r#"{"message":"[body] Invalid input: expected record, received undefined","code":"VALIDATION_ERROR"}"#
    );
}

#[tokio::test]
async fn update_user_with_a_remembered_off_session_keeps_it_a_browser_session() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser
        .post(
            "/api/auth/sign-up/email",
            &json!({"name": "A", "email": random_email(), "password": "password123", "rememberMe": false}),
        )
        .await;
    let response = browser
        .post("/api/auth/update-user", &json!({"name": "B"}))
        .await;
    let cookies = response.cookies();
    assert_eq!(cookies.len(), 2);
    assert!(!cookies[0].contains("Max-Age"));
    assert!(cookies[1].starts_with("better-auth.dont_remember=true."));
}

#[tokio::test]
async fn change_password_changes_it_and_keeps_sessions() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": PASSWORD, "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    assert_eq!(
        response.json(),
        json!({"token": null, "user": alice.signed_up["user"]})
    );
    assert_eq!(app.sign_in(&alice.email, PASSWORD).await.status, 401);
    assert_eq!(
        app.sign_in(&alice.email, "new-password-1").await.status,
        200
    );
    assert_eq!(
        alice.get("/api/auth/get-session").await.json()["session"]["token"],
        alice.token.as_str()
    );
}

#[tokio::test]
async fn change_password_with_revoke_other_sessions_replaces_every_session() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let other = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": PASSWORD, "newPassword": "new-password-1", "revokeOtherSessions": true}),
        )
        .await;
    assert_eq!(response.status, 200);
    let cookies = response.cookies();
    let answer = response.json();
    let token = answer["token"].as_str().unwrap();
    assert_ne!(token, alice.token);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    let id = &alice.id;
    let tokens = query_text(
        &app.database_url,
        &format!(r#"SELECT string_agg(token, ',') AS value FROM session WHERE "userId" = '{id}'"#),
    );
    assert_eq!(tokens.as_deref(), Some(token));
    assert_eq!(
        other.get("/api/auth/get-session").await.status,
        200,
        "other users keep theirs"
    );
}

#[tokio::test]
async fn change_password_errors_match_better_auth() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let cases = [
        (
            json!({"currentPassword": "password123"}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"currentPassword": "password123", "newPassword": "short"}),
            "PASSWORD_TOO_SHORT",
        ),
        (
            json!({"currentPassword": "password123", "newPassword": "x".repeat(129)}),
            "PASSWORD_TOO_LONG",
        ),
        (
            json!({"currentPassword": "x".repeat(129), "newPassword": "new-password-1"}),
            "PASSWORD_TOO_LONG",
        ),
        (
            json!({"currentPassword": "wrong-password", "newPassword": "new-password-1"}),
            "INVALID_PASSWORD",
        ),
        (
            json!({"currentPassword": "password123", "newPassword": "new-password-1", "revokeOtherSessions": "yes"}),
            "VALIDATION_ERROR",
        ),
    ];
    for (request, code) in cases {
        let response = alice.post("/api/auth/change-password", &request).await;
        assert_eq!(response.status, 400, "{request}");
        assert_eq!(response.json()["code"], code, "{request}");
    }
    let wrong = alice
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": "wrong-password", "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(
        wrong.text,
        r#"{"message":"Invalid password","code":"INVALID_PASSWORD"}"#
    );
    app.delete_accounts(&alice.id);
    let response = alice
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": PASSWORD, "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(
        response.text,
        r#"{"message":"Credential account not found","code":"CREDENTIAL_ACCOUNT_NOT_FOUND"}"#
    );
    let anonymous = app
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": "a", "newPassword": "b"}),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}
