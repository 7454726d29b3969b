//! Concurrency: parallel creates all persist; parallel toggles of one task lose no update.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::helpers::tasks::Form;
use crate::helpers::{TestApp, query_text};

#[tokio::test]
async fn fifty_concurrent_creates_are_all_persisted() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let replies = join_all((0..50).map(|i| {
        let body = json!({"title": format!("task {i}")});
        let (app, user) = (&app, &user);
        async move {
            app.send(Method::POST, "/api/tasks", &user.token, Some(&body))
                .await
        }
    }))
    .await;
    let mut ids: Vec<i64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.text);
            r.json()["id"].as_i64().unwrap()
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    let c = app.tasks(&user, Form::Plain);
    let (tasks, total) = c.list("limit=500").await;
    assert_eq!((tasks.len(), total), (50, 50));
    let stored = query_text(
        &app.database_url,
        "SELECT CAST(count(DISTINCT title) AS TEXT) AS value FROM task",
    );
    assert_eq!(stored.as_deref(), Some("50"));
}

#[tokio::test]
async fn twenty_concurrent_toggles_of_one_task_lose_no_update() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Scoped);
    let task = c.create(json!({"title": "flip"})).await;
    let path = c.path(&format!("/{}/complete", task["id"]));
    let replies = join_all((0..20).map(|_| {
        let (app, user, path) = (&app, &user, &path);
        async move { app.send(Method::PATCH, path, &user.token, None).await }
    }))
    .await;
    let trues = replies
        .iter()
        .filter(|r| {
            assert_eq!(r.status, 200, "{}", r.text);
            r.json()["completed"] == true
        })
        .count();
    // Each toggle saw a distinct state: half of them set it, half cleared it.
    assert_eq!(trues, 10);
    let final_state = c
        .call(Method::GET, &format!("/{}", task["id"]), None)
        .await
        .json();
    assert_eq!(final_state["completed"], false, "20 toggles: even parity");
}
