//! `POST /change-email` and the e-mail-change half of `GET /verify-email`, end to end through a
//! real SMTP listener.

use crate::helpers as common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use better_auth_actix::auth::email_token::{self, EmailToken};
use better_auth_actix::config::Config;
use common::{SECRET, TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

fn enabled(c: &mut Config) {
    c.flows.change_email_enabled = true;
}

fn user_field(app: &TestApp, id: &str, column: &str) -> String {
    query_text(
        &app.database_url,
        &format!(r#"SELECT "{column}"::text AS value FROM "user" WHERE id = '{id}'"#),
    )
    .unwrap()
}

fn claims(link: &str) -> Value {
    let jwt = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let raw = URL_SAFE_NO_PAD
        .decode(jwt.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

#[tokio::test]
async fn change_email_is_disabled_by_default() {
    let app = TestApp::spawn().await;
    app.sign_up("A", &random_email(), "password123").await;
    let response = app
        .auth_post("/change-email", &json!({"newEmail": random_email()}))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Change email is disabled","code":"CHANGE_EMAIL_DISABLED"}"#
    );
}

#[tokio::test]
async fn the_link_mailed_to_the_new_address_changes_the_email() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let old = random_email();
    let new = random_email();
    let (client, body) = app.user(&old, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let response = app
        .post_as(
            &client,
            "/change-email",
            &json!({"newEmail": new.to_uppercase(), "callbackURL": "/settings"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [new.as_str()]);
    assert_eq!(message.subject(), "Confirm your new email address");
    let link = message.link();
    assert!(link.ends_with("&callbackURL=%2Fsettings"), "{link}");
    let payload = claims(&link);
    let keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["email", "updateTo", "requestType", "userId", "iat", "exp"]
    );
    assert_eq!(payload["email"], old.as_str());
    assert_eq!(payload["updateTo"], new.as_str());
    assert_eq!(payload["requestType"], "change-email-verification");
    assert_eq!(
        user_field(&app, id, "email"),
        old,
        "nothing changes before the link"
    );

    let followed = app.follow(&client, &link).await;
    assert_eq!(followed.status(), 302);
    assert_eq!(
        header(followed.headers(), "location").as_deref(),
        Some("/settings")
    );
    let cookies = set_cookies(followed.headers());
    assert!(cookies[0].starts_with(&format!(
        "better-auth.session_token={}.",
        body["token"].as_str().unwrap()
    )));
    assert_eq!(user_field(&app, id, "email"), new);
    assert_eq!(
        user_field(&app, id, "emailVerified"),
        "false",
        "kept as it was"
    );
    let sign_in = |email: String| {
        let app = &app;
        async move {
            app.post_as(
                &TestApp::new_client(),
                "/sign-in/email",
                &json!({"email": email, "password": "password123"}),
            )
            .await
            .status()
        }
    };
    assert_eq!(sign_in(new.clone()).await, 200);
    assert_eq!(sign_in(old.clone()).await, 401);
    let replay = app
        .get_as(
            &TestApp::new_client(),
            link.strip_prefix("http://localhost:3000/api/auth")
                .unwrap()
                .split("&callbackURL")
                .next()
                .unwrap(),
        )
        .await;
    assert_eq!(
        replay.status(),
        401,
        "the address no longer matches the token"
    );
    assert_eq!(
        replay.json::<Value>().await.unwrap()["code"],
        "INVALID_TOKEN"
    );
}

#[tokio::test]
async fn without_a_callback_the_change_answers_the_updated_user() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let new = random_email();
    let (client, body) = app.user(&random_email(), "password123").await;
    app.post_as(&client, "/change-email", &json!({"newEmail": new}))
        .await;
    let link = smtp.next(0).await.link();
    let path = link
        .strip_prefix("http://localhost:3000/api/auth")
        .unwrap()
        .replace("&callbackURL=%2F", "");
    let response = app.get_as(&TestApp::new_client(), &path).await;
    assert_eq!(response.status(), 200);
    assert!(
        set_cookies(response.headers()).is_empty(),
        "no session, no cookie"
    );
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], true);
    assert_eq!(answer["user"]["email"], new.as_str());
    assert_eq!(answer["user"]["id"], body["user"]["id"]);
}

#[tokio::test]
async fn another_signed_in_user_cannot_follow_the_link() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let old = random_email();
    let (alice, body) = app.user(&old, "password123").await;
    let (bob, _) = app.user(&random_email(), "password123").await;
    app.post_as(
        &alice,
        "/change-email",
        &json!({"newEmail": random_email()}),
    )
    .await;
    let link = smtp.next(0).await.link();
    let response = app.follow(&bob, &link).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        header(response.headers(), "location").as_deref(),
        Some("/?error=INVALID_USER")
    );
    assert_eq!(
        user_field(&app, body["user"]["id"].as_str().unwrap(), "email"),
        old
    );
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_no_mail() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let taken = random_email();
    app.user(&taken, "password123").await;
    let (client, _) = app.user(&random_email(), "password123").await;
    let response = app
        .post_as(&client, "/change-email", &json!({"newEmail": taken}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
    smtp.assert_quiet(0, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn change_email_errors_match_better_auth() {
    let app = TestApp::spawn_with(enabled).await;
    let email = random_email();
    app.sign_up("A", &email, "password123").await;
    let same = app
        .auth_post("/change-email", &json!({"newEmail": email.to_uppercase()}))
        .await;
    assert_eq!(same.status(), 400);
    assert_eq!(
        same.text().await.unwrap(),
        r#"{"message":"Email is the same"}"#
    );
    let invalid = app
        .auth_post("/change-email", &json!({"newEmail": "nope"}))
        .await;
    assert_eq!(
        invalid.text().await.unwrap(),
        r#"{"message":"[body.newEmail] Invalid email address","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .auth_post(
            "/change-email",
            &json!({"newEmail": random_email(), "callbackURL": "https://evil.com"}),
        )
        .await;
    assert_eq!(evil.status(), 403);
    assert_eq!(
        evil.json::<Value>().await.unwrap()["code"],
        "INVALID_CALLBACK_URL"
    );
    let anonymous = app
        .post_as(
            &TestApp::new_client(),
            "/change-email",
            &json!({"newEmail": random_email()}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn with_email_disabled_there_is_no_way_to_change_it() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.email.enabled = false;
    })
    .await;
    app.sign_up("A", &random_email(), "password123").await;
    let response = app
        .auth_post("/change-email", &json!({"newEmail": random_email()}))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Verification email isn't enabled"}"#
    );
}

#[tokio::test]
async fn with_confirmation_the_current_address_approves_first() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        enabled(c);
        c.flows.change_email_send_confirmation = true;
    })
    .await;
    let old = random_email();
    let new = random_email();
    let (client, body) = app.user(&old, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(r#"UPDATE "user" SET "emailVerified" = true WHERE id = '{id}'"#),
    );
    app.post_as(&client, "/change-email", &json!({"newEmail": new}))
        .await;
    let approval = smtp.next(0).await;
    assert_eq!(approval.to, [old.as_str()]);
    assert_eq!(approval.subject(), "Approve changing your email address");
    assert_eq!(
        claims(&approval.link())["requestType"],
        "change-email-confirmation"
    );
    let approved = app.follow(&client, &approval.link()).await;
    assert_eq!(approved.status(), 302);
    assert_eq!(
        user_field(&app, id, "email"),
        old,
        "approval alone changes nothing"
    );
    let verification = smtp.next(1).await;
    assert_eq!(verification.to, [new.as_str()]);
    assert_eq!(
        claims(&verification.link())["requestType"],
        "change-email-verification"
    );
    assert_eq!(
        app.follow(&client, &verification.link()).await.status(),
        302
    );
    assert_eq!(user_field(&app, id, "email"), new);
    assert_eq!(user_field(&app, id, "emailVerified"), "true");
}

