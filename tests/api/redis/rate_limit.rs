//! `RATE_LIMIT_STORAGE=secondary-storage`: Better Auth's `<ip>|<path>` counters in Redis, one
//! budget for every instance on the Redis.

use better_auth_actix::config::{RateLimitStorage, SessionStorageMode::SecondaryOnly};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Fetch as _, TestApp};

async fn failed_sign_in(app: &TestApp) -> u16 {
    app.request(Method::POST, "/api/auth/sign-in/email")
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"email": "nobody@example.com", "password": "wrong-password"}))
        .fetch()
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn redis_two_instances_share_one_sign_in_budget_under_better_auths_key() {
    let (one, kv) = TestApp::spawn_on_redis_with(SecondaryOnly, |c| {
        c.rate_limit.enabled = true;
        // What `RATE_LIMIT_STORAGE` defaults to with `SECONDARY_STORAGE_URL` (see config tests).
        c.rate_limit.storage = RateLimitStorage::SecondaryStorage;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let two = one.sibling(|_| {}).await;
    let mut statuses = Vec::new();
    for app in [&one, &two, &one, &two, &one] {
        statuses.push(failed_sign_in(app).await);
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let key = "203.0.113.7|/sign-in/email";
    assert_eq!(kv.get(key).await.as_deref(), Some("5"));
    let ttl = kv.ttl(key).await;
    assert!((1..=10).contains(&ttl), "ttl {ttl}");
}
