//! The signing-key cache (`JWKS_CACHE_TTL`): reused while fresh, never past the key's own expiry.

use std::time::Duration;

use crate::helpers::{TestApp, TestUser, jwt, sql};

/// The `kid` of the JWT get-session sends the user.
async fn jwt_kid(user: &TestUser) -> String {
    let response = user.get("/api/auth/get-session").await;
    let token = response.header("set-auth-jwt").expect("set-auth-jwt");
    jwt::header(&token)["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_signing_key_is_reused_from_the_cache_while_it_is_fresh() {
    let app = TestApp::spawn_with(|c| c.jwt.key_cache_ttl = Duration::from_secs(60)).await;
    let alice = app.sign_up().await;
    let first = jwt_kid(&alice).await;
    sql(&app.database_url, "DELETE FROM jwks");
    assert_eq!(
        jwt_kid(&alice).await,
        first,
        "served from the cache, no query"
    );
    assert_eq!(app.count("jwks"), 0, "nothing was minted meanwhile");
}

#[tokio::test]
async fn a_cached_key_is_not_used_after_it_expires() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.key_cache_ttl = Duration::from_secs(60);
        c.jwt.rotation_interval = Some(Duration::from_secs(1));
    })
    .await;
    let alice = app.sign_up().await;
    let first = jwt_kid(&alice).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_ne!(
        jwt_kid(&alice).await,
        first,
        "an expired key is replaced at once"
    );
}
