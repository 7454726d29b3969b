//! Authentication of task requests: bearer JWTs (HS256 with the shared secret), bearer session
//! tokens (raw or signed), the session cookie (with the Origin check on writes), and every
//! rejection.

use jsonwebtoken::Algorithm;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::jwt::{self, hand_made, hs256, jwt_with, now};
use crate::helpers::{Fetch as _, SECRET, TRUSTED, TestApp, TestResponse, TestUser, sql};

async fn list_with(app: &TestApp, token: &str) -> TestResponse {
    app.send(Method::GET, "/api/tasks", token, None).await
}

fn assert_unauthorized(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text);
    assert_eq!(
        response.header("www-authenticate").as_deref(),
        Some("Bearer"),
        "{what}"
    );
    assert_eq!(
        response.json(),
        json!({"message": "Unauthorized", "code": "UNAUTHORIZED"}),
        "{what}"
    );
}

#[tokio::test]
async fn a_request_without_credentials_gets_401_with_www_authenticate_on_every_route() {
    let app = TestApp::spawn().await;
    let routes = [
        (Method::GET, "/api/tasks"),
        (Method::POST, "/api/tasks"),
        (Method::GET, "/api/tasks/1"),
        (Method::PUT, "/api/tasks/1"),
        (Method::PATCH, "/api/tasks/1"),
        (Method::PATCH, "/api/tasks/1/complete"),
        (Method::DELETE, "/api/tasks/1"),
        (Method::GET, "/api/someone/tasks"),
        (Method::POST, "/api/someone/tasks"),
        (Method::GET, "/api/someone/tasks/abc"),
        (Method::PUT, "/api/someone/tasks/1"),
        (Method::PATCH, "/api/someone/tasks/1"),
        (Method::PATCH, "/api/someone/tasks/1/complete"),
        (Method::DELETE, "/api/someone/tasks/1"),
    ];
    for (method, path) in routes {
        let response = app.request(method.clone(), path).fetch().await;
        assert_unauthorized(&response, &format!("{method} {path}"));
    }
}

#[tokio::test]
async fn authentication_is_decided_before_the_body_and_query_are_read() {
    let app = TestApp::spawn().await;
    let bad_json = app
        .request(Method::POST, "/api/tasks")
        .bearer_auth("not-a-session")
        .header("content-type", "application/json")
        .body("{oops")
        .fetch()
        .await;
    assert_unauthorized(&bad_json, "bad token, bad JSON");
    let oversize = app
        .request(Method::POST, "/api/tasks")
        .header("content-type", "application/json")
        .body(vec![b' '; 1 << 20])
        .fetch()
        .await;
    assert_unauthorized(&oversize, "no token, oversize body");
    let bad_query = app.get("/api/tasks?limit=0").await;
    assert_unauthorized(&bad_query, "no token, bad query");
}

#[tokio::test]
async fn a_raw_or_signed_bearer_session_token_authenticates() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    assert_eq!(list_with(&app, &user.token).await.status, 200);
    assert_eq!(list_with(&app, &user.signed_token).await.status, 200);
    let encoded = user.signed_token.replace('/', "%2F").replace('=', "%3D");
    assert_eq!(
        list_with(&app, &encoded).await.status,
        200,
        "percent-encoded"
    );
    let response = app
        .send(
            Method::POST,
            "/api/tasks",
            &user.signed_token,
            Some(&json!({"title": "x"})),
        )
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(response.json()["user_id"], user.id.as_str());
}

#[tokio::test]
async fn unknown_expired_revoked_or_badly_signed_session_tokens_get_401() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let forged_sig = format!(
        "{}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        user.token
    );
    assert_unauthorized(&list_with(&app, &forged_sig).await, "forged signature");
    assert_unauthorized(
        &list_with(&app, "abcdefghijklmnopqrstuvwxyz012345").await,
        "unknown token",
    );
    assert_unauthorized(&list_with(&app, "").await, "empty bearer");
    app.update_session(
        &user.token,
        &format!(r#""expiresAt" = {}"#, app.at("-1 minute")),
    );
    assert_unauthorized(&list_with(&app, &user.token).await, "expired session");
    let other = app.sign_up().await;
    let signed_out = app
        .send(Method::POST, "/api/auth/sign-out", &other.token, None)
        .await;
    assert_eq!(signed_out.status, 200);
    assert_unauthorized(&list_with(&app, &other.token).await, "signed out");
}