#[tokio::test]
async fn an_unverified_address_can_change_at_once_when_configured() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        enabled(c);
        c.flows.change_email_update_without_verification = true;
    })
    .await;
    let new = random_email();
    let (client, body) = app.user(&random_email(), "password123").await;
    let response = app
        .post_as(&client, "/change-email", &json!({"newEmail": new}))
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers())[0].starts_with("better-auth.session_token="));
    assert_eq!(
        user_field(&app, body["user"]["id"].as_str().unwrap(), "email"),
        new
    );
    let message = smtp.next(0).await;
    assert_eq!(message.to, [new]);
    assert_eq!(message.subject(), "Verify your email address");
}

#[tokio::test]
async fn a_legacy_change_token_switches_and_asks_to_verify_the_new_address() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let old = random_email();
    let new = random_email();
    let body = app.sign_up("A", &old, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(r#"UPDATE "user" SET "emailVerified" = true WHERE id = '{id}'"#),
    );
    let token = EmailToken {
        email: &old,
        update_to: Some(&new),
        request_type: None,
        user_id: Some(id),
    };
    let jwt = email_token::sign(&SECRET.into(), token, Duration::from_secs(60)).unwrap();
    let response = app
        .get_as(
            &TestApp::new_client(),
            &format!("/verify-email?token={jwt}"),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(user_field(&app, id, "email"), new);
    assert_eq!(user_field(&app, id, "emailVerified"), "false");
    assert_eq!(smtp.next(0).await.to, [new]);
}
