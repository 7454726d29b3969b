//! `GET /api/auth/get-session` and `POST /api/auth/sign-out`, with cookies and bearer tokens.

use reqwest::Method;
use serde_json::json;

use super::{EXPIRED_COOKIES, assert_read_from_the_database};
use crate::helpers::database::{rounded, seconds_between};
use crate::helpers::{Fetch as _, PASSWORD, SECRET, TestApp, query_text};

fn sign(token: &str) -> String {
    better_auth_actix::auth::crypto::sign_value(&SECRET.into(), token)
}

#[tokio::test]
async fn get_session_returns_the_session_with_its_token_and_no_store() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice.get("/api/auth/get-session").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(response.header("pragma").as_deref(), Some("no-cache"));
    assert!(
        response.cookies().is_empty(),
        "no refresh on a fresh session"
    );
    let session = response.json();
    assert_read_from_the_database(&session, "get-session");
    assert_eq!(session["session"]["token"], alice.token.as_str());
    assert_eq!(session["user"], alice.signed_up["user"]);
}

#[tokio::test]
async fn without_a_session_get_session_is_null_without_cookies() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/auth/get-session").await;
    assert_eq!(response.status, 200);
    assert!(response.cookies().is_empty());
    assert_eq!(response.text, "null");
}

#[tokio::test]
async fn a_tampered_cookie_is_treated_as_no_session_and_cookies_are_kept() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let forged = format!(
        "better-auth.session_token={}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D",
        alice.token
    );
    let response = app
        .request(Method::GET, "/api/auth/get-session")
        .header("cookie", forged)
        .fetch()
        .await;
    assert!(response.cookies().is_empty());
    assert_eq!(response.text, "null");
}

#[tokio::test]
async fn a_bearer_token_raw_or_signed_works_and_wins_over_the_cookie() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let token = alice.token.as_str();
    // Each request carries Bob's cookie.
    let get_session = |bearer: String| {
        bob.request(Method::GET, "/api/auth/get-session")
            .bearer_auth(bearer)
            .fetch()
    };
    for bearer in [
        token.to_string(),
        sign(token),
        sign(token)
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
    ] {
        let session = get_session(bearer.clone()).await.json();
        assert_eq!(session["user"]["id"], alice.id.as_str(), "bearer {bearer}");
    }
    // An invalid signed bearer is ignored: the cookie (Bob) is used.
    let session = get_session(format!("{token}.invalidsignature"))
        .await
        .json();
    assert_eq!(session["user"]["id"], bob.id.as_str());
}

fn session_count(app: &TestApp, token: &str) -> i64 {
    app.count(&format!("session WHERE token = '{token}'"))
}

