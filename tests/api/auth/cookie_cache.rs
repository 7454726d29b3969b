//! Better Auth's cookie cache (`SESSION_COOKIE_CACHE`): the `session_data` cookie is set where
//! Better Auth sets it, get-session answers from it without the session row, and every unusable
//! cache falls back to the database.

use crate::helpers as common;

use better_auth_actix::config::{CacheStrategy, Config};
use common::{TestApp, header, random_email, set_cookies, sql};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const STRATEGIES: [CacheStrategy; 3] = [
    CacheStrategy::Compact,
    CacheStrategy::Jwt,
    CacheStrategy::Jwe,
];
const DATA: &str = "better-auth.session_data";

async fn cache_app(strategy: CacheStrategy) -> TestApp {
    TestApp::spawn_with(|c| c.cookie_cache.strategy = Some(strategy)).await
}

/// `name=value` of each Set-Cookie line.
fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    set_cookies(headers)
        .iter()
        .map(|c| {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Signs up a user; returns the client, the sign-up body and the `Cookie` header it was given.
async fn signed_up(app: &TestApp) -> (reqwest::Client, Value, String) {
    let client = TestApp::new_client();
    let response = app
        .post_as(
            &client,
            "/sign-up/email",
            &json!({"name": "Alice", "email": random_email(), "password": "password123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = pairs(response.headers())
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    (client, response.json().await.unwrap(), cookie)
}

/// A client without a cookie jar (reqwest's jar would replace a `cookie` header).
fn plain() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get_session(app: &TestApp, cookie: &str, query: &str) -> reqwest::Response {
    plain()
        .get(app.url(&format!("/api/auth/get-session{query}")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn delete_sessions(app: &TestApp) {
    sql(&app.database_url, "DELETE FROM session");
}

fn first_key(body: &Value) -> String {
    body["session"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn sign_up_sets_the_cache_after_the_session_token_with_better_auths_attributes() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let response = app
            .auth_post(
                "/sign-up/email",
                &json!({"name": "Bob", "email": random_email(), "password": "password123"}),
            )
            .await;
        let cookies = set_cookies(response.headers());
        assert_eq!(cookies.len(), 2, "{strategy:?}: {cookies:?}");
        assert!(cookies[0].starts_with("better-auth.session_token="));
        assert!(cookies[1].starts_with(&format!("{DATA}=")), "{cookies:?}");
        assert!(cookies[1].ends_with("; Max-Age=300; Path=/; HttpOnly; SameSite=Lax"));
    }
}

#[tokio::test]
async fn the_cache_is_off_by_default() {
    let app = TestApp::spawn().await;
    let (_, _, cookie) = signed_up(&app).await;
    assert!(!cookie.contains(DATA));
}

#[tokio::test]
async fn get_session_answers_from_the_cache_without_the_session_row_until_disable_cookie_cache() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let (_, body, cookie) = signed_up(&app).await;
        delete_sessions(&app);
        let response = get_session(&app, &cookie, "").await;
        assert_eq!(response.status(), 200);
        assert!(set_cookies(response.headers()).is_empty(), "{strategy:?}");
        assert!(header(response.headers(), "set-auth-jwt").is_some());
        let cached: Value = response.json().await.unwrap();
        assert_eq!(cached["session"]["token"], body["token"], "{strategy:?}");
        assert_eq!(cached["user"]["email"], body["user"]["email"]);
        // Better Auth answers a cache hit in its schema's key order.
        assert_eq!(first_key(&cached), "id");
        let response = get_session(&app, &cookie, "?disableCookieCache=true").await;
        let cookies = set_cookies(response.headers());
        assert_eq!(response.json::<Value>().await.unwrap(), Value::Null);
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with(&format!("{DATA}=; Max-Age=0")))
        );
    }
}

#[tokio::test]
async fn a_database_read_reissues_the_cache_and_answers_in_adapter_order() {
    let app = cache_app(CacheStrategy::Compact).await;
    let (_, _, cookie) = signed_up(&app).await;
    let response = get_session(&app, &cookie, "?disableCookieCache=true").await;
    let cookies = pairs(response.headers());
    assert_eq!(cookies.len(), 1);
    assert_eq!(cookies[0].0, DATA);
    assert_eq!(first_key(&response.json().await.unwrap()), "expiresAt");
}

/// A cookie header whose cache cookie is replaced by `value`.
fn with_cache(cookie: &str, value: &str) -> String {
    let token = cookie
        .split("; ")
        .find(|c| c.starts_with("better-auth.session_token"))
        .unwrap();
    format!("{token}; {DATA}={value}")
}

async fn assert_falls_back(app: &TestApp, cookie: &str, what: &str) {
    let response = get_session(app, cookie, "").await;
    assert_eq!(response.status(), 200, "{what}");
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 2, "{what}: {cookies:?}");
    assert!(
        cookies[0].starts_with(&format!("{DATA}=; Max-Age=0")),
        "{what}"
    );
    assert!(cookies[1].starts_with(&format!("{DATA}=ey")), "{what}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        first_key(&body),
        "expiresAt",
        "{what}: read from the database"
    );
}

#[tokio::test]
async fn an_unusable_cache_is_expired_and_the_session_read_from_the_database() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let (_, _, cookie) = signed_up(&app).await;
        let value = cookie.split(&format!("{DATA}=")).nth(1).unwrap().to_owned();
        let mut tampered = value.clone().into_bytes();
        let at = tampered.len() / 2;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_falls_back(&app, &with_cache(&cookie, &tampered), "tampered").await;
        // Better Auth answers 500 for these; we read the database.
        assert_falls_back(&app, &with_cache(&cookie, "abc!def"), "invalid base64").await;
        let foreign = if strategy == CacheStrategy::Compact {
            "a.b.c"
        } else {
            "eyJhIjoxfQ"
        };
        assert_falls_back(&app, &with_cache(&cookie, foreign), "another strategy").await;
        // Another user's cache with this session token.
        let (_, _, other) = signed_up(&app).await;
        let other_value = other.split(&format!("{DATA}=")).nth(1).unwrap();
        assert_falls_back(&app, &with_cache(&cookie, other_value), "another token").await;
    }
}

/// A second server on the same database, with an adjusted configuration.
async fn sibling(app: &TestApp, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = app.config.clone();
    adjust(&mut config);
    TestApp::start(config).await
}

#[tokio::test]
async fn another_version_or_an_expired_cache_falls_back() {
    let app = cache_app(CacheStrategy::Jwt).await;
    let (_, _, cookie) = signed_up(&app).await;
    let v2 = sibling(&app, |c| c.cookie_cache.version = "2".into()).await;
    assert_falls_back(&v2, &cookie, "version 2").await;
    let short = sibling(&app, |c| {
        c.cookie_cache.max_age = std::time::Duration::from_secs(1)
    })
    .await;
    let (_, _, cookie) = signed_up(&short).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_falls_back(&short, &cookie, "expired").await;
}

#[tokio::test]
async fn after_a_secret_rotation_only_jwe_caches_are_still_used() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let (_, _, cookie) = signed_up(&app).await;
        let rotated = sibling(&app, |c| {
            c.secrets
                .insert(0, "a-brand-new-secret-0123456789-abcdefghijklmnop".into());
            c.secret_versions = vec![2, 1];
        })
        .await;
        if strategy == CacheStrategy::Jwe {
            delete_sessions(&app);
            let response = get_session(&rotated, &cookie, "").await;
            assert!(set_cookies(response.headers()).is_empty());
            assert_eq!(first_key(&response.json().await.unwrap()), "id");
        } else {
            assert_falls_back(&rotated, &cookie, &format!("{strategy:?} rotated")).await;
        }
    }
}

