//! `POST /send-verification-email`, `GET /verify-email`, and `requireEmailVerification` in sign-up
//! and sign-in, end to end through a real SMTP listener.

use std::time::{Duration, Instant};

use better_auth_actix::auth::email_token::{self, EmailToken};
use serde_json::json;

use crate::helpers::database::{bool_literal, bool_text};
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{PASSWORD, SECRET, TestApp, jwt, query_text, random_email, sql};

fn verified(app: &TestApp, email: &str) -> String {
    query_text(
        &app.database_url,
        &format!(
            r#"SELECT {} AS value FROM "user" WHERE email = '{email}'"#,
            bool_text(r#""emailVerified""#)
        ),
    )
    .unwrap()
}

fn token(email: &str, user_id: Option<&str>, lifetime: u64) -> String {
    let token = EmailToken {
        email,
        user_id,
        ..EmailToken::default()
    };
    email_token::sign(&SECRET.into(), token, Duration::from_secs(lifetime)).unwrap()
}

#[tokio::test]
async fn sign_up_mails_a_verification_link_that_verifies_the_address() {
    let (app, smtp) =
        TestApp::spawn_with_smtp(|c| c.flows.send_verification_on_sign_up = Some(true)).await;
    let email = random_email();
    let response = app
        .post("/api/auth/sign-up/email", &json!({"name": "A", "email": email, "password": "password123", "callbackURL": "/welcome"}))
        .await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert!(
        body["token"].is_string(),
        "still signed in without requireEmailVerification"
    );
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email.as_str()]);
    assert_eq!(message.subject(), "Verify your email address");
    let link = message.link();
    let token = link
        .strip_prefix("http://localhost:3000/api/auth/verify-email?token=")
        .and_then(|rest| rest.strip_suffix("&callbackURL=%2Fwelcome"))
        .unwrap_or_else(|| panic!("unexpected link {link}"));
    assert_eq!(jwt::header(token), json!({"alg": "HS256"}));
    let claims = jwt::payload(token);
    assert_json_shape!(claims, @r#"
    {
      "email": "[email]",
      "userId": "[id]",
      "iat": "[epoch]",
      "exp": "[epoch]"
    }
    "#);
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["userId"], body["user"]["id"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );

    let followed = app.browser().follow(&link).await;
    assert_eq!(followed.status, 302);
    assert_eq!(followed.header("location").as_deref(), Some("/welcome"));
    assert!(followed.cookies().is_empty(), "no auto sign-in by default");
    assert_eq!(verified(&app, &email), "true");
    let without_callback = app
        .get(&format!("/api/auth/verify-email?token={token}"))
        .await;
    assert_eq!(without_callback.status, 200);
    assert_eq!(without_callback.text, r#"{"status":true,"user":null}"#);
}

#[tokio::test]
async fn sign_up_sends_no_mail_by_default() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    app.sign_up().await;
    smtp.assert_quiet(0, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn verify_email_answers_401_or_redirects_with_the_error_code() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let email = alice.email.as_str();
    let forged = email_token::sign(
        &"another-secret-0123456789-abcdefghijklmn".into(),
        EmailToken {
            email,
            ..EmailToken::default()
        },
        Duration::from_secs(60),
    )
    .unwrap();
    let cases = [
        ("not-a-jwt".to_owned(), "INVALID_TOKEN", "Invalid token"),
        (forged, "INVALID_TOKEN", "Invalid token"),
        (
            token(email, Some(&alice.id), 0),
            "TOKEN_EXPIRED",
            "Token expired",
        ),
        (
            token("nobody@example.com", None, 60),
            "USER_NOT_FOUND",
            "User not found",
        ),
        (
            token(email, Some("someone-else"), 60),
            "INVALID_TOKEN",
            "Invalid token",
        ),
    ];
    for (jwt, code, message) in cases {
        let plain = app
            .get(&format!("/api/auth/verify-email?token={jwt}"))
            .await;
        assert_eq!(plain.status, 401, "{code}");
        assert_eq!(plain.json(), json!({"message": message, "code": code}));
        let redirected = app
            .get(&format!(
                "/api/auth/verify-email?token={jwt}&callbackURL=%2Fdone%3Fx%3D1"
            ))
            .await;
        assert_eq!(redirected.status, 302, "{code}");
        assert_eq!(
            redirected.header("location").unwrap(),
            format!("/done?x=1&error={code}")
        );
    }
    assert_eq!(verified(&app, email), "false");
    let missing = app.get("/api/auth/verify-email").await;
    assert_eq!(
        missing.text,
        r#"{"message":"[query.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .get(&format!(
            "/api/auth/verify-email?token={}&callbackURL=https://evil.com",
            token(email, None, 60)
        ))
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(evil.json()["code"], "INVALID_CALLBACK_URL");
}

#[tokio::test]
async fn auto_sign_in_after_verification_sets_a_session_cookie() {
    let app = TestApp::spawn_with(|c| c.flows.auto_sign_in_after_verification = true).await;
    let alice = app.sign_up().await;
    let browser = app.browser();
    let jwt = token(&alice.email, Some(&alice.id), 60);
    let response = browser
        .get(&format!("/api/auth/verify-email?token={jwt}"))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies()[0].starts_with("better-auth.session_token="));
    assert!(response.header("set-auth-token").is_some());
    let session = browser.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["email"], alice.email.as_str());
    assert_eq!(session["user"]["emailVerified"], true);
    assert_ne!(
        session["session"]["token"],
        alice.token.as_str(),
        "a new session"
    );
}

