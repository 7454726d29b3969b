//! `POST /change-email` and the e-mail-change half of `GET /verify-email`, end to end through a
//! real SMTP listener.

use std::time::Duration;

use better_auth_actix::auth::email_token::{self, EmailToken};
use better_auth_actix::config::Config;
use serde_json::{Value, json};

use crate::helpers::database::{bool_literal, user_column_text as column_text};
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{
    ORIGIN, PASSWORD, SECRET, TestApp, TestUser, jwt, query_text, random_email, sql,
};

fn enabled(c: &mut Config) {
    c.flows.change_email_enabled = true;
}

fn user_field(app: &TestApp, user: &TestUser, column: &str) -> String {
    query_text(
        &app.database_url,
        &format!(
            r#"SELECT {} AS value FROM "user" WHERE id = '{}'"#,
            column_text(column),
            user.id
        ),
    )
    .unwrap()
}

/// The payload of the JWT in a link's `token` parameter.
fn claims(link: &str) -> Value {
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    jwt::payload(token)
}

fn verify(app: &TestApp, user: &TestUser) {
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE "user" SET "emailVerified" = {} WHERE id = '{}'"#,
            bool_literal(&app.database_url, true),
            user.id
        ),
    );
}

#[tokio::test]
async fn change_email_is_disabled_by_default() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": random_email()}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"Change email is disabled","code":"CHANGE_EMAIL_DISABLED"}"#
    );
}

#[tokio::test]
async fn the_link_mailed_to_the_new_address_changes_the_email() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let alice = app.sign_up().await;
    let old = alice.email.clone();
    let new = random_email();
    let response = alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": new.to_uppercase(), "callbackURL": "/settings"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, r#"{"status":true}"#);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [new.as_str()]);
    assert_eq!(message.subject(), "Confirm your new email address");
    let link = message.link();
    assert!(link.ends_with("&callbackURL=%2Fsettings"), "{link}");
    let payload = claims(&link);
    assert_json_shape!(payload, @r#"
    {
      "email": "[email]",
      "updateTo": "[email]",
      "requestType": "change-email-verification",
      "userId": "[id]",
      "iat": "[epoch]",
      "exp": "[epoch]"
    }
    "#);
    assert_eq!(payload["email"], old.as_str());
    assert_eq!(payload["updateTo"], new.as_str());
    assert_eq!(payload["userId"], alice.id.as_str());
    assert_eq!(
        user_field(&app, &alice, "email"),
        old,
        "nothing changes before the link"
    );

    let followed = alice.browser.follow(&link).await;
    assert_eq!(followed.status, 302);
    assert_eq!(followed.header("location").as_deref(), Some("/settings"));
    assert!(
        followed.cookies()[0].starts_with(&format!("better-auth.session_token={}.", alice.token))
    );
    assert_eq!(user_field(&app, &alice, "email"), new);
    assert_eq!(
        user_field(&app, &alice, "emailVerified"),
        "false",
        "kept as it was"
    );
    assert_eq!(app.sign_in(&new, PASSWORD).await.status, 200);
    assert_eq!(app.sign_in(&old, PASSWORD).await.status, 401);
    let replay = app
        .get(
            link.strip_prefix(ORIGIN)
                .unwrap()
                .split("&callbackURL")
                .next()
                .unwrap(),
        )
        .await;
    assert_eq!(
        replay.status, 401,
        "the address no longer matches the token"
    );
    assert_eq!(replay.json()["code"], "INVALID_TOKEN");
}

#[tokio::test]
async fn without_a_callback_the_change_answers_the_updated_user() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let new = random_email();
    let alice = app.sign_up().await;
    alice
        .post("/api/auth/change-email", &json!({"newEmail": new}))
        .await;
    let link = smtp.next(0).await.link();
    let path = link
        .strip_prefix(ORIGIN)
        .unwrap()
        .replace("&callbackURL=%2F", "");
    let response = app.get(&path).await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty(), "no session, no cookie");
    let answer = response.json();
    assert_eq!(answer["status"], true);
    assert_eq!(answer["user"]["email"], new.as_str());
    assert_eq!(answer["user"]["id"], alice.id.as_str());
}

