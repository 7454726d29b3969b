//! Better Auth's cookie cache (`SESSION_COOKIE_CACHE`): the `session_data` cookie is set where
//! Better Auth sets it, get-session answers from it without the session row, and every unusable
//! cache falls back to the database.

use better_auth_actix::config::CacheStrategy;
use reqwest::Method;
use serde_json::{Value, json};

use super::assert_read_from_the_database;
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{Fetch as _, PASSWORD, TestApp, TestResponse, random_email, sql};

const STRATEGIES: [CacheStrategy; 3] = [
    CacheStrategy::Compact,
    CacheStrategy::Jwt,
    CacheStrategy::Jwe,
];
const DATA: &str = "better-auth.session_data";

async fn cache_app(strategy: CacheStrategy) -> TestApp {
    TestApp::spawn_with(|c| c.cookie_cache.strategy = Some(strategy)).await
}

/// `GET /api/auth/get-session{query}` with exactly this `Cookie` header.
async fn get_session(app: &TestApp, cookie: &str, query: &str) -> TestResponse {
    app.request(Method::GET, &format!("/api/auth/get-session{query}"))
        .header("cookie", cookie)
        .fetch()
        .await
}

fn delete_sessions(app: &TestApp) {
    sql(&app.database_url, "DELETE FROM session");
}

/// A get-session answer read from the cache: Better Auth answers a cache hit in its schema's key
/// order (`id` first).
fn assert_from_the_cache(body: &Value, what: &str) {
    assert_json_shape!(body, what, @r#"
    {
      "session": {
        "id": "[id]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "userId": "[id]",
        "expiresAt": "[date]",
        "token": "[token]",
        "ipAddress": "",
        "userAgent": ""
      },
      "user": {
        "id": "[id]",
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "email": "[email]",
        "emailVerified": false,
        "name": "User",
        "image": null
      }
    }
    "#);
}

/// The names of the cookies a response sets, in order.
fn cookie_names(response: &TestResponse) -> Vec<String> {
    response
        .cookie_pairs()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

#[tokio::test]
async fn sign_up_sets_the_cache_after_the_session_token_with_better_auths_attributes() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let response = app
            .post(
                "/api/auth/sign-up/email",
                &json!({"name": "Bob", "email": random_email(), "password": "password123"}),
            )
            .await;
        let cookies = response.cookies();
        assert_eq!(cookies.len(), 2, "{strategy:?}: {cookies:?}");
        assert!(cookies[0].starts_with("better-auth.session_token="));
        assert!(cookies[1].starts_with(&format!("{DATA}=")), "{cookies:?}");
        assert!(cookies[1].ends_with("; Max-Age=300; Path=/; HttpOnly; SameSite=Lax"));
    }
}

#[tokio::test]
async fn the_cache_is_off_by_default() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    assert!(!alice.cookie.contains(DATA));
}

#[tokio::test]
async fn get_session_answers_from_the_cache_without_the_session_row_until_disable_cookie_cache() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let alice = app.sign_up().await;
        delete_sessions(&app);
        let response = get_session(&app, &alice.cookie, "").await;
        assert_eq!(response.status, 200);
        assert!(response.cookies().is_empty(), "{strategy:?}");
        assert!(response.header("set-auth-jwt").is_some());
        let cached = response.json();
        assert_eq!(
            cached["session"]["token"],
            alice.token.as_str(),
            "{strategy:?}"
        );
        assert_eq!(cached["user"]["email"], alice.email.as_str());
        assert_from_the_cache(&cached, &format!("{strategy:?}"));
        let response = get_session(&app, &alice.cookie, "?disableCookieCache=true").await;
        assert_eq!(response.json(), Value::Null);
        assert!(
            response
                .cookies()
                .iter()
                .any(|c| c.starts_with(&format!("{DATA}=; Max-Age=0")))
        );
    }
}

#[tokio::test]
async fn a_database_read_reissues_the_cache_and_answers_in_adapter_order() {
    let app = cache_app(CacheStrategy::Compact).await;
    let alice = app.sign_up().await;
    let response = get_session(&app, &alice.cookie, "?disableCookieCache=true").await;
    assert_eq!(cookie_names(&response), [DATA]);
    assert_read_from_the_database(&response.json(), "disableCookieCache");
}

/// A cookie header whose cache cookie is replaced by `value`.
fn with_cache(cookie: &str, value: &str) -> String {
    let token = cookie
        .split("; ")
        .find(|c| c.starts_with("better-auth.session_token"))
        .unwrap();
    format!("{token}; {DATA}={value}")
}

/// The value of the cache cookie in a cookie header.
fn cache_value(cookie: &str) -> &str {
    cookie.split(&format!("{DATA}=")).nth(1).unwrap()
}

async fn assert_falls_back(app: &TestApp, cookie: &str, what: &str) {
    let response = get_session(app, cookie, "").await;
    assert_eq!(response.status, 200, "{what}");
    let cookies = response.cookies();
    assert_eq!(cookies.len(), 2, "{what}: {cookies:?}");
    assert!(
        cookies[0].starts_with(&format!("{DATA}=; Max-Age=0")),
        "{what}"
    );
    assert!(cookies[1].starts_with(&format!("{DATA}=ey")), "{what}");
    assert_read_from_the_database(&response.json(), what);
}

