//! Verification values in the secondary storage (Better Auth without `verification.storeInDatabase`):
//! `verification:<identifier>` with a TTL to its expiry, taken once with `GETDEL`.

use better_auth_actix::config::SessionStorageMode::SecondaryOnly;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn redis_a_reset_token_lives_in_redis_and_is_consumed_once() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let sent = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": alice.email}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let key = kv
        .keys()
        .await
        .into_iter()
        .find(|k| k.starts_with("verification:"))
        .expect("the key");
    let token = key
        .strip_prefix("verification:reset-password:")
        .unwrap()
        .to_owned();
    let stored = kv.json(&key).await.unwrap();
    let keys: Vec<&str> = stored
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["createdAt", "updatedAt", "value", "identifier", "expiresAt"]
    );
    assert_eq!(
        stored["identifier"],
        key.strip_prefix("verification:").unwrap()
    );
    assert_eq!(stored["value"], alice.id.as_str());
    assert!((3590..=3600).contains(&kv.ttl(&key).await));
    assert_eq!(app.count("verification"), 0);
    let body = json!({"newPassword": "brand-new-pass", "token": token});
    let reset = app.post("/api/auth/reset-password", &body).await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(kv.get(&key).await, None);
    assert_eq!(
        app.post("/api/auth/reset-password", &body).await.status,
        400
    );
    assert_eq!(app.sign_in(&alice.email, PASSWORD).await.status, 401);
    assert_eq!(
        app.sign_in(&alice.email, "brand-new-pass").await.status,
        200
    );
}