#[tokio::test]
async fn sign_out_expires_the_cache_and_its_chunks() {
    let app = cache_app(CacheStrategy::Compact).await;
    let (_, _, cookie) = signed_up(&app).await;
    let response = plain()
        .post(app.url("/api/auth/sign-out"))
        .header("origin", "http://localhost:3000")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let names: Vec<String> = pairs(response.headers())
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        names,
        [
            "better-auth.session_token=",
            &format!("{DATA}="),
            &format!("{DATA}="),
            "better-auth.dont_remember="
        ]
    );
}

#[tokio::test]
async fn update_user_reissues_the_cache_with_the_new_name() {
    let app = cache_app(CacheStrategy::Compact).await;
    let (client, _, _) = signed_up(&app).await;
    let response = app
        .post_as(&client, "/update-user", &json!({"name": "Alicia"}))
        .await;
    assert_eq!(response.status(), 200);
    let names: Vec<String> = pairs(response.headers())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(names, ["better-auth.session_token", DATA]);
    delete_sessions(&app);
    let body: Value = app
        .get_as(&client, "/get-session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["user"]["name"], "Alicia");
}

#[tokio::test]
async fn a_not_remembered_sign_in_gets_a_cache_cookie_without_max_age() {
    let app = cache_app(CacheStrategy::Compact).await;
    let email = random_email();
    app.sign_up("Alice", &email, "password123").await;
    let response = app
        .post_as(
            &TestApp::new_client(),
            "/sign-in/email",
            &json!({"email": email, "password": "password123", "rememberMe": false}),
        )
        .await;
    let cookies = set_cookies(response.headers());
    let data = cookies.iter().find(|c| c.starts_with(DATA)).unwrap();
    assert!(data.ends_with("; Path=/; HttpOnly; SameSite=Lax") && !data.contains("Max-Age"));
}

#[tokio::test]
async fn sensitive_endpoints_and_the_task_api_read_the_database() {
    let app = cache_app(CacheStrategy::Jwe).await;
    let (client, _, _) = signed_up(&app).await;
    delete_sessions(&app);
    assert_eq!(app.get_as(&client, "/get-session").await.status(), 200);
    let revoke = app
        .post_as(&client, "/revoke-other-sessions", &json!({}))
        .await;
    assert_eq!(revoke.status(), 401);
    let tasks = client.get(app.url("/api/tasks")).send().await.unwrap();
    assert_eq!(tasks.status(), 401);
}

#[tokio::test]
async fn a_large_cache_is_chunked_and_read_back_from_its_chunks() {
    let app = cache_app(CacheStrategy::Compact).await;
    let (client, _, _) = signed_up(&app).await;
    let image = format!("https://example.com/{}", "x".repeat(5000));
    let response = app
        .post_as(&client, "/update-user", &json!({"image": image}))
        .await;
    let names: Vec<String> = pairs(response.headers())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        names,
        [
            "better-auth.session_token",
            DATA,
            &format!("{DATA}.0"),
            &format!("{DATA}.1")
        ]
    );
    delete_sessions(&app);
    let body: Value = app
        .get_as(&client, "/get-session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["user"]["image"], image.as_str());
}

#[tokio::test]
async fn https_deployments_name_the_cache_cookie_secure() {
    let app = TestApp::spawn_with(|c| {
        c.cookie_cache.strategy = Some(CacheStrategy::Compact);
        c.cookie_cache.max_age = std::time::Duration::from_secs(120);
        c.base_url = "https://auth.example.com/api/auth".parse().unwrap();
    })
    .await;
    let response = app
        .auth_post(
            "/sign-up/email",
            &json!({"name": "Bob", "email": random_email(), "password": "password123"}),
        )
        .await;
    let cookies = set_cookies(response.headers());
    assert!(cookies[1].starts_with("__Secure-better-auth.session_data=ey"));
    assert!(cookies[1].ends_with("; Max-Age=120; Path=/; HttpOnly; Secure; SameSite=Lax"));
}

#[tokio::test]
async fn with_the_cache_off_a_leftover_cache_cookie_is_expired() {
    let cached = cache_app(CacheStrategy::Compact).await;
    let (_, _, cookie) = signed_up(&cached).await;
    let off = sibling(&cached, |c| c.cookie_cache.strategy = None).await;
    let response = get_session(&off, &cookie, "").await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(response.headers());
    assert_eq!(
        cookies,
        [format!(
            "{DATA}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        )]
    );
    assert_eq!(first_key(&response.json().await.unwrap()), "expiresAt");
}
