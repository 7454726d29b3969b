//! Secondary-only mode (Better Auth's default with a `secondaryStorage`): sessions live in Redis
//! alone, under their token, with the `active-sessions-<userId>` list and the
//! `revoked-sessions-before-<userId>` mark.

use std::time::Duration;

use better_auth_actix::config::SessionStorageMode::SecondaryOnly;
use reqwest::Method;
use serde_json::json;

use crate::auth::EXPIRED_COOKIES;
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{Fetch as _, TestApp};

#[tokio::test]
async fn redis_sign_up_stores_the_session_under_its_token_as_better_auth_does() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let stored = kv.json(&alice.token).await.expect("the session key");
    assert_json_shape!(stored, @r#"
    {
      "session": {
        "id": "[id]",
        "ipAddress": "",
        "userAgent": "",
        "expiresAt": "[date]",
        "userId": "[id]",
        "token": "[token]",
        "createdAt": "[date]",
        "updatedAt": "[date]"
      },
      "user": {
        "name": "User",
        "email": "[email]",
        "emailVerified": false,
        "image": null,
        "createdAt": "[date]",
        "updatedAt": "[date]",
        "id": "[id]"
      }
    }
    "#);
    assert_eq!(stored["session"]["token"], alice.token.as_str());
    assert_eq!(stored["user"]["id"], alice.id.as_str());
    let ttl = kv.ttl(&alice.token).await;
    assert!((604_790..=604_800).contains(&ttl), "ttl {ttl}");
    let list_key = format!("active-sessions-{}", alice.id);
    let list = kv.json(&list_key).await.expect("the list");
    let expires_ms =
        chrono::DateTime::parse_from_rfc3339(stored["session"]["expiresAt"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
    assert_eq!(
        list,
        json!([{"token": alice.token, "expiresAt": expires_ms}])
    );
    assert!((604_790..=604_800).contains(&kv.ttl(&list_key).await));
    assert_eq!(kv.keys().await.len(), 2);
    // Secondary-only: no row.
    assert_eq!(app.count("session"), 0);
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["session"]["token"], alice.token.as_str());
}

#[tokio::test]
async fn redis_a_session_written_by_node_is_found_and_a_missing_key_is_no_session() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    // The value exactly as Better Auth 1.7.25 writes it, with a field we do not know.
    let mut stored = kv.json(&alice.token).await.unwrap();
    stored["session"]["impersonatedBy"] = json!(null);
    stored["user"]["name"] = json!("Written by Node");
    kv.set(&alice.token, &stored.to_string(), 600).await;
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.json()["user"]["name"], "Written by Node");
    kv.delete(&alice.token).await;
    let gone = alice.get("/api/auth/get-session").await;
    assert_eq!(gone.status, 200);
    assert_eq!(gone.text, "null");
    assert_eq!(gone.cookies()[..2], EXPIRED_COOKIES[..2]);
    let tasks = app
        .send(Method::GET, "/api/tasks", &alice.token, None)
        .await;
    assert_eq!(tasks.status, 401);
}

#[tokio::test]
async fn redis_the_task_api_accepts_a_session_kept_in_redis() {
    let (app, _kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let tasks = app
        .send(Method::GET, "/api/tasks", &alice.token, None)
        .await;
    assert_eq!(tasks.status, 200, "{}", tasks.text);
    let by_cookie = alice.get("/api/tasks").await;
    assert_eq!(by_cookie.status, 200);
}

#[tokio::test]
async fn redis_sign_out_deletes_the_key_and_its_list_entry() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let out = alice.post("/api/auth/sign-out", &json!({})).await;
    assert_eq!(out.status, 200);
    assert_eq!(kv.get(&alice.token).await, None);
    let list = kv
        .json(&format!("active-sessions-{}", alice.id))
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["token"], second.token.as_str());
    let still = second.get("/api/auth/get-session").await;
    assert_eq!(still.json()["session"]["token"], second.token.as_str());
}

