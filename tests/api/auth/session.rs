//! `GET /api/auth/get-session` and `POST /api/auth/sign-out`, with cookies and bearer tokens.

use crate::helpers as common;

use common::{SECRET, TestApp, header, query_text, random_email, set_cookies, sql};
use serde_json::{Value, json};

async fn signed_in() -> (TestApp, Value) {
    let app = TestApp::spawn().await;
    let body = app.sign_up("Alice", &random_email(), "password123").await;
    (app, body)
}

fn sign(token: &str) -> String {
    better_auth_actix::auth::crypto::sign_value(&SECRET.into(), token)
}

#[tokio::test]
async fn get_session_returns_the_session_with_its_token_and_no_store() {
    let (app, body) = signed_in().await;
    let response = app.auth_get("/get-session").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        header(response.headers(), "pragma").as_deref(),
        Some("no-cache")
    );
    assert!(
        set_cookies(response.headers()).is_empty(),
        "no refresh on a fresh session"
    );
    let session: Value = response.json().await.unwrap();
    let keys: Vec<&str> = session["session"]
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
    assert_eq!(session["session"]["token"], body["token"]);
    assert_eq!(session["user"], body["user"]);
}

#[tokio::test]
async fn without_a_session_get_session_is_null_without_cookies() {
    let app = TestApp::spawn().await;
    let response = app.auth_get("/get-session").await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(response.text().await.unwrap(), "null");
}

#[tokio::test]
async fn a_tampered_cookie_is_treated_as_no_session_and_cookies_are_kept() {
    let (app, body) = signed_in().await;
    let token = body["token"].as_str().unwrap();
    let forged =
        format!("better-auth.session_token={token}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
    let response = TestApp::new_client()
        .get(app.url("/api/auth/get-session"))
        .header("cookie", forged)
        .send()
        .await
        .unwrap();
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(response.text().await.unwrap(), "null");
}

#[tokio::test]
async fn a_bearer_token_raw_or_signed_works_and_wins_over_the_cookie() {
    let (app, body) = signed_in().await;
    let token = body["token"].as_str().unwrap();
    let other = app.sign_up("Bob", &random_email(), "password123").await; // the client's cookie is now Bob's
    for bearer in [
        token.to_string(),
        sign(token),
        sign(token)
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
    ] {
        let response = app
            .client
            .get(app.url("/api/auth/get-session"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        let session: Value = response.json().await.unwrap();
        assert_eq!(session["user"]["id"], body["user"]["id"], "bearer {bearer}");
    }
    // An invalid signed bearer is ignored: the cookie (Bob) is used.
    let response = app
        .client
        .get(app.url("/api/auth/get-session"))
        .bearer_auth(format!("{token}.invalidsignature"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["user"]["id"],
        other["user"]["id"]
    );
}

#[tokio::test]
async fn an_expired_session_is_deleted_and_its_cookies_expired() {
    let (app, body) = signed_in().await;
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "expiresAt" = now() - interval '1 minute' WHERE token = '{token}'"#
        ),
    );
    let response = app.auth_get("/get-session").await;
    let cookies = set_cookies(response.headers());
    assert_eq!(
        cookies,
        [
            "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
            "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
            "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        ]
    );
    assert_eq!(response.text().await.unwrap(), "null");
    let left = query_text(
        &app.database_url,
        &format!("SELECT count(*)::text AS value FROM session WHERE token = '{token}'"),
    );
    assert_eq!(left.as_deref(), Some("0"));
}

#[tokio::test]
async fn a_session_older_than_update_age_is_extended_and_the_cookie_reissued() {
    let (app, body) = signed_in().await;
    let token = body["token"].as_str().unwrap();
    // Issued two days ago: expires in five days.
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "expiresAt" = now() + interval '5 days' WHERE token = '{token}'"#
        ),
    );
    let no_refresh = app.auth_get("/get-session?disableRefresh=false").await; // any value counts as true
    assert!(set_cookies(no_refresh.headers()).is_empty());
    let response = app.auth_get("/get-session").await;
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].contains("; Max-Age=604800;"));
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
    assert_eq!(days.as_deref(), Some("7"));
}

#[tokio::test]
async fn a_not_remembered_session_is_never_refreshed() {
    let app = TestApp::spawn().await;
    let email = random_email();
    app.sign_up("A", &email, "password123").await;
    let body: Value = app
        .auth_post(
            "/sign-in/email",
            &json!({"email": email, "password": "password123", "rememberMe": false}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = body["token"].as_str().unwrap();
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "expiresAt" = now() + interval '1 hour' WHERE token = '{token}'"#
        ),
    );
    let response = app.auth_get("/get-session").await;
    assert!(set_cookies(response.headers()).is_empty());
    assert_eq!(
        response.json::<Value>().await.unwrap()["session"]["token"],
        token
    );
}

#[tokio::test]
async fn post_get_session_is_405_as_in_better_auth() {
    let app = TestApp::spawn().await;
    let response = app.auth_post("/get-session", &json!({})).await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        header(response.headers(), "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"
    );
}

#[tokio::test]
async fn sign_out_deletes_the_session_and_expires_three_cookies() {
    let (app, body) = signed_in().await;
    let response = app.auth_post("/sign-out", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert!(header(response.headers(), "set-auth-token").is_none());
    assert_eq!(set_cookies(response.headers()).len(), 3);
    assert_eq!(response.text().await.unwrap(), r#"{"success":true}"#);
    let token = body["token"].as_str().unwrap();
    let left = query_text(
        &app.database_url,
        &format!("SELECT count(*)::text AS value FROM session WHERE token = '{token}'"),
    );
    assert_eq!(left.as_deref(), Some("0"));
    assert_eq!(
        app.auth_get("/get-session").await.text().await.unwrap(),
        "null"
    );
}

#[tokio::test]
async fn sign_out_without_a_session_still_succeeds() {
    let app = TestApp::spawn().await;
    let response = app.auth_post("/sign-out", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(set_cookies(response.headers()).len(), 3);
}

#[tokio::test]
async fn ok_error_and_unknown_routes_behave_as_better_auth() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.auth_get("/ok").await.text().await.unwrap(),
        r#"{"ok":true}"#
    );
    let error = app
        .auth_get("/error?error=<script>&error_description=<b>x</b>")
        .await;
    assert_eq!(
        header(error.headers(), "content-type").as_deref(),
        Some("text/html")
    );
    let html = error.text().await.unwrap();
    assert!(
        html.contains("<code>UNKNOWN</code>") && !html.contains("<script>"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
    let coded = app
        .auth_get("/error?error=INVALID_TOKEN")
        .await
        .text()
        .await
        .unwrap();
    assert!(coded.contains("<code>INVALID_TOKEN</code>"));
    for (method, path) in [
        ("GET", "/nope"),
        ("GET", "/sign-in/email"),
        ("POST", "/ok"),
        ("GET", "/ok/"),
        ("DELETE", "/get-session"),
    ] {
        let response = app
            .client
            .request(
                method.parse().unwrap(),
                app.url(&format!("/api/auth{path}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(response.text().await.unwrap(), "", "{method} {path}");
    }
}
