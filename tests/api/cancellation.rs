//! Clients that disconnect in the middle of a request, under concurrent writes: no worker panics,
//! nobody gets a 5xx, no acknowledged write is lost, and no write lock is left behind (on SQLite a
//! cancelled write transaction would otherwise keep the file's one lock from every other writer).

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, random_email, sql};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on any thread of this test process (nextest runs each test in its own), the
/// server's workers included, while still printing them.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            print(info);
        }));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_disconnect_mid_request_under_concurrent_writes_break_nothing() {
    count_panics();
    let app = TestApp::spawn_with(|c| c.http.workers = 2).await;
    let user = app.sign_up().await;

    // Impatient clients give up after 1–16 ms, inside a task insert or a sign-up (a write
    // transaction around a password hash); patient ones write at the same time.
    let impatient = join_all((0..90u64).map(|i| {
        let (app, user) = (&app, &user);
        async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_millis(1 + i % 16))
                .build()
                .unwrap();
            let request = if i % 2 == 0 {
                client
                    .post(format!("{}/api/tasks", app.address))
                    .bearer_auth(&user.token)
                    .json(&json!({"title": format!("impatient {i}")}))
            } else {
                client
                    .post(format!("{}/api/auth/sign-up/email", app.address))
                    .header("origin", crate::helpers::ORIGIN)
                    .json(&json!({"name": "I", "email": random_email(), "password": PASSWORD}))
            };
            let reply = request.send().await.ok()?;
            let status = reply.status().as_u16();
            let body: serde_json::Value = reply.json().await.unwrap_or_default();
            Some((i, status, body))
        }
    }));
    let patient = join_all((0..30).map(|i| {
        let (app, user) = (&app, &user);
        async move {
            let body = json!({"title": format!("patient {i}")});
            app.send(Method::POST, "/api/tasks", &user.token, Some(&body))
                .await
        }
    }));
    let (impatient, patient) = futures_util::join!(impatient, patient);

    let mut acknowledged = Vec::new();
    for (i, status, body) in impatient.into_iter().flatten() {
        assert!(status < 500, "impatient request {i} got {status}: {body}");
        // A 201 whose body the client gave up reading (its timeout covers the body too) names
        // no task: the client never learned which one was acknowledged.
        if i % 2 == 0 && status == 201 {
            acknowledged.extend(body["id"].as_i64());
        }
    }
    for reply in &patient {
        assert_eq!(reply.status, 201, "{}", reply.text);
        acknowledged.push(reply.json()["id"].as_i64().unwrap());
    }

    // No lock is left behind: a writer outside the server (Node on the same file, or another
    // instance) gets through at once, not after a lock timeout.
    let started = Instant::now();
    sql(
        &app.database_url,
        "DELETE FROM verification WHERE identifier = 'cancellation-probe'",
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "an outside write waited {:?}",
        started.elapsed()
    );

    // The server still serves, and every acknowledged task is there.
    let listed = app
        .send(Method::GET, "/api/tasks?limit=100", &user.token, None)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let ids: Vec<i64> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged task {id} is missing");
    }
    assert_eq!(
        app.get("/ready").await.status,
        200,
        "the database is reachable"
    );
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a thread panicked");
}