#[tokio::test]
async fn redis_list_sessions_reads_the_list_and_revoke_session_rewrites_it() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let bob = app.sign_up().await;
    let list = alice.get("/api/auth/list-sessions").await;
    assert_eq!(list.status, 200);
    let tokens: Vec<String> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens, [alice.token.clone(), second.token.clone()]);
    // Another user's token is left alone.
    let other = alice
        .post("/api/auth/revoke-session", &json!({"token": bob.token}))
        .await;
    assert_eq!(other.status, 200);
    assert!(kv.get(&bob.token).await.is_some());
    let revoked = alice
        .post("/api/auth/revoke-session", &json!({"token": second.token}))
        .await;
    assert_eq!(revoked.json(), json!({"status": true}));
    assert_eq!(kv.get(&second.token).await, None);
    let list = kv
        .json(&format!("active-sessions-{}", alice.id))
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(second.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn redis_revoke_sessions_writes_the_revoked_before_mark_and_deletes_every_key() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let before = chrono::Utc::now().timestamp_millis();
    let response = alice.post("/api/auth/revoke-sessions", &json!({})).await;
    assert_eq!(response.status, 200);
    let mark_key = format!("revoked-sessions-before-{}", alice.id);
    let mark: i64 = kv.get(&mark_key).await.unwrap().parse().unwrap();
    assert!(mark >= before);
    assert!((604_790..=604_800).contains(&kv.ttl(&mark_key).await));
    assert_eq!(kv.get(&alice.token).await, None);
    assert_eq!(kv.get(&second.token).await, None);
    assert_eq!(kv.get(&format!("active-sessions-{}", alice.id)).await, None);
    assert_eq!(second.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn redis_a_revoked_before_mark_written_by_node_ends_older_sessions() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let later = chrono::Utc::now().timestamp_millis() + 1000;
    kv.set(
        &format!("revoked-sessions-before-{}", alice.id),
        &later.to_string(),
        600,
    )
    .await;
    assert_eq!(alice.get("/api/auth/get-session").await.text, "null");
    let listed = app
        .send(Method::GET, "/api/tasks", &alice.token, None)
        .await;
    assert_eq!(listed.status, 401);
}

#[tokio::test]
async fn redis_revoke_other_sessions_keeps_only_the_current_one() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let third = app.sign_in_again(&alice).await;
    let response = alice
        .post("/api/auth/revoke-other-sessions", &json!({}))
        .await;
    assert_eq!(response.status, 200);
    assert!(kv.get(&alice.token).await.is_some());
    assert_eq!(kv.get(&second.token).await, None);
    assert_eq!(kv.get(&third.token).await, None);
    let list = kv
        .json(&format!("active-sessions-{}", alice.id))
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn redis_update_user_rewrites_the_user_in_every_session_key() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let ttl_before = kv.ttl(&second.token).await;
    let response = alice
        .post("/api/auth/update-user", &json!({"name": "Alice Renamed"}))
        .await;
    assert_eq!(response.status, 200);
    for token in [&alice.token, &second.token] {
        assert_eq!(
            kv.json(token).await.unwrap()["user"]["name"],
            "Alice Renamed"
        );
    }
    assert!(kv.ttl(&second.token).await >= ttl_before - 2);
    let me = second.get("/api/auth/get-session").await;
    assert_eq!(me.json()["user"]["name"], "Alice Renamed");
}

#[tokio::test]
async fn redis_change_password_with_revoke_keeps_only_the_new_session() {
    let (app, kv) = TestApp::spawn_on_redis(SecondaryOnly).await;
    let alice = app.sign_up().await;
    let second = app.sign_in_again(&alice).await;
    let body = json!({"currentPassword": crate::helpers::PASSWORD, "newPassword": "new-password-1", "revokeOtherSessions": true});
    let response = alice.post("/api/auth/change-password", &body).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let new_token = response.json()["token"].as_str().unwrap().to_owned();
    assert!(kv.get(&new_token).await.is_some());
    assert_eq!(kv.get(&second.token).await, None);
    assert_eq!(kv.get(&alice.token).await, None);
    let list = kv
        .json(&format!("active-sessions-{}", alice.id))
        .await
        .unwrap();
    assert_eq!(
        list,
        json!([{"token": new_token, "expiresAt": list[0]["expiresAt"]}])
    );
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.json()["session"]["token"], new_token.as_str());
    assert_eq!(second.get("/api/auth/get-session").await.text, "null");
}

