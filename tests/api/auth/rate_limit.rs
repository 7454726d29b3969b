//! Rate limiting of `/api/auth/*`, as Better Auth's rate limiter: rules, keys, the 429, both
//! storages, and one limit shared by two instances on one database.

use std::time::Duration;

use better_auth_actix::config::{Config, Limit, PathRule, RateLimitStorage};
use reqwest::Method;
use serde_json::json;

use crate::helpers::database::{bool_text, epoch_ms_now, text};
use crate::helpers::{
    Fetch as _, TRUSTED, TestApp, TestResponse, fresh_database, query_text, test_config,
};

const BODY_429: &str = r#"{"message":"Too many requests. Please try again later."}"#;

fn enabled(c: &mut Config) {
    c.rate_limit.enabled = true;
}

fn rule(pattern: &str, max: u32, window_secs: u64) -> PathRule {
    PathRule {
        pattern: pattern.into(),
        limit: Some(Limit {
            window: Duration::from_secs(window_secs),
            max,
        }),
    }
}

async fn send(app: &TestApp, method: Method, path: &str) -> TestResponse {
    app.request(method, path).fetch().await
}

/// A failing sign-in, optionally through a proxy that names the client.
async fn failed_sign_in(app: &TestApp, forwarded_for: Option<&str>) -> TestResponse {
    let mut request = app
        .request(Method::POST, "/api/auth/sign-in/email")
        .json(&json!({"email": "nobody@example.com", "password": "wrong-password"}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.fetch().await
}

async fn sign_in(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    failed_sign_in(app, forwarded_for).await.status.as_u16()
}

async fn statuses(app: &TestApp, method: Method, path: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(send(app, method.clone(), path).await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn sign_in_allows_three_requests_per_ten_seconds_then_answers_429_with_x_retry_after() {
    let app = TestApp::spawn_with(enabled).await;
    for _ in 0..3 {
        assert_eq!(sign_in(&app, None).await, 401);
    }
    let response = failed_sign_in(&app, None).await;
    assert_eq!(response.status, 429);
    let retry: u64 = response.header("x-retry-after").unwrap().parse().unwrap();
    assert!((9..=10).contains(&retry), "{retry}");
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(response.text, BODY_429);
}

#[tokio::test]
async fn sign_up_change_password_and_change_email_share_the_three_per_ten_seconds_rule() {
    let app = TestApp::spawn_with(enabled).await;
    for path in [
        "/api/auth/sign-up/email",
        "/api/auth/change-password",
        "/api/auth/change-email",
    ] {
        let got = statuses(&app, Method::POST, path, 4).await;
        assert_eq!(got[3], 429, "{path}: {got:?}");
        assert!(got[..3].iter().all(|s| *s != 429), "{path}: {got:?}");
    }
}

#[tokio::test]
async fn email_endpoints_allow_three_requests_per_minute() {
    let app = TestApp::spawn_with(enabled).await;
    for path in [
        "/api/auth/request-password-reset",
        "/api/auth/send-verification-email",
        "/api/auth/forget-password",
    ] {
        let got = statuses(&app, Method::POST, path, 3).await;
        assert!(!got.contains(&429), "{path}: {got:?}");
        let response = send(&app, Method::POST, path).await;
        assert_eq!(response.status, 429, "{path}");
        let retry: u64 = response.header("x-retry-after").unwrap().parse().unwrap();
        assert!((55..=60).contains(&retry), "{retry}");
    }
}

#[tokio::test]
async fn every_method_and_unknown_paths_are_counted_before_routing() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.rate_limit.default.max = 2;
    })
    .await;
    assert_eq!(
        send(&app, Method::GET, "/api/auth/no-such-route")
            .await
            .status,
        404
    );
    assert_eq!(
        send(&app, Method::PUT, "/api/auth/no-such-route")
            .await
            .status,
        404
    );
    let response = send(&app, Method::DELETE, "/api/auth/no-such-route/").await;
    assert_eq!(response.status, 429, "the trailing slash is the same path");
    assert_eq!(response.text, BODY_429);
    assert_eq!(
        statuses(&app, Method::GET, "/api/auth/ok", 3).await,
        [200, 200, 429]
    );
}

#[tokio::test]
async fn routes_outside_the_auth_api_are_not_limited() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.rate_limit.default.max = 1;
    })
    .await;
    assert!(
        statuses(&app, Method::GET, "/health", 5)
            .await
            .iter()
            .all(|s| *s == 200)
    );
    assert!(
        statuses(&app, Method::GET, "/api/authx", 3)
            .await
            .iter()
            .all(|s| *s == 404)
    );
}

