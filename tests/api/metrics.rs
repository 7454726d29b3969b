//! `GET /metrics`: Prometheus text with requests by route pattern and status, the database pool,
//! the password-hash queue and the rate limiter's 429s.

use serde_json::json;

use crate::helpers::TestApp;

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("text/plain; version=0.0.4")
    );
    response.text
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

fn requests(method: &str, route: &str, status: u16) -> String {
    format!(r#"http_requests_total{{method="{method}",route="{route}",status="{status}"}}"#)
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_status_never_by_raw_path() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let task = "0b6f3a55-4d7e-4c55-a0a2-5f8a77f1e2a1";
    assert_eq!(alice.get("/api/auth/get-session").await.status, 200);
    for _ in 0..2 {
        let missing = alice.get(&format!("/api/tasks/{task}")).await;
        assert_eq!(missing.status, 404);
    }
    assert_eq!(app.get("/no/such/path/42").await.status, 404);

    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, &requests("POST", "/api/auth/sign-up/email", 200)),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &requests("GET", "/api/auth/get-session", 200)),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &requests("GET", "/api/tasks/{id}", 404)),
        Some(2.0)
    );
    assert_eq!(sample(&text, &requests("GET", "unmatched", 404)), Some(1.0));
    let latency =
        r#"http_request_duration_seconds_count{method="GET",route="/api/tasks/{id}",status="404"}"#;
    assert_eq!(sample(&text, latency), Some(2.0));
    assert!(
        !text.contains(task) && !text.contains("/no/such/path"),
        "{text}"
    );

    // A scrape counts itself under its fixed pattern.
    let text = scrape(&app).await;
    assert_eq!(sample(&text, &requests("GET", "/metrics", 200)), Some(1.0));
}

#[tokio::test]
async fn the_pool_and_the_password_hash_queue_are_reported() {
    let app = TestApp::spawn_with(|c| c.hash_concurrency = 3).await;
    app.sign_up().await;
    let text = scrape(&app).await;
    let max = sample(&text, r#"db_pool_connections{state="max"}"#).unwrap();
    assert_eq!(max, app.config.database_pool_size as f64);
    let size = sample(&text, r#"db_pool_connections{state="size"}"#).unwrap();
    let available = sample(&text, r#"db_pool_connections{state="available"}"#).unwrap();
    assert!(size >= 1.0 && available <= size, "{text}");
    assert_eq!(
        sample(&text, r#"db_pool_connections{state="waiting"}"#),
        Some(0.0)
    );
    assert_eq!(sample(&text, "password_hash_queue_depth"), Some(0.0));
    assert_eq!(sample(&text, "password_hash_threads"), Some(3.0));
}

#[tokio::test]
async fn rate_limit_rejections_are_counted() {
    let app = TestApp::spawn_with(|c| c.rate_limit.enabled = true).await;
    let body = json!({"email": "nobody@example.com", "password": "wrong-password"});
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            app.post("/api/auth/sign-in/email", &body)
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "rate_limit_rejections_total"), Some(2.0));
    assert_eq!(
        sample(&text, &requests("POST", "/api/auth/sign-in/email", 429)),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, &requests("POST", "/api/auth/sign-in/email", 401)),
        Some(3.0)
    );
}
