//! `SESSION_STORE_IN_DATABASE` (a row mirrored to Redis, read with a database fallback) and
//! `SESSION_PRESERVE_IN_DATABASE` (Redis alone decides; a deleted session's row is kept, ended).

use better_auth_actix::config::SessionStorageMode::{Database, PreserveInDatabase};
use serde_json::json;

use crate::helpers::{TestApp, query_text};

#[tokio::test]
async fn redis_store_in_database_mirrors_the_row_and_falls_back_to_it_on_a_miss() {
    let (app, kv) = TestApp::spawn_on_redis(Database).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    assert_eq!(app.count("session"), 2);
    let stored = kv.json(&alice.token).await.expect("mirrored");
    let row_id = query_text(
        &app.database_url,
        &format!(
            "SELECT id AS value FROM session WHERE token = '{}'",
            alice.token
        ),
    );
    assert_eq!(stored["session"]["id"], row_id.unwrap().as_str());
    kv.delete(&alice.token).await;
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.json()["session"]["token"], alice.token.as_str());
    // Listed from the database.
    kv.delete(&format!("active-sessions-{}", alice.id)).await;
    let list = alice.get("/api/auth/list-sessions").await;
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    let out = second.post("/api/auth/sign-out", &json!({})).await;
    assert_eq!(out.status, 200);
    assert_eq!(kv.get(&second.token).await, None);
    assert_eq!(app.count("session"), 1);
}

#[tokio::test]
async fn redis_preserve_in_database_reads_redis_only_and_ends_rows_instead_of_deleting() {
    let (app, kv) = TestApp::spawn_on_redis(PreserveInDatabase).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let out = second.post("/api/auth/sign-out", &json!({})).await;
    assert_eq!(out.status, 200);
    assert_eq!(kv.get(&second.token).await, None);
    assert_eq!(app.count("session"), 2);
    let ended = app.count(&format!(
        r#"session WHERE token = '{}' AND "expiresAt" <= {}"#,
        second.token,
        app.now()
    ));
    assert_eq!(ended, 1);
    // No fallback: a missing key is no session, whatever the table says.
    kv.delete(&alice.token).await;
    assert_eq!(alice.get("/api/auth/get-session").await.text, "null");
}