#[tokio::test]
async fn buckets_are_per_path_and_per_client_ip_behind_trusted_proxies_only() {
    let app = TestApp::spawn_with(enabled).await;
    for _ in 0..3 {
        sign_in(&app, Some("198.51.100.1")).await;
    }
    assert_eq!(
        sign_in(&app, Some("198.51.100.2")).await,
        429,
        "X-Forwarded-For from an untrusted peer is ignored"
    );
    assert_eq!(
        send(&app, Method::GET, "/api/auth/ok").await.status,
        200,
        "another path has its own bucket"
    );

    let proxied = TestApp::spawn_with(|c| {
        enabled(c);
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for _ in 0..3 {
        assert_eq!(sign_in(&proxied, Some("6.6.6.6, 198.51.100.1")).await, 401);
    }
    assert_eq!(
        sign_in(&proxied, Some("198.51.100.1")).await,
        429,
        "same client, spoofed prefix ignored"
    );
    assert_eq!(
        sign_in(&proxied, Some("198.51.100.2")).await,
        401,
        "another client behind the proxy"
    );
}

#[tokio::test]
async fn custom_rules_override_the_defaults_and_can_turn_limiting_off() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.rate_limit.default.max = 1;
        c.rate_limit.rules = vec![
            rule("/sign-in/email", 5, 60),
            PathRule {
                pattern: "/get-session".into(),
                limit: None,
            },
        ];
    })
    .await;
    assert!(
        statuses(&app, Method::GET, "/api/auth/get-session", 5)
            .await
            .iter()
            .all(|s| *s == 200)
    );
    for _ in 0..5 {
        assert_eq!(sign_in(&app, None).await, 401);
    }
    assert_eq!(sign_in(&app, None).await, 429);
}

#[tokio::test]
async fn disabled_rate_limiting_never_rejects() {
    let app = TestApp::spawn().await;
    for _ in 0..8 {
        assert_eq!(sign_in(&app, None).await, 401);
    }
}

#[tokio::test]
async fn a_window_restarts_once_it_has_passed_in_memory_and_in_the_database() {
    for storage in [RateLimitStorage::Memory, RateLimitStorage::Database] {
        let app = TestApp::spawn_with(|c| {
            enabled(c);
            c.rate_limit.storage = storage;
            c.rate_limit.rules = vec![rule("/ok", 1, 1)];
        })
        .await;
        assert_eq!(
            statuses(&app, Method::GET, "/api/auth/ok", 2).await,
            [200, 429],
            "{storage:?}"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            statuses(&app, Method::GET, "/api/auth/ok", 2).await,
            [200, 429],
            "{storage:?}"
        );
    }
}

#[tokio::test]
async fn database_storage_keeps_better_auths_rate_limit_rows() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.rate_limit.storage = RateLimitStorage::Database;
    })
    .await;
    for _ in 0..3 {
        sign_in(&app, None).await;
    }
    let response = app
        .request(Method::POST, "/api/auth/sign-in/email")
        .json(&json!({}))
        .fetch()
        .await;
    assert_eq!(response.status, 429);
    assert_eq!(response.header("x-retry-after").as_deref(), Some("10"));
    assert_eq!(response.text, BODY_429);
    let db = &app.database_url;
    let row = |expr: &str| {
        query_text(
            db,
            &format!(r#"SELECT {} AS value FROM "rateLimit""#, text(expr)),
        )
        .unwrap()
    };
    assert_eq!(row("key"), "127.0.0.1|/sign-in/email");
    assert_eq!(row("count"), "3", "rejections are not counted");
    assert_eq!(row("length(id)"), "32");
    let recent = format!(r#"abs("lastRequest" - {}) < 10000"#, epoch_ms_now(db));
    assert_eq!(
        query_text(
            db,
            &format!(r#"SELECT {} AS value FROM "rateLimit""#, bool_text(&recent))
        )
        .as_deref(),
        Some("true"),
        "epoch ms"
    );
}

#[tokio::test]
async fn two_instances_sharing_a_database_allow_no_more_than_the_limit_together() {
    let db = fresh_database();
    let mut config = test_config(&db);
    enabled(&mut config);
    config.rate_limit.storage = RateLimitStorage::Database;
    config.rate_limit.rules = vec![rule("/ok", 5, 60)];
    let (a, b) = (
        TestApp::start(config.clone()).await,
        TestApp::start(config).await,
    );
    let requests = (0..40).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        app.get("/api/auth/ok")
    });
    let results = futures_util::future::join_all(requests).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    let limited = results.iter().filter(|r| r.status == 429).count();
    assert_eq!((ok, limited), (5, 35));
    assert_eq!(
        query_text(
            &db,
            r#"SELECT CAST(count AS TEXT) AS value FROM "rateLimit""#
        )
        .as_deref(),
        Some("5")
    );
}

#[tokio::test]
async fn a_cross_origin_429_still_carries_cors_headers() {
    let app = TestApp::spawn_with(|c| {
        enabled(c);
        c.rate_limit.rules = vec![rule("/ok", 1, 60)];
    })
    .await;
    let get = || {
        app.request(Method::GET, "/api/auth/ok")
            .header("origin", TRUSTED)
            .fetch()
    };
    assert_eq!(get().await.status, 200);
    let response = get().await;
    assert_eq!(response.status, 429);
    assert_eq!(
        response.header("access-control-allow-origin").as_deref(),
        Some(TRUSTED)
    );
    // A preflight is answered by CORS and not counted.
    let preflight = app
        .request(Method::OPTIONS, "/api/auth/ok")
        .header("origin", TRUSTED)
        .header("access-control-request-method", "GET")
        .fetch()
        .await;
    assert_eq!(preflight.status, 200);
}