#[tokio::test]
async fn another_signed_in_user_cannot_follow_the_link() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": random_email()}),
        )
        .await;
    let link = smtp.next(0).await.link();
    let response = bob.browser.follow(&link).await;
    assert_eq!(response.status, 302);
    assert_eq!(
        response.header("location").as_deref(),
        Some("/?error=INVALID_USER")
    );
    assert_eq!(user_field(&app, &alice, "email"), alice.email);
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_no_mail() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let taken = app.sign_up().await;
    let alice = app.sign_up().await;
    let response = alice
        .post("/api/auth/change-email", &json!({"newEmail": taken.email}))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, r#"{"status":true}"#);
    smtp.assert_quiet(0, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn change_email_errors_match_better_auth() {
    let app = TestApp::spawn_with(enabled).await;
    let alice = app.sign_up().await;
    let same = alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": alice.email.to_uppercase()}),
        )
        .await;
    assert_eq!(same.status, 400);
    assert_eq!(same.text, r#"{"message":"Email is the same"}"#);
    let invalid = alice
        .post("/api/auth/change-email", &json!({"newEmail": "nope"}))
        .await;
    assert_eq!(
        invalid.text,
        r#"{"message":"[body.newEmail] Invalid email address","code":"VALIDATION_ERROR"}"#
    );
    let evil = alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": random_email(), "callbackURL": "https://evil.com"}),
        )
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(evil.json()["code"], "INVALID_CALLBACK_URL");
    let anonymous = app
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": random_email()}),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn with_email_disabled_there_is_no_way_to_change_it() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.email.enabled = false;
    })
    .await;
    let alice = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/change-email",
            &json!({"newEmail": random_email()}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
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
    let alice = app.sign_up().await;
    let new = random_email();
    verify(&app, &alice);
    alice
        .post("/api/auth/change-email", &json!({"newEmail": new}))
        .await;
    let approval = smtp.next(0).await;
    assert_eq!(approval.to, [alice.email.as_str()]);
    assert_eq!(approval.subject(), "Approve changing your email address");
    assert_eq!(
        claims(&approval.link())["requestType"],
        "change-email-confirmation"
    );
    let approved = alice.browser.follow(&approval.link()).await;
    assert_eq!(approved.status, 302);
    assert_eq!(
        user_field(&app, &alice, "email"),
        alice.email,
        "approval alone changes nothing"
    );
    let verification = smtp.next(1).await;
    assert_eq!(verification.to, [new.as_str()]);
    assert_eq!(
        claims(&verification.link())["requestType"],
        "change-email-verification"
    );
    assert_eq!(alice.browser.follow(&verification.link()).await.status, 302);
    assert_eq!(user_field(&app, &alice, "email"), new);
    assert_eq!(user_field(&app, &alice, "emailVerified"), "true");
}

#[tokio::test]
async fn an_unverified_address_can_change_at_once_when_configured() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        enabled(c);
        c.flows.change_email_update_without_verification = true;
    })
    .await;
    let new = random_email();
    let alice = app.sign_up().await;
    let response = alice
        .post("/api/auth/change-email", &json!({"newEmail": new}))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies()[0].starts_with("better-auth.session_token="));
    assert_eq!(user_field(&app, &alice, "email"), new);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [new]);
    assert_eq!(message.subject(), "Verify your email address");
}

#[tokio::test]
async fn a_legacy_change_token_switches_and_asks_to_verify_the_new_address() {
    let (app, smtp) = TestApp::spawn_with_smtp(enabled).await;
    let alice = app.sign_up().await;
    let new = random_email();
    verify(&app, &alice);
    let token = EmailToken {
        email: &alice.email,
        update_to: Some(&new),
        request_type: None,
        user_id: Some(&alice.id),
    };
    let jwt = email_token::sign(&SECRET.into(), token, Duration::from_secs(60)).unwrap();
    let response = app
        .get(&format!("/api/auth/verify-email?token={jwt}"))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(user_field(&app, &alice, "email"), new);
    assert_eq!(user_field(&app, &alice, "emailVerified"), "false");
    assert_eq!(smtp.next(0).await.to, [new]);
}
