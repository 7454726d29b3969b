//! Authentication of task requests: bearer JWTs (HS256 with the shared secret), bearer session
//! tokens (raw or signed), the session cookie (with the Origin check on writes), and every
//! rejection.

use crate::helpers as common;
use crate::helpers::tasks as tasks_support;

use common::{TRUSTED, TestApp, query_text, sql};
use jsonwebtoken::Algorithm;
use reqwest::Method;
use serde_json::{Value, json};
use tasks_support::{hand_made, hs256, jwt_with, new_user, now, read, send};

async fn list_with(app: &TestApp, token: &str) -> tasks_support::Reply {
    send(app, Method::GET, "/api/tasks", token, None).await
}

fn assert_unauthorized(reply: &tasks_support::Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {}", reply.text);
    assert_eq!(
        reply.header("www-authenticate").as_deref(),
        Some("Bearer"),
        "{what}"
    );
    assert_eq!(
        reply.json(),
        json!({"message": "Unauthorized", "code": "UNAUTHORIZED"}),
        "{what}"
    );
}

#[tokio::test]
async fn a_request_without_credentials_gets_401_with_www_authenticate_on_every_route() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
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
        let reply = read(
            client
                .request(method.clone(), app.url(path))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_unauthorized(&reply, &format!("{method} {path}"));
    }
}

#[tokio::test]
async fn authentication_is_decided_before_the_body_and_query_are_read() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let bad_json = client
        .post(app.url("/api/tasks"))
        .bearer_auth("not-a-session")
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_unauthorized(&read(bad_json).await, "bad token, bad JSON");
    let oversize = client
        .post(app.url("/api/tasks"))
        .header("content-type", "application/json")
        .body(vec![b' '; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_unauthorized(&read(oversize).await, "no token, oversize body");
    let bad_query = client
        .get(app.url("/api/tasks?limit=0"))
        .send()
        .await
        .unwrap();
    assert_unauthorized(&read(bad_query).await, "no token, bad query");
}

#[tokio::test]
async fn a_raw_or_signed_bearer_session_token_authenticates() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    assert_eq!(list_with(&app, &user.token).await.status, 200);
    assert_eq!(list_with(&app, &user.signed_token).await.status, 200);
    let encoded = user.signed_token.replace('/', "%2F").replace('=', "%3D");
    assert_eq!(
        list_with(&app, &encoded).await.status,
        200,
        "percent-encoded"
    );
    let reply = send(
        &app,
        Method::POST,
        "/api/tasks",
        &user.signed_token,
        Some(&json!({"title": "x"})),
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["user_id"], user.id.as_str());
}

#[tokio::test]
async fn unknown_expired_revoked_or_badly_signed_session_tokens_get_401() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
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
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE session SET "expiresAt" = now() - interval '1 minute' WHERE token = '{}'"#,
            user.token
        ),
    );
    assert_unauthorized(&list_with(&app, &user.token).await, "expired session");
    let other = new_user(&app).await;
    let signed_out = TestApp::new_client()
        .post(app.url("/api/auth/sign-out"))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 200);
    assert_unauthorized(&list_with(&app, &other.token).await, "signed out");
}

