//! `POST /send-verification-email`, `GET /verify-email`, and `requireEmailVerification` in sign-up
//! and sign-in, end to end through a real SMTP listener.

use crate::helpers as common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use better_auth_actix::auth::email_token::{self, EmailToken};
use common::{SECRET, TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

fn verified(app: &TestApp, email: &str) -> String {
    query_text(
        &app.database_url,
        &format!(r#"SELECT "emailVerified"::text AS value FROM "user" WHERE email = '{email}'"#),
    )
    .unwrap()
}

fn jwt_part(token: &str, i: usize) -> Value {
    let raw = URL_SAFE_NO_PAD
        .decode(token.split('.').nth(i).unwrap())
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
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
        .auth_post("/sign-up/email", &json!({"name": "A", "email": email, "password": "password123", "callbackURL": "/welcome"}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["token"].is_string(),
        "still signed in without requireEmailVerification"
    );
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email.as_str()]);
    assert_eq!(message.subject(), "Verify your email address");
    let link = message.link();
    let jwt = link
        .strip_prefix("http://localhost:3000/api/auth/verify-email?token=")
        .and_then(|rest| rest.strip_suffix("&callbackURL=%2Fwelcome"))
        .unwrap_or_else(|| panic!("unexpected link {link}"));
    assert_eq!(jwt_part(jwt, 0), json!({"alg": "HS256"}));
    let claims = jwt_part(jwt, 1);
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["email", "userId", "iat", "exp"]);
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["userId"], body["user"]["id"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );

    let followed = app.follow(&TestApp::new_client(), &link).await;
    assert_eq!(followed.status(), 302);
    assert_eq!(
        header(followed.headers(), "location").as_deref(),
        Some("/welcome")
    );
    assert!(
        set_cookies(followed.headers()).is_empty(),
        "no auto sign-in by default"
    );
    assert_eq!(verified(&app, &email), "true");
    let without_callback = app
        .get_as(
            &TestApp::new_client(),
            &format!("/verify-email?token={jwt}"),
        )
        .await;
    assert_eq!(without_callback.status(), 200);
    assert_eq!(
        without_callback.text().await.unwrap(),
        r#"{"status":true,"user":null}"#
    );
}

