//! The signing-key cache (`JWKS_CACHE_TTL`): reused while fresh, never past the key's own expiry.

use crate::helpers as common;

use std::time::Duration;

use base64::Engine as _;
use common::{TestApp, header, query_text, random_email, sql};

async fn jwt_kid(app: &TestApp) -> String {
    let response = app.auth_get("/get-session").await;
    let jwt = header(response.headers(), "set-auth-jwt").expect("set-auth-jwt");
    let head = jwt.split('.').next().unwrap();
    let head = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap();
    let head: serde_json::Value = serde_json::from_slice(&head).unwrap();
    head["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_signing_key_is_reused_from_the_cache_while_it_is_fresh() {
    let app = TestApp::spawn_with(|c| c.jwt.key_cache_ttl = Duration::from_secs(60)).await;
    app.sign_up("Alice", &random_email(), "password123").await;
    let first = jwt_kid(&app).await;
    sql(&app.database_url, "DELETE FROM jwks");
    assert_eq!(
        jwt_kid(&app).await,
        first,
        "served from the cache, no query"
    );
    let rows = query_text(
        &app.database_url,
        "SELECT count(*)::text AS value FROM jwks",
    );
    assert_eq!(rows.as_deref(), Some("0"), "nothing was minted meanwhile");
}

#[tokio::test]
async fn a_cached_key_is_not_used_after_it_expires() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.key_cache_ttl = Duration::from_secs(60);
        c.jwt.rotation_interval = Some(Duration::from_secs(1));
    })
    .await;
    app.sign_up("Alice", &random_email(), "password123").await;
    let first = jwt_kid(&app).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_ne!(
        jwt_kid(&app).await,
        first,
        "an expired key is replaced at once"
    );
}
