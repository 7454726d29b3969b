//! Origin and CSRF checks (contract §7.1), CORS, and health.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Fetch as _, PASSWORD, TestApp, random_email, test_config};

/// `POST /api/auth{path}` with exactly these headers; the status and the JSON answer.
async fn post(app: &TestApp, path: &str, headers: &[(&str, &str)], body: Value) -> (u16, Value) {
    let mut request = app
        .request(Method::POST, &format!("/api/auth{path}"))
        .json(&body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.fetch().await;
    (response.status.as_u16(), response.json())
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_cookie_without_an_origin_is_rejected_and_a_bad_origin_too() {
    let app = TestApp::spawn().await;
    let email = app.sign_up().await.email;
    let creds = json!({"email": email, "password": PASSWORD});
    let (status, body) = post(&app, "/sign-in/email", &[("cookie", "a=b")], creds.clone()).await;
    assert_eq!((status, code(&body)), (403, "MISSING_OR_NULL_ORIGIN"));
    let (status, body) = post(
        &app,
        "/sign-in/email",
        &[("cookie", "a=b"), ("origin", "null")],
        creds.clone(),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "MISSING_OR_NULL_ORIGIN"));
    let (status, body) = post(
        &app,
        "/sign-in/email",
        &[("cookie", "a=b"), ("origin", "http://evil.test")],
        creds.clone(),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "INVALID_ORIGIN"));
    let (status, _) = post(
        &app,
        "/sign-in/email",
        &[
            ("cookie", "a=b"),
            ("referer", "http://localhost:3001/login"),
        ],
        creds.clone(),
    )
    .await;
    assert_eq!(status, 200, "a trusted Referer is reduced to its origin");
    let (status, _) = post(&app, "/sign-in/email", &[], creds).await;
    assert_eq!(
        status, 200,
        "no cookie, no Origin: a non-browser client is allowed"
    );
}

#[tokio::test]
async fn fetch_metadata_blocks_cross_site_navigation_logins() {
    let app = TestApp::spawn().await;
    let email = app.sign_up().await.email;
    let creds = json!({"email": email, "password": PASSWORD});
    let nav = [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-mode", "navigate"),
    ];
    let (status, body) = post(&app, "/sign-in/email", &nav, creds.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
    );
    let cors = [("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "cors")];
    let (status, body) = post(&app, "/sign-in/email", &cors, creds.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (403, "MISSING_OR_NULL_ORIGIN"),
        "metadata forces the Origin check"
    );
    let (status, body) = post(
        &app,
        "/sign-in/email",
        &[("origin", "http://evil.test")],
        creds,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (403, "INVALID_ORIGIN"),
        "an Origin is checked even without cookies"
    );
}

#[tokio::test]
async fn callback_urls_must_be_trusted_or_safe_relative_paths() {
    let app = TestApp::spawn().await;
    let email = app.sign_up().await.email;
    for (callback, expected) in [
        ("/dashboard", 200),
        ("http://localhost:3001/after", 200),
        ("https://evil.test/x", 403),
        ("//evil.test", 403),
        ("/\\evil.test", 403),
    ] {
        let (status, body) = post(
            &app,
            "/sign-in/email",
            &[],
            json!({"email": email, "password": "password123", "callbackURL": callback}),
        )
        .await;
        assert_eq!(status, expected, "{callback}");
        if expected == 403 {
            assert_eq!(code(&body), "INVALID_CALLBACK_URL");
        }
    }
    let (status, body) = post(
        &app,
        "/sign-in/email",
        &[],
        json!({"email": email, "password": "password123", "callbackURL": {"a": 1}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"message": "Invalid callbackURL: expected a string"})
    );
}

#[tokio::test]
async fn cors_preflight_succeeds_for_trusted_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/auth/sign-in/email")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .fetch()
    };
    let ok = preflight("http://localhost:3001").await;
    assert!(ok.status.is_success());
    assert_eq!(
        ok.header("access-control-allow-origin").as_deref(),
        Some("http://localhost:3001")
    );
    assert_eq!(
        ok.header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let bad = preflight("http://evil.test").await;
    assert!(bad.header("access-control-allow-origin").is_none());
    assert!(bad.header("access-control-allow-credentials").is_none());

    let actual = app
        .request(Method::GET, "/api/auth/get-session")
        .header("origin", "http://localhost:3001")
        .fetch()
        .await;
    let exposed = actual.header("access-control-expose-headers").unwrap();
    assert!(
        exposed.contains("set-auth-token") && exposed.contains("set-auth-jwt"),
        "{exposed}"
    );
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health").await.text, r#"{"status":"ok"}"#);
    assert_eq!(app.get("/ready").await.status, 200);
    let unknown = app.get("/nowhere").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "NOT_FOUND");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_unreachable() {
    let mut config = test_config("postgres://postgres@127.0.0.1:1/none");
    config.port = 0;
    let app = TestApp::start(config).await;
    assert_eq!(app.get("/ready").await.status, 503);
    let session = app.sign_in(&random_email(), PASSWORD).await;
    assert_eq!(session.status, 503);
    assert_eq!(session.header("retry-after").as_deref(), Some("2"));
    assert_eq!(
        session.text,
        r#"{"message":"Service temporarily unavailable; retry shortly","code":"SERVICE_UNAVAILABLE"}"#,
        "no internals leak"
    );
}