#[tokio::test]
async fn the_session_cookie_authenticates_and_writes_need_a_trusted_origin() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    // The signed token, percent-encoded, as sign-up set it.
    let cookie = &user.cookie;
    let get = app
        .request(Method::GET, "/api/tasks")
        .header("cookie", cookie)
        .fetch()
        .await;
    assert_eq!(get.status, 200);
    let post = |origin: Option<&str>| {
        let mut request = app
            .request(Method::POST, "/api/tasks")
            .header("cookie", cookie)
            .json(&json!({"title": "by cookie"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.fetch()
    };
    let missing = post(None).await;
    assert_eq!(missing.status, 403);
    assert_eq!(
        missing.json(),
        json!({"message": "Missing or null Origin", "code": "MISSING_OR_NULL_ORIGIN"})
    );
    let untrusted = post(Some("http://evil.example")).await;
    assert_eq!(untrusted.status, 403);
    assert_eq!(
        untrusted.json(),
        json!({"message": "Invalid origin", "code": "INVALID_ORIGIN"})
    );
    assert_eq!(post(Some(TRUSTED)).await.status, 201);
    let unsigned = app
        .request(Method::GET, "/api/tasks")
        .header(
            "cookie",
            format!("better-auth.session_token={}", user.token),
        )
        .fetch()
        .await;
    assert_unauthorized(&unsigned, "unsigned cookie");
    assert_eq!(app.count("task"), 1, "only the trusted write landed");
}

#[tokio::test]
async fn an_invalid_bearer_does_not_fall_back_to_a_valid_cookie() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let response = app
        .request(Method::GET, "/api/tasks")
        .header("cookie", &user.cookie)
        .bearer_auth("garbage")
        .fetch()
        .await;
    assert_unauthorized(&response, "bad bearer, good cookie");
}

#[tokio::test]
async fn an_hs256_jwt_signed_with_the_shared_secret_authenticates_as_its_sub() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let token = hs256(&json!({"sub": user.id, "exp": now() + 300, "email": "x@example.com"}));
    let created = app
        .send(
            Method::POST,
            &format!("/api/{}/tasks", user.id),
            &token,
            Some(&json!({"title": "from FastAPI's token"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["user_id"], user.id.as_str());
    let listed = list_with(&app, &user.token).await.json();
    assert_eq!(listed[0]["title"], "from FastAPI's token");
}

#[tokio::test]
async fn forged_expired_unsigned_and_algorithm_confused_jwts_get_401() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let sub = user.id.as_str();
    let valid = json!({"sub": sub, "exp": now() + 300});
    let other_secret = b"another-secret-0123456789-abcdefghijklmnop";
    let cases: Vec<(&str, String)> = vec![
        (
            "another secret",
            jwt_with(Algorithm::HS256, &valid, other_secret),
        ),
        ("expired", hs256(&json!({"sub": sub, "exp": now() - 3600}))),
        ("no exp", hs256(&json!({"sub": sub}))),
        ("no sub", hs256(&json!({"exp": now() + 300}))),
        ("empty sub", hs256(&json!({"sub": "", "exp": now() + 300}))),
        (
            "numeric sub",
            hs256(&json!({"sub": 42, "exp": now() + 300})),
        ),
        (
            "nbf in the future",
            hs256(&json!({"sub": sub, "exp": now() + 7200, "nbf": now() + 3600})),
        ),
        (
            "HS384",
            jwt_with(Algorithm::HS384, &valid, SECRET.as_bytes()),
        ),
        (
            "HS512",
            jwt_with(Algorithm::HS512, &valid, SECRET.as_bytes()),
        ),
        (
            "alg none",
            hand_made(&json!({"alg": "none", "typ": "JWT"}), &valid, false),
        ),
        (
            "alg none, signed",
            hand_made(&json!({"alg": "none"}), &valid, true),
        ),
        (
            "alg NONE",
            hand_made(&json!({"alg": "NONE"}), &valid, false),
        ),
        (
            "RS256 with the secret",
            hand_made(&json!({"alg": "RS256"}), &valid, true),
        ),
        (
            "EdDSA with the secret",
            hand_made(&json!({"alg": "EdDSA", "kid": "k"}), &valid, true),
        ),
        (
            "ES256 with the secret",
            hand_made(&json!({"alg": "ES256"}), &valid, true),
        ),
        ("no alg", hand_made(&json!({"typ": "JWT"}), &valid, true)),
        ("garbage", "a.b.c".into()),
    ];
    for (what, token) in cases {
        assert_unauthorized(&list_with(&app, &token).await, what);
        let response = app
            .send(
                Method::POST,
                "/api/tasks",
                &token,
                Some(&json!({"title": "x"})),
            )
            .await;
        assert_eq!(response.status, 401, "{what} (POST)");
    }
    let tampered = {
        let token = hs256(&valid);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = hand_made(
            &json!({}),
            &json!({"sub": "someone-else", "exp": now() + 300}),
            false,
        )
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
        parts.join(".")
    };
    assert_unauthorized(&list_with(&app, &tampered).await, "tampered payload");
    assert_eq!(app.count("task"), 0);
}

#[tokio::test]
async fn a_jwt_whose_user_no_longer_exists_gets_401_on_create_not_500() {
    let app = TestApp::spawn().await;
    let token = hs256(&json!({"sub": "deleted-user-id", "exp": now() + 300}));
    let created = app
        .send(
            Method::POST,
            "/api/tasks",
            &token,
            Some(&json!({"title": "orphan"})),
        )
        .await;
    assert_unauthorized(&created, "create for a missing user");
    let listed = list_with(&app, &token).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json(), json!([]));
}

#[tokio::test]
async fn issuer_and_audience_are_enforced_when_configured() {
    let app = TestApp::spawn_with(|config| {
        config.jwt_issuer = Some("https://issuer.example".into());
        config.jwt_audience = Some("tasks-api".into());
    })
    .await;
    let user = app.sign_up().await;
    let claims = |iss: Value, aud: Value| {
        let mut c = json!({"sub": user.id, "exp": now() + 300});
        if !iss.is_null() {
            c["iss"] = iss;
        }
        if !aud.is_null() {
            c["aud"] = aud;
        }
        hs256(&c)
    };
    let ok = claims(json!("https://issuer.example"), json!("tasks-api"));
    assert_eq!(list_with(&app, &ok).await.status, 200);
    let in_list = claims(
        json!("https://issuer.example"),
        json!(["other", "tasks-api"]),
    );
    assert_eq!(list_with(&app, &in_list).await.status, 200);
    for (what, token) in [
        (
            "wrong iss",
            claims(json!("https://evil.example"), json!("tasks-api")),
        ),
        (
            "wrong aud",
            claims(json!("https://issuer.example"), json!("other")),
        ),
        ("no iss", claims(Value::Null, json!("tasks-api"))),
        (
            "no aud",
            claims(json!("https://issuer.example"), Value::Null),
        ),
    ] {
        assert_unauthorized(&list_with(&app, &token).await, what);
    }
}

#[tokio::test]
async fn issuer_and_audience_are_not_checked_when_unset() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let token =
        hs256(&json!({"sub": user.id, "exp": now() + 300, "iss": "anyone", "aud": "anything"}));
    assert_eq!(list_with(&app, &token).await.status, 200);
}