#[tokio::test]
async fn the_session_cookie_authenticates_and_writes_need_a_trusted_origin() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    let cookie = format!(
        "better-auth.session_token={}",
        user.signed_token
            .replace('/', "%2F")
            .replace('=', "%3D")
            .replace('+', "%2B")
    );
    let client = TestApp::new_client();
    let get = |path: &str| {
        client
            .get(app.url(path))
            .header("cookie", cookie.clone())
            .send()
    };
    assert_eq!(get("/api/tasks").await.unwrap().status(), 200);
    let post = |origin: Option<&str>| {
        let mut request = client
            .post(app.url("/api/tasks"))
            .header("cookie", cookie.clone())
            .json(&json!({"title": "by cookie"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let missing = read(post(None).await.unwrap()).await;
    assert_eq!(missing.status, 403);
    assert_eq!(
        missing.json(),
        json!({"message": "Missing or null Origin", "code": "MISSING_OR_NULL_ORIGIN"})
    );
    let untrusted = read(post(Some("http://evil.example")).await.unwrap()).await;
    assert_eq!(untrusted.status, 403);
    assert_eq!(
        untrusted.json(),
        json!({"message": "Invalid origin", "code": "INVALID_ORIGIN"})
    );
    assert_eq!(post(Some(TRUSTED)).await.unwrap().status(), 201);
    let unsigned = client
        .get(app.url("/api/tasks"))
        .header(
            "cookie",
            format!("better-auth.session_token={}", user.token),
        )
        .send()
        .await
        .unwrap();
    assert_unauthorized(&read(unsigned).await, "unsigned cookie");
    let count = query_text(
        &app.database_url,
        "SELECT count(*)::text AS value FROM task",
    );
    assert_eq!(count.as_deref(), Some("1"), "only the trusted write landed");
}

#[tokio::test]
async fn an_invalid_bearer_does_not_fall_back_to_a_valid_cookie() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    let cookie = format!(
        "better-auth.session_token={}",
        user.signed_token
            .replace('/', "%2F")
            .replace('=', "%3D")
            .replace('+', "%2B")
    );
    let reply = TestApp::new_client()
        .get(app.url("/api/tasks"))
        .header("cookie", cookie)
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    assert_unauthorized(&read(reply).await, "bad bearer, good cookie");
}

#[tokio::test]
async fn an_hs256_jwt_signed_with_the_shared_secret_authenticates_as_its_sub() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    let token = hs256(&json!({"sub": user.id, "exp": now() + 300, "email": "x@example.com"}));
    let created = send(
        &app,
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
    let user = new_user(&app).await;
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
            jwt_with(Algorithm::HS384, &valid, common::SECRET.as_bytes()),
        ),
        (
            "HS512",
            jwt_with(Algorithm::HS512, &valid, common::SECRET.as_bytes()),
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
        let reply = send(
            &app,
            Method::POST,
            "/api/tasks",
            &token,
            Some(&json!({"title": "x"})),
        )
        .await;
        assert_eq!(reply.status, 401, "{what} (POST)");
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
    let count = query_text(
        &app.database_url,
        "SELECT count(*)::text AS value FROM task",
    );
    assert_eq!(count.as_deref(), Some("0"));
}

#[tokio::test]
async fn a_jwt_whose_user_no_longer_exists_gets_401_on_create_not_500() {
    let app = TestApp::spawn().await;
    let token = hs256(&json!({"sub": "deleted-user-id", "exp": now() + 300}));
    let created = send(
        &app,
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
    let user = new_user(&app).await;
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
    let user = new_user(&app).await;
    let token =
        hs256(&json!({"sub": user.id, "exp": now() + 300, "iss": "anyone", "aud": "anything"}));
    assert_eq!(list_with(&app, &token).await.status, 200);
}

/// A JWT from the jwt plugin (`GET /api/auth/token`) for a user's session.
async fn plugin_jwt(app: &TestApp, user: &tasks_support::User) -> String {
    let reply = send(app, Method::GET, "/api/auth/token", &user.token, None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["token"].as_str().unwrap().to_owned()
}

fn header_of(jwt: &str) -> Value {
    use base64::Engine as _;
    let segment = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn this_servers_eddsa_jwts_authenticate_task_requests() {
    let app = TestApp::spawn().await;
    let user = new_user(&app).await;
    let jwt = plugin_jwt(&app, &user).await;
    assert_eq!(header_of(&jwt)["alg"], "EdDSA");
    let created = send(
        &app,
        Method::POST,
        &format!("/api/{}/tasks", user.id),
        &jwt,
        Some(&json!({"title": "via EdDSA"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["user_id"], user.id.as_str());
    assert_eq!(list_with(&app, &jwt).await.status, 200);
    // Flip one character in the middle of the signature (not the last, whose low bits are padding).
    let mut tampered: Vec<char> = jwt.chars().collect();
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
    let user = new_user(&app).await;
    let jwt = plugin_jwt(&app, &user).await;
    assert_eq!(list_with(&app, &jwt).await.status, 200);
    let kid = header_of(&jwt)["kid"].as_str().unwrap().to_owned();
    // The algorithm is pinned per key: a key recorded as ES256 verifies no EdDSA token.
    sql(
        &app.database_url,
        &format!("UPDATE jwks SET alg = 'ES256' WHERE id = '{kid}'"),
    );
    assert_unauthorized(&list_with(&app, &jwt).await, "key pinned to another alg");
    sql(
        &app.database_url,
        &format!(
            r#"UPDATE jwks SET alg = 'EdDSA', "expiresAt" = now() - interval '31 days' WHERE id = '{kid}'"#
        ),
    );
    assert_unauthorized(&list_with(&app, &jwt).await, "key past its grace period");
    sql(&app.database_url, "DELETE FROM jwks");
    assert_unauthorized(&list_with(&app, &jwt).await, "key deleted");
}

#[tokio::test]
async fn the_jwt_plugins_hs256_tokens_authenticate_task_requests() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.alg = better_auth_actix::config::JwtAlg::Hs256;
    })
    .await;
    let user = new_user(&app).await;
    let jwt = plugin_jwt(&app, &user).await;
    assert_eq!(header_of(&jwt)["alg"], "HS256");
    let reply = list_with(&app, &jwt).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}
