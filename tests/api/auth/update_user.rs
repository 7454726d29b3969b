//! `POST /update-user` and `POST /change-password`.

use crate::helpers as common;

use common::{TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

fn user_column(app: &TestApp, id: &str, column: &str) -> Option<String> {
    query_text(
        &app.database_url,
        &format!(r#"SELECT "{column}"::text AS value FROM "user" WHERE id = '{id}'"#),
    )
}

#[tokio::test]
async fn update_user_sets_name_and_image_answers_status_and_re_sets_the_cookie() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("Alice", &random_email(), "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(r#"UPDATE "user" SET "updatedAt" = now() - interval '1 hour' WHERE id = '{id}'"#),
    );
    let response = app
        .auth_post(
            "/update-user",
            &json!({"name": "Alicia", "image": "http://img/a.png", "emailVerified": true, "id": "x"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    assert!(cookies[0].ends_with("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"));
    assert!(
        header(response.headers(), "set-auth-token")
            .unwrap()
            .starts_with(token)
    );
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
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
            r#"SELECT ("updatedAt" > now() - interval '1 minute')::text AS value FROM "user" WHERE id = '{id}'"#
        ),
    );
    assert_eq!(fresh.as_deref(), Some("true"), "updatedAt bumped");
    let null_image = app.auth_post("/update-user", &json!({"image": null})).await;
    assert_eq!(null_image.status(), 200);
    assert_eq!(user_column(&app, id, "image"), None);
    // As node-postgres would store them.
    let number = app
        .auth_post("/update-user", &json!({"name": 5, "image": true}))
        .await;
    assert_eq!(number.status(), 200);
    assert_eq!(user_column(&app, id, "name").as_deref(), Some("5"));
    assert_eq!(user_column(&app, id, "image").as_deref(), Some("true"));
}

#[tokio::test]
async fn update_user_refuses_email_and_empty_updates() {
    let app = TestApp::spawn().await;
    app.sign_up("Alice", &random_email(), "password123").await;
    let email = app
        .auth_post("/update-user", &json!({"email": "new@example.com"}))
        .await;
    assert_eq!(email.status(), 400);
    assert_eq!(
        email.text().await.unwrap(),
        r#"{"message":"Email can not be updated","code":"EMAIL_CAN_NOT_BE_UPDATED"}"#
    );
    for body in [json!({}), json!({"unknown": 1}), json!({"email": ""})] {
        let response = app.auth_post("/update-user", &body).await;
        assert_eq!(response.status(), 400, "{body}");
        assert!(set_cookies(response.headers()).is_empty());
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"message":"No fields to update"}"#
        );
    }
    let array = app.auth_post("/update-user", &json!(["x"])).await;
    assert_eq!(
        array.text().await.unwrap(),
        r#"{"message":"[body] Invalid input: expected record, received array","code":"VALIDATION_ERROR"}"#
    );
    for body in [
        json!({"name": null}),
        json!({"name": ["x"]}),
        json!({"image": {}}),
    ] {
        let response = app.auth_post("/update-user", &body).await;
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "VALIDATION_ERROR"
        );
    }
}

#[tokio::test]
async fn update_user_needs_a_session_after_validation() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let response = app
        .post_as(&client, "/update-user", &json!({"name": "x"}))
        .await;
    assert_eq!(response.status(), 401);
    let no_body = client
        .post(app.url("/api/auth/update-user"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_body.text().await.unwrap(),
        r#"{"message":"[body] Invalid input: expected record, received undefined","code":"VALIDATION_ERROR"}"#
    );
}

#[tokio::test]
async fn update_user_with_a_remembered_off_session_keeps_it_a_browser_session() {
    let app = TestApp::spawn().await;
    app.auth_post(
        "/sign-up/email",
        &json!({"name": "A", "email": random_email(), "password": "password123", "rememberMe": false}),
    )
    .await;
    let response = app.auth_post("/update-user", &json!({"name": "B"})).await;
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 2);
    assert!(!cookies[0].contains("Max-Age"));
    assert!(cookies[1].starts_with("better-auth.dont_remember=true."));
}

#[tokio::test]
async fn change_password_changes_it_and_keeps_sessions() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let body = app.sign_up("Alice", &email, "password123").await;
    let response = app
        .auth_post(
            "/change-password",
            &json!({"currentPassword": "password123", "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer, json!({"token": null, "user": body["user"]}));
    let old = app
        .post_as(
            &TestApp::new_client(),
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .post_as(
            &TestApp::new_client(),
            "/sign-in/email",
            &json!({"email": email, "password": "new-password-1"}),
        )
        .await;
    assert_eq!(new.status(), 200);
    assert_eq!(
        app.auth_get("/get-session")
            .await
            .json::<Value>()
            .await
            .unwrap()["session"]["token"],
        body["token"]
    );
}

#[tokio::test]
async fn change_password_with_revoke_other_sessions_replaces_every_session() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let (alice, body) = app.user(&email, "password123").await;
    let (other, _) = app.user(&random_email(), "password123").await;
    let response = app
        .post_as(
            &alice,
            "/change-password",
            &json!({"currentPassword": "password123", "newPassword": "new-password-1", "revokeOtherSessions": true}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(response.headers());
    let answer: Value = response.json().await.unwrap();
    let token = answer["token"].as_str().unwrap();
    assert_ne!(token, body["token"].as_str().unwrap());
    assert!(cookies[0].starts_with(&format!("better-auth.session_token={token}.")));
    let id = body["user"]["id"].as_str().unwrap();
    let tokens = query_text(
        &app.database_url,
        &format!(r#"SELECT string_agg(token, ',') AS value FROM session WHERE "userId" = '{id}'"#),
    );
    assert_eq!(tokens.as_deref(), Some(token));
    assert_eq!(
        app.get_as(&other, "/get-session").await.status(),
        200,
        "other users keep theirs"
    );
}

#[tokio::test]
async fn change_password_errors_match_better_auth() {
    let app = TestApp::spawn().await;
    let body = app.sign_up("Alice", &random_email(), "password123").await;
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
        let response = app.auth_post("/change-password", &request).await;
        assert_eq!(response.status(), 400, "{request}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            code,
            "{request}"
        );
    }
    let wrong = app
        .auth_post(
            "/change-password",
            &json!({"currentPassword": "wrong-password", "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(
        wrong.text().await.unwrap(),
        r#"{"message":"Invalid password","code":"INVALID_PASSWORD"}"#
    );
    let id = body["user"]["id"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(r#"DELETE FROM account WHERE "userId" = '{id}'"#),
    );
    let response = app
        .auth_post(
            "/change-password",
            &json!({"currentPassword": "password123", "newPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Credential account not found","code":"CREDENTIAL_ACCOUNT_NOT_FOUND"}"#
    );
    let anonymous = app
        .post_as(
            &TestApp::new_client(),
            "/change-password",
            &json!({"currentPassword": "a", "newPassword": "b"}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}