/// A JWT from the jwt plugin (`GET /api/auth/token`) for a user's session.
async fn plugin_jwt(app: &TestApp, user: &TestUser) -> String {
    let response = app
        .send(Method::GET, "/api/auth/token", &user.token, None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn this_servers_eddsa_jwts_authenticate_task_requests() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let token = plugin_jwt(&app, &user).await;
    assert_eq!(jwt::header(&token)["alg"], "EdDSA");
    let created = app
        .send(
            Method::POST,
            &format!("/api/{}/tasks", user.id),
            &token,
            Some(&json!({"title": "via EdDSA"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["user_id"], user.id.as_str());
    assert_eq!(list_with(&app, &token).await.status, 200);
    // Flip one character in the middle of the signature (not the last, whose low bits are padding).
    let mut tampered: Vec<char> = token.chars().collect();
    let at = tampered.len() - 20;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert_unauthorized(
        &list_with(&app, &tampered).await,
        "tampered EdDSA signature",
    );
}

#[tokio::test]
async fn an_eddsa_jwt_fails_once_its_key_changes_algorithm_or_leaves_the_grace_period() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let token = plugin_jwt(&app, &user).await;
    assert_eq!(list_with(&app, &token).await.status, 200);
    let kid = jwt::header(&token)["kid"].as_str().unwrap().to_owned();
    // The algorithm is pinned per key: a key recorded as ES256 verifies no EdDSA token.
    sql(
        &app.database_url,
        &format!("UPDATE jwks SET alg = 'ES256' WHERE id = '{kid}'"),
    );
    assert_unauthorized(&list_with(&app, &token).await, "key pinned to another alg");
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE jwks SET alg = 'EdDSA', "expiresAt" = {} WHERE id = '{kid}'"#,
            app.at("-31 days")
        ),
    );
    assert_unauthorized(&list_with(&app, &token).await, "key past its grace period");
    sql(&app.database_url, "DELETE FROM jwks");
    assert_unauthorized(&list_with(&app, &token).await, "key deleted");
}

#[tokio::test]
async fn the_jwt_plugins_hs256_tokens_authenticate_task_requests() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.alg = better_auth_actix::config::JwtAlg::Hs256;
    })
    .await;
    let user = app.sign_up().await;
    let token = plugin_jwt(&app, &user).await;
    assert_eq!(jwt::header(&token)["alg"], "HS256");
    let response = list_with(&app, &token).await;
    assert_eq!(response.status, 200, "{}", response.text);
}