#[tokio::test]
async fn an_expired_session_is_deleted_and_its_cookies_expired() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let token = &alice.token;
    app.update_session(token, &format!(r#""expiresAt" = {}"#, app.at("-1 minute")));
    let response = alice.get("/api/auth/get-session").await;
    assert_eq!(response.cookies(), EXPIRED_COOKIES);
    assert_eq!(response.text, "null");
    assert_eq!(session_count(&app, token), 0);
}

/// Reads that arrive together share one query on PostgreSQL (`session_store::shared_read`): each
/// caller still gets its own session, an unknown token gets none, and an expired session in the
/// same batch is deleted without touching the others.
#[tokio::test]
async fn concurrent_reads_of_many_sessions_each_get_their_own() {
    let app = TestApp::spawn().await;
    let mut users = Vec::new();
    for _ in 0..8 {
        users.push(app.sign_up().await);
    }
    let expired = &users[0];
    app.update_session(
        &expired.token,
        &format!(r#""expiresAt" = {}"#, app.at("-1 minute")),
    );
    // A forged signature on a real token, which must not borrow that token's row.
    let forged = format!(
        "better-auth.session_token={}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D",
        users[1].token
    );
    let get = |cookie: &str| {
        app.request(Method::GET, "/api/auth/get-session")
            .header("cookie", cookie)
            .fetch()
    };
    // A correctly signed token that no session has: it reaches the database and finds nothing.
    let unknown = format!(
        "better-auth.session_token={}",
        sign("NoSuchSessionTokenNoSuchSession0")
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D")
    );
    let mut requests = Vec::new();
    for _ in 0..6 {
        for (i, user) in users.iter().enumerate() {
            requests.push((Some(i), get(&user.cookie)));
        }
        requests.push((None, get(&forged)));
        requests.push((None, get(&unknown)));
    }
    let (who, requests): (Vec<_>, Vec<_>) = requests.into_iter().unzip();
    let responses = futures_util::future::join_all(requests).await;
    for (who, response) in who.into_iter().zip(responses) {
        assert_eq!(response.status, 200, "{}", response.text);
        match who {
            Some(0) | None => assert_eq!(response.text, "null"),
            Some(i) => {
                let body = response.json();
                assert_eq!(body["session"]["token"], users[i].token.as_str());
                assert_eq!(body["user"]["id"], users[i].id.as_str());
                assert_eq!(body["user"]["email"], users[i].email.as_str());
            }
        }
    }
    assert_eq!(session_count(&app, &expired.token), 0);
    for user in &users[1..] {
        assert_eq!(session_count(&app, &user.token), 1);
    }
}

#[tokio::test]
async fn a_session_older_than_update_age_is_extended_and_the_cookie_reissued() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let token = &alice.token;
    // Issued two days ago: expires in five days.
    app.update_session(token, &format!(r#""expiresAt" = {}"#, app.at("5 days")));
    let no_refresh = alice
        .get("/api/auth/get-session?disableRefresh=false") // any value counts as true
        .await;
    assert!(no_refresh.cookies().is_empty());
    let response = alice.get("/api/auth/get-session").await;
    let cookies = response.cookies();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].contains("; Max-Age=604800;"));
    assert!(
        response
            .header("set-auth-token")
            .unwrap()
            .starts_with(token.as_str())
    );
    let days = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM session WHERE token = '{token}'",
            rounded(&format!(
                "{} / 86400",
                seconds_between(&app.database_url, r#""expiresAt""#, &app.now())
            ))
        ),
    );
    assert_eq!(days.as_deref(), Some("7"));
}

#[tokio::test]
async fn a_not_remembered_session_is_never_refreshed() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let browser = app.browser();
    let body = browser
        .post(
            "/api/auth/sign-in/email",
            &json!({"email": alice.email, "password": PASSWORD, "rememberMe": false}),
        )
        .await
        .json();
    let token = body["token"].as_str().unwrap();
    app.update_session(token, &format!(r#""expiresAt" = {}"#, app.at("1 hour")));
    let response = browser.get("/api/auth/get-session").await;
    assert!(response.cookies().is_empty());
    assert_eq!(response.json()["session"]["token"], token);
}

#[tokio::test]
async fn post_get_session_is_405_as_in_better_auth() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/auth/get-session", &json!({})).await;
    assert_eq!(response.status, 405);
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        response.json()["code"],
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"
    );
}

#[tokio::test]
async fn sign_out_deletes_the_session_and_expires_three_cookies() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice.post("/api/auth/sign-out", &json!({})).await;
    assert_eq!(response.status, 200);
    assert!(response.header("set-auth-token").is_none());
    assert_eq!(response.cookies().len(), 3);
    assert_eq!(response.text, r#"{"success":true}"#);
    assert_eq!(session_count(&app, &alice.token), 0);
    assert_eq!(alice.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn sign_out_without_a_session_still_succeeds() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/auth/sign-out", &json!({})).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.cookies().len(), 3);
}

#[tokio::test]
async fn ok_error_and_unknown_routes_behave_as_better_auth() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/auth/ok").await.text, r#"{"ok":true}"#);
    let error = app
        .get("/api/auth/error?error=<script>&error_description=<b>x</b>")
        .await;
    assert_eq!(error.header("content-type").as_deref(), Some("text/html"));
    let html = &error.text;
    assert!(
        html.contains("<code>UNKNOWN</code>") && !html.contains("<script>"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
    let coded = app.get("/api/auth/error?error=INVALID_TOKEN").await.text;
    assert!(coded.contains("<code>INVALID_TOKEN</code>"));
    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::GET, "/sign-in/email"),
        (Method::POST, "/ok"),
        (Method::GET, "/ok/"),
        (Method::DELETE, "/get-session"),
    ] {
        let response = app
            .request(method.clone(), &format!("/api/auth{path}"))
            .fetch()
            .await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(response.text, "", "{method} {path}");
    }
}