#[tokio::test]
async fn require_email_verification_blocks_sign_in_until_the_mailed_link_is_followed() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| c.flows.require_email_verification = true).await;
    let email = random_email();
    let response = app
        .post(
            "/api/auth/sign-up/email",
            &json!({"name": "A", "email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    let body = response.json();
    assert!(body["token"].is_null());
    assert_eq!(body["user"]["email"], email.as_str());
    let refused = app.sign_in(&email, PASSWORD).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.text,
        r#"{"message":"Email not verified","code":"EMAIL_NOT_VERIFIED"}"#
    );
    let wrong = app.sign_in(&email, "password124").await;
    assert_eq!(wrong.status, 401, "the password is checked first");
    let link = smtp.next(0).await.link();
    assert_eq!(app.browser().follow(&link).await.status, 302);
    assert_eq!(app.sign_in(&email, PASSWORD).await.status, 200);
    smtp.assert_quiet(1, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn require_email_verification_hides_existing_addresses_at_sign_up() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| c.flows.require_email_verification = true).await;
    let email = random_email();
    let first = app
        .post(
            "/api/auth/sign-up/email",
            &json!({"name": "A", "email": email, "password": "password123"}),
        )
        .await
        .json();
    smtp.wait_for(1).await;
    let response = app
        .post("/api/auth/sign-up/email", &json!({"name": "B", "email": email.to_uppercase(), "password": "other-password", "image": "http://i"}))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    // A made-up user in the shape of a real sign-up, with what this request sent.
    let fake = response.json();
    assert_json_shape!(fake, @r#"
    {
      "token": null,
      "user": {
        "name": "B",
        "email": "[email]",
        "emailVerified": false,
        "image": "http://i",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
    assert_eq!(fake["user"]["email"], email.as_str());
    assert_ne!(fake["user"]["id"], first["user"]["id"]);
    assert_eq!(app.count(&format!(r#""user" WHERE email = '{email}'"#)), 1);
    smtp.assert_quiet(1, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn send_on_sign_in_re_mails_the_link_to_a_blocked_user() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        c.flows.require_email_verification = true;
        c.flows.send_verification_on_sign_up = Some(false);
        c.flows.send_verification_on_sign_in = true;
    })
    .await;
    let email = random_email();
    app.post(
        "/api/auth/sign-up/email",
        &json!({"name": "A", "email": email, "password": "password123"}),
    )
    .await;
    let refused = app
        .post(
            "/api/auth/sign-in/email",
            &json!({"email": email, "password": "password123", "callbackURL": "/in"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email]);
    assert!(message.link().ends_with("&callbackURL=%2Fin"));
}

#[tokio::test]
async fn send_verification_email_with_a_session_checks_the_address() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let alice = app.sign_up().await;
    let mismatch = alice
        .post(
            "/api/auth/send-verification-email",
            &json!({"email": random_email()}),
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert_eq!(
        mismatch.text,
        r#"{"message":"Email mismatch","code":"EMAIL_MISMATCH"}"#
    );
    let ok = alice
        .post(
            "/api/auth/send-verification-email",
            &json!({"email": alice.email.to_uppercase(), "callbackURL": "http://localhost:3001/ok"}),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.text, r#"{"status":true}"#);
    let link = smtp.next(0).await.link();
    assert!(
        link.ends_with("&callbackURL=http%3A%2F%2Flocalhost%3A3001%2Fok"),
        "{link}"
    );
    let followed = app.browser().follow(&link).await;
    assert_eq!(
        followed.header("location").as_deref(),
        Some("http://localhost:3001/ok")
    );
    let again = alice
        .post(
            "/api/auth/send-verification-email",
            &json!({"email": alice.email}),
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.text,
        r#"{"message":"Email is already verified","code":"EMAIL_ALREADY_VERIFIED"}"#
    );
}

#[tokio::test]
async fn send_verification_email_without_a_session_always_answers_true_after_500_ms() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let unverified = app.sign_up().await.email;
    let verified_email = app.sign_up().await.email;
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE "user" SET "emailVerified" = {} WHERE email = '{verified_email}'"#,
            bool_literal(&app.database_url, true)
        ),
    );
    for email in [random_email(), verified_email, unverified.clone()] {
        let start = Instant::now();
        let response = app
            .post(
                "/api/auth/send-verification-email",
                &json!({"email": email}),
            )
            .await;
        assert!(
            start.elapsed() >= Duration::from_millis(500),
            "timing floor"
        );
        assert_eq!(response.status, 200);
        assert_eq!(response.text, r#"{"status":true}"#);
    }
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages[0].to, [unverified]);
    smtp.assert_quiet(1, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn with_email_disabled_verification_email_is_not_enabled_and_sign_in_is_just_refused() {
    let app = TestApp::spawn_with(|c| {
        c.email.enabled = false;
        c.flows.require_email_verification = true;
    })
    .await;
    let email = random_email();
    let response = app
        .post(
            "/api/auth/send-verification-email",
            &json!({"email": email}),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text,
        r#"{"message":"Verification email isn't enabled","code":"VERIFICATION_EMAIL_NOT_ENABLED"}"#
    );
    app.post(
        "/api/auth/sign-up/email",
        &json!({"name": "A", "email": email, "password": "password123"}),
    )
    .await;
    assert_eq!(app.sign_in(&email, PASSWORD).await.status, 403);
}

#[tokio::test]
async fn send_verification_email_validates_its_body() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/api/auth/send-verification-email", &json!({"email": "x"}))
        .await;
    assert_eq!(
        response.text,
        r#"{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .post(
            "/api/auth/send-verification-email",
            &json!({"email": random_email(), "callbackURL": "https://evil.com"}),
        )
        .await;
    assert_eq!(evil.status, 403);
}