#[tokio::test]
async fn redis_delete_user_marks_and_deletes_its_sessions() {
    let (app, kv) =
        TestApp::spawn_on_redis_with(SecondaryOnly, |c| c.flows.delete_user_enabled = true).await;
    let alice = app.sign_up().await;
    let response = alice
        .post(
            "/api/auth/delete-user",
            &json!({"password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(kv.get(&alice.token).await, None);
    assert!(
        kv.get(&format!("revoked-sessions-before-{}", alice.id))
            .await
            .is_some()
    );
    let tasks = app
        .send(Method::GET, "/api/tasks", &alice.token, None)
        .await;
    assert_eq!(tasks.status, 401);
    let _ = alice
        .request(Method::GET, "/api/auth/get-session")
        .fetch()
        .await;
}

#[tokio::test]
async fn redis_a_due_session_is_refreshed_in_redis_with_a_new_ttl() {
    let (app, kv) = TestApp::spawn_on_redis_with(SecondaryOnly, |c| {
        c.session.update_age = std::time::Duration::ZERO;
    })
    .await;
    let alice = app.sign_up().await;
    let before = kv.json(&alice.token).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.status, 200);
    let after = kv.json(&alice.token).await.unwrap();
    assert_ne!(
        after["session"]["expiresAt"],
        before["session"]["expiresAt"]
    );
    assert_eq!(
        after["session"]["createdAt"],
        before["session"]["createdAt"]
    );
    let list = kv
        .json(&format!("active-sessions-{}", alice.id))
        .await
        .unwrap();
    let expires_ms =
        chrono::DateTime::parse_from_rfc3339(after["session"]["expiresAt"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
    assert_eq!(list[0]["expiresAt"], expires_ms);
}

#[tokio::test]
async fn redis_with_the_cookie_cache_get_session_answers_from_the_cookie_and_sensitive_routes_read_redis()
 {
    let (app, kv) = TestApp::spawn_on_redis_with(SecondaryOnly, |c| {
        c.cookie_cache.strategy = Some(better_auth_actix::config::CacheStrategy::Compact);
    })
    .await;
    let alice = app.sign_up().await;
    kv.delete(&alice.token).await;
    // The cache cookie answers without Redis, as Better Auth's does...
    let cached = alice.get("/api/auth/get-session").await;
    assert_eq!(cached.json()["session"]["token"], alice.token.as_str());
    // ...but not when bypassed, and never on a sensitive route.
    let bypass = alice
        .get("/api/auth/get-session?disableCookieCache=true")
        .await;
    assert_eq!(bypass.text, "null");
    let alice = app.sign_in_again(&alice).await;
    kv.delete(&alice.token).await;
    let sensitive = alice.post("/api/auth/revoke-sessions", &json!({})).await;
    assert_eq!(sensitive.status, 401);
}

#[tokio::test]
async fn redis_only_sessions_keep_answering_while_postgresql_refuses_connections() {
    if crate::helpers::database::postgres_only(
        "refusing connections (ALLOW_CONNECTIONS false, pg_terminate_backend); an embedded SQLite file cannot refuse the server that opened it",
    ) {
        return;
    }
    let (app, _kv) = TestApp::spawn_on_redis_with(SecondaryOnly, |c| {
        c.jwt.key_cache_ttl = Duration::from_secs(60)
    })
    .await;
    let alice = app.sign_up().await;
    // One answer first, so the jwt plugin's signing key is cached, as on any running server.
    let warm = app
        .send(Method::GET, "/api/auth/get-session", &alice.token, None)
        .await;
    assert_eq!(warm.status, 200);
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let admin = format!("{}/postgres", crate::helpers::database::server_url());
    let close = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    );
    let admin_close = admin.clone();
    tokio::task::spawn_blocking(move || crate::helpers::sql(&admin_close, &close))
        .await
        .unwrap();
    // The session and its user are in Redis: get-session and the task API's session check take no
    // database connection, as Better Auth with a secondary storage needs none.
    let session = app
        .send(Method::GET, "/api/auth/get-session", &alice.token, None)
        .await;
    assert_eq!(session.status, 200);
    assert_eq!(session.json()["user"]["id"], json!(alice.id));
    // A route that needs the database meets the outage as a 503.
    let tasks = app
        .send(Method::GET, "/api/tasks", &alice.token, None)
        .await;
    assert_eq!(tasks.status, 503);
    let open = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;");
    tokio::task::spawn_blocking(move || crate::helpers::sql(&admin, &open))
        .await
        .unwrap();
}
