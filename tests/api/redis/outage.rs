//! Redis outages: an unreachable Redis answers 503 with `Retry-After` in the one envelope, fast;
//! `/ready` says so; a restarted Redis (with its append-only file) is picked up again by itself,
//! and no acknowledged sign-in is lost.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use better_auth_actix::config::SessionStorageMode::SecondaryOnly;
use reqwest::Method;

use crate::helpers::redis::{random_prefix, use_redis};
use crate::helpers::{TestApp, free_port};

#[tokio::test]
async fn redis_unreachable_answers_503_with_retry_after_quickly() {
    let app =
        TestApp::spawn_with(|c| use_redis(c, "redis://127.0.0.1:1/0", "bat-x:", SecondaryOnly))
            .await;
    let started = Instant::now();
    for path in ["/api/tasks", "/api/auth/get-session"] {
        let response = app
            .send(Method::GET, path, "some-session-token", None)
            .await;
        assert_eq!(response.status, 503, "{path}: {}", response.text);
        assert_eq!(response.header("retry-after").as_deref(), Some("2"));
        assert_eq!(response.json()["code"], "SERVICE_UNAVAILABLE");
    }
    let sign_up = app
        .post(
            "/api/auth/sign-up/email",
            &serde_json::json!({"name": "A", "email": "a@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(sign_up.status, 503, "{}", sign_up.text);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/ready").await.status, 503);
    assert_eq!(app.get("/health").await.status, 200);
}

/// A private `redis-server` on `port`, persisting every write to its append-only file in `dir`.
fn start_redis(port: u16, dir: &std::path::Path) -> Child {
    Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server")
}

async fn wait_ready(app: &TestApp, want: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/ready").await.status != want {
        assert!(Instant::now() < deadline, "/ready never became {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs users up, `workers` at a time, until `stop`; returns each acknowledged user, failing on
/// any answer but 200 and 503.
async fn sign_up_load(
    app: std::sync::Arc<TestApp>,
    workers: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<(crate::helpers::Browser, String)> {
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (app, stop) = (app.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let browser = app.browser();
                let email = crate::helpers::random_email();
                let body = serde_json::json!({"name": "Load", "email": email, "password": crate::helpers::PASSWORD});
                let response = browser.post("/api/auth/sign-up/email", &body).await;
                match response.status.as_u16() {
                    200 => acknowledged.push((browser, response.json()["token"].as_str().unwrap().to_owned())),
                    503 => tokio::time::sleep(Duration::from_millis(20)).await,
                    other => panic!("sign-up answered {other}: {}", response.text),
                }
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

#[tokio::test]
async fn redis_a_restart_under_load_loses_no_acknowledged_sign_in_and_the_server_recovers() {
    let dir = std::env::temp_dir().join(format!(
        "bat-redis-{}",
        random_prefix().trim_end_matches(':')
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut redis = start_redis(port, &dir);
    let url = format!("redis://127.0.0.1:{port}/0");
    let app = TestApp::spawn_with(|c| use_redis(c, &url, "bat-restart:", SecondaryOnly)).await;
    wait_ready(&app, 200).await;
    let app = std::sync::Arc::new(app);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = tokio::spawn(sign_up_load(app.clone(), 4, stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.kill().unwrap();
    redis.wait().unwrap();
    let started = Instant::now();
    let down = app
        .send(Method::GET, "/api/tasks", "some-session-token", None)
        .await;
    assert_eq!(down.status, 503, "{}", down.text);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    wait_ready(&app, 503).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut redis = start_redis(port, &dir);
    wait_ready(&app, 200).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged = load.await.unwrap();
    assert!(
        acknowledged.len() > 4,
        "too little load: {}",
        acknowledged.len()
    );
    for (browser, token) in &acknowledged {
        let me = browser.get("/api/auth/get-session").await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.json()["session"]["token"], token.as_str());
    }
    redis.kill().unwrap();
    redis.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn redis_a_hung_redis_answers_503_within_the_timeout_and_recovers_when_it_resumes() {
    let dir = std::env::temp_dir().join(format!(
        "bat-redis-{}",
        random_prefix().trim_end_matches(':')
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut redis = start_redis(port, &dir);
    let url = format!("redis://127.0.0.1:{port}/0");
    let app = TestApp::spawn_with(|c| use_redis(c, &url, "bat-hung:", SecondaryOnly)).await;
    wait_ready(&app, 200).await;
    let alice = app.sign_up().await;
    let pid = redis.id().to_string();
    let signal = |sig: &str| Command::new("kill").args([sig, &pid]).status().unwrap();
    assert!(signal("-STOP").success());
    let started = Instant::now();
    let hung = alice.get("/api/auth/get-session").await;
    assert_eq!(hung.status, 503, "{}", hung.text);
    // The test timeout is 500 ms per command; a request makes a few.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(signal("-CONT").success());
    wait_ready(&app, 200).await;
    let me = alice.get("/api/auth/get-session").await;
    assert_eq!(me.json()["session"]["token"], alice.token.as_str());
    redis.kill().unwrap();
    redis.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