#[tokio::test]
async fn an_unusable_cache_is_expired_and_the_session_read_from_the_database() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let cookie = app.sign_up().await.cookie;
        let mut tampered = cache_value(&cookie).to_owned().into_bytes();
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
        let other = app.sign_up().await.cookie;
        let other = with_cache(&cookie, cache_value(&other));
        assert_falls_back(&app, &other, "another token").await;
    }
}

#[tokio::test]
async fn another_version_or_an_expired_cache_falls_back() {
    let app = cache_app(CacheStrategy::Jwt).await;
    let cookie = app.sign_up().await.cookie;
    let v2 = app.sibling(|c| c.cookie_cache.version = "2".into()).await;
    assert_falls_back(&v2, &cookie, "version 2").await;
    let short = app
        .sibling(|c| c.cookie_cache.max_age = std::time::Duration::from_secs(1))
        .await;
    let cookie = short.sign_up().await.cookie;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_falls_back(&short, &cookie, "expired").await;
}

#[tokio::test]
async fn after_a_secret_rotation_only_jwe_caches_are_still_used() {
    for strategy in STRATEGIES {
        let app = cache_app(strategy).await;
        let cookie = app.sign_up().await.cookie;
        let rotated = app
            .sibling(|c| {
                c.secrets
                    .insert(0, "a-brand-new-secret-0123456789-abcdefghijklmnop".into());
                c.secret_versions = vec![2, 1];
            })
            .await;
        if strategy == CacheStrategy::Jwe {
            delete_sessions(&app);
            let response = get_session(&rotated, &cookie, "").await;
            assert!(response.cookies().is_empty());
            assert_from_the_cache(&response.json(), "JWE after a rotation");
        } else {
            assert_falls_back(&rotated, &cookie, &format!("{strategy:?} rotated")).await;
        }
    }
}

#[tokio::test]
async fn sign_out_expires_the_cache_and_its_chunks() {
    let app = cache_app(CacheStrategy::Compact).await;
    let alice = app.sign_up().await;
    let response = app
        .request(Method::POST, "/api/auth/sign-out")
        .header("origin", "http://localhost:3000")
        .header("cookie", &alice.cookie)
        .fetch()
        .await;
    let names: Vec<String> = response
        .cookie_pairs()
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
    let alice = app.sign_up().await;
    let response = alice
        .post("/api/auth/update-user", &json!({"name": "Alicia"}))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(cookie_names(&response), ["better-auth.session_token", DATA]);
    delete_sessions(&app);
    let body = alice.get("/api/auth/get-session").await.json();
    assert_eq!(body["user"]["name"], "Alicia");
}

#[tokio::test]
async fn a_not_remembered_sign_in_gets_a_cache_cookie_without_max_age() {
    let app = cache_app(CacheStrategy::Compact).await;
    let alice = app.sign_up().await;
    let response = app
        .post(
            "/api/auth/sign-in/email",
            &json!({"email": alice.email, "password": PASSWORD, "rememberMe": false}),
        )
        .await;
    let cookies = response.cookies();
    let data = cookies.iter().find(|c| c.starts_with(DATA)).unwrap();
    assert!(data.ends_with("; Path=/; HttpOnly; SameSite=Lax") && !data.contains("Max-Age"));
}

#[tokio::test]
async fn sensitive_endpoints_and_the_task_api_read_the_database() {
    let app = cache_app(CacheStrategy::Jwe).await;
    let alice = app.sign_up().await;
    delete_sessions(&app);
    assert_eq!(alice.get("/api/auth/get-session").await.status, 200);
    let revoke = alice
        .post("/api/auth/revoke-other-sessions", &json!({}))
        .await;
    assert_eq!(revoke.status, 401);
    assert_eq!(alice.get("/api/tasks").await.status, 401);
}

#[tokio::test]
async fn a_large_cache_is_chunked_and_read_back_from_its_chunks() {
    let app = cache_app(CacheStrategy::Compact).await;
    let alice = app.sign_up().await;
    let image = format!("https://example.com/{}", "x".repeat(5000));
    let response = alice
        .post("/api/auth/update-user", &json!({"image": image}))
        .await;
    assert_eq!(
        cookie_names(&response),
        [
            "better-auth.session_token",
            DATA,
            &format!("{DATA}.0"),
            &format!("{DATA}.1")
        ]
    );
    delete_sessions(&app);
    let body = alice.get("/api/auth/get-session").await.json();
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
        .post(
            "/api/auth/sign-up/email",
            &json!({"name": "Bob", "email": random_email(), "password": "password123"}),
        )
        .await;
    let cookies = response.cookies();
    assert!(cookies[1].starts_with("__Secure-better-auth.session_data=ey"));
    assert!(cookies[1].ends_with("; Max-Age=120; Path=/; HttpOnly; Secure; SameSite=Lax"));
}

#[tokio::test]
async fn with_the_cache_off_a_leftover_cache_cookie_is_expired() {
    let cached = cache_app(CacheStrategy::Compact).await;
    let cookie = cached.sign_up().await.cookie;
    let off = cached.sibling(|c| c.cookie_cache.strategy = None).await;
    let response = get_session(&off, &cookie, "").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.cookies(),
        [format!(
            "{DATA}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        )]
    );
    assert_read_from_the_database(&response.json(), "cache off");
}