#[tokio::test]
async fn sign_up_sends_no_mail_by_default() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    app.sign_up("A", &random_email(), "password123").await;
    smtp.assert_quiet(0, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn verify_email_answers_401_or_redirects_with_the_error_code() {
    let app = TestApp::spawn().await;
    let email = random_email();
    let body = app.sign_up("A", &email, "password123").await;
    let id = body["user"]["id"].as_str().unwrap();
    let client = TestApp::new_client();
    let forged = email_token::sign(
        &"another-secret-0123456789-abcdefghijklmn".into(),
        EmailToken {
            email: &email,
            ..EmailToken::default()
        },
        Duration::from_secs(60),
    )
    .unwrap();
    let cases = [
        ("not-a-jwt".to_owned(), "INVALID_TOKEN", "Invalid token"),
        (forged, "INVALID_TOKEN", "Invalid token"),
        (token(&email, Some(id), 0), "TOKEN_EXPIRED", "Token expired"),
        (
            token("nobody@example.com", None, 60),
            "USER_NOT_FOUND",
            "User not found",
        ),
        (
            token(&email, Some("someone-else"), 60),
            "INVALID_TOKEN",
            "Invalid token",
        ),
    ];
    for (jwt, code, message) in cases {
        let plain = app
            .get_as(&client, &format!("/verify-email?token={jwt}"))
            .await;
        assert_eq!(plain.status(), 401, "{code}");
        assert_eq!(
            plain.json::<Value>().await.unwrap(),
            json!({"message": message, "code": code})
        );
        let redirected = app
            .get_as(
                &client,
                &format!("/verify-email?token={jwt}&callbackURL=%2Fdone%3Fx%3D1"),
            )
            .await;
        assert_eq!(redirected.status(), 302, "{code}");
        assert_eq!(
            header(redirected.headers(), "location").unwrap(),
            format!("/done?x=1&error={code}")
        );
    }
    assert_eq!(verified(&app, &email), "false");
    let missing = app.get_as(&client, "/verify-email").await;
    assert_eq!(
        missing.text().await.unwrap(),
        r#"{"message":"[query.token] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .get_as(
            &client,
            &format!(
                "/verify-email?token={}&callbackURL=https://evil.com",
                token(&email, None, 60)
            ),
        )
        .await;
    assert_eq!(evil.status(), 403);
    assert_eq!(
        evil.json::<Value>().await.unwrap()["code"],
        "INVALID_CALLBACK_URL"
    );
}

#[tokio::test]
async fn auto_sign_in_after_verification_sets_a_session_cookie() {
    let app = TestApp::spawn_with(|c| c.flows.auto_sign_in_after_verification = true).await;
    let email = random_email();
    let body = app.sign_up("A", &email, "password123").await;
    let client = TestApp::new_client();
    let jwt = token(&email, body["user"]["id"].as_str(), 60);
    let response = app
        .get_as(&client, &format!("/verify-email?token={jwt}"))
        .await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(response.headers());
    assert!(cookies[0].starts_with("better-auth.session_token="));
    assert!(header(response.headers(), "set-auth-token").is_some());
    let session: Value = app
        .get_as(&client, "/get-session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["email"], email.as_str());
    assert_eq!(session["user"]["emailVerified"], true);
    assert_ne!(session["session"]["token"], body["token"], "a new session");
}

#[tokio::test]
async fn require_email_verification_blocks_sign_in_until_the_mailed_link_is_followed() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| c.flows.require_email_verification = true).await;
    let email = random_email();
    let response = app
        .auth_post(
            "/sign-up/email",
            &json!({"name": "A", "email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    let body: Value = response.json().await.unwrap();
    assert!(body["token"].is_null());
    assert_eq!(body["user"]["email"], email.as_str());
    let sign_in = json!({"email": email, "password": "password123"});
    let refused = app.auth_post("/sign-in/email", &sign_in).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.text().await.unwrap(),
        r#"{"message":"Email not verified","code":"EMAIL_NOT_VERIFIED"}"#
    );
    let wrong = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password124"}),
        )
        .await;
    assert_eq!(wrong.status(), 401, "the password is checked first");
    let link = smtp.next(0).await.link();
    assert_eq!(
        app.follow(&TestApp::new_client(), &link).await.status(),
        302
    );
    assert_eq!(
        app.auth_post("/sign-in/email", &sign_in).await.status(),
        200
    );
    smtp.assert_quiet(1, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn require_email_verification_hides_existing_addresses_at_sign_up() {
    let (app, smtp) = TestApp::spawn_with_smtp(|c| c.flows.require_email_verification = true).await;
    let email = random_email();
    let first: Value = app
        .auth_post(
            "/sign-up/email",
            &json!({"name": "A", "email": email, "password": "password123"}),
        )
        .await
        .json()
        .await
        .unwrap();
    smtp.wait_for(1).await;
    let response = app
        .auth_post("/sign-up/email", &json!({"name": "B", "email": email.to_uppercase(), "password": "other-password", "image": "http://i"}))
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    let fake: Value = response.json().await.unwrap();
    assert!(fake["token"].is_null());
    let user = &fake["user"];
    let keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name",
            "email",
            "emailVerified",
            "image",
            "createdAt",
            "updatedAt",
            "id"
        ]
    );
    assert_eq!(user["name"], "B");
    assert_eq!(user["email"], email.as_str());
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["image"], "http://i");
    assert_eq!(user["id"].as_str().unwrap().len(), 32);
    assert_ne!(user["id"], first["user"]["id"]);
    let count = query_text(
        &app.database_url,
        &format!(r#"SELECT count(*)::text AS value FROM "user" WHERE email = '{email}'"#),
    );
    assert_eq!(count.as_deref(), Some("1"));
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
    app.auth_post(
        "/sign-up/email",
        &json!({"name": "A", "email": email, "password": "password123"}),
    )
    .await;
    let refused = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123", "callbackURL": "/in"}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let message = smtp.next(0).await;
    assert_eq!(message.to, [email]);
    assert!(message.link().ends_with("&callbackURL=%2Fin"));
}

#[tokio::test]
async fn send_verification_email_with_a_session_checks_the_address() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let email = random_email();
    app.sign_up("A", &email, "password123").await;
    let mismatch = app
        .auth_post(
            "/send-verification-email",
            &json!({"email": random_email()}),
        )
        .await;
    assert_eq!(mismatch.status(), 400);
    assert_eq!(
        mismatch.text().await.unwrap(),
        r#"{"message":"Email mismatch","code":"EMAIL_MISMATCH"}"#
    );
    let ok = app
        .auth_post(
            "/send-verification-email",
            &json!({"email": email.to_uppercase(), "callbackURL": "http://localhost:3001/ok"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), r#"{"status":true}"#);
    let link = smtp.next(0).await.link();
    assert!(
        link.ends_with("&callbackURL=http%3A%2F%2Flocalhost%3A3001%2Fok"),
        "{link}"
    );
    let followed = app.follow(&TestApp::new_client(), &link).await;
    assert_eq!(
        header(followed.headers(), "location").as_deref(),
        Some("http://localhost:3001/ok")
    );
    let again = app
        .auth_post("/send-verification-email", &json!({"email": email}))
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        again.text().await.unwrap(),
        r#"{"message":"Email is already verified","code":"EMAIL_ALREADY_VERIFIED"}"#
    );
}

#[tokio::test]
async fn send_verification_email_without_a_session_always_answers_true_after_500_ms() {
    let (app, smtp) = TestApp::spawn_with_smtp(|_| {}).await;
    let unverified = random_email();
    app.sign_up("A", &unverified, "password123").await;
    let verified_email = random_email();
    app.sign_up("B", &verified_email, "password123").await;
    sql(
        &app.database_url,
        &format!(r#"UPDATE "user" SET "emailVerified" = true WHERE email = '{verified_email}'"#),
    );
    let anonymous = TestApp::new_client();
    for email in [random_email(), verified_email, unverified.clone()] {
        let start = Instant::now();
        let response = app
            .post_as(
                &anonymous,
                "/send-verification-email",
                &json!({"email": email}),
            )
            .await;
        assert!(
            start.elapsed() >= Duration::from_millis(500),
            "timing floor"
        );
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), r#"{"status":true}"#);
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
        .auth_post("/send-verification-email", &json!({"email": email}))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Verification email isn't enabled","code":"VERIFICATION_EMAIL_NOT_ENABLED"}"#
    );
    app.auth_post(
        "/sign-up/email",
        &json!({"name": "A", "email": email, "password": "password123"}),
    )
    .await;
    let refused = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn send_verification_email_validates_its_body() {
    let app = TestApp::spawn().await;
    let response = app
        .auth_post("/send-verification-email", &json!({"email": "x"}))
        .await;
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}"#
    );
    let evil = app
        .auth_post(
            "/send-verification-email",
            &json!({"email": random_email(), "callbackURL": "https://evil.com"}),
        )
        .await;
    assert_eq!(evil.status(), 403);
}
