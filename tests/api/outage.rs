//! Database outages: an unreachable database answers 503 with `Retry-After` in the one envelope,
//! fast; a database that drops every connection under write load (what a restart does) gives only
//! 201s and 503s, loses no acknowledged write, and the server recovers by itself. A write whose
//! commit fails is never acknowledged.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tokio::sync::Mutex;

use crate::helpers::database::{
    hold_sqlite_write_lock, postgres_only, server_url, sqlite_backend, sqlite_only,
};
use crate::helpers::tasks::Form;
use crate::helpers::{TestApp, query_text, sql, test_config};

#[tokio::test]
async fn an_unreachable_database_answers_503_with_retry_after_quickly() {
    // PostgreSQL: nothing listens on port 1, every connection attempt is refused at once. SQLite:
    // a file in a directory that does not exist and cannot be created (under /proc).
    let url = if sqlite_backend() {
        "sqlite:///proc/bat-no-such-directory/nowhere.db"
    } else {
        "postgres://postgres@127.0.0.1:1/nowhere"
    };
    let mut config = test_config(url);
    config.database_timeout = Duration::from_secs(1);
    let app = TestApp::start(config).await;
    let started = Instant::now();
    for path in ["/api/tasks", "/api/auth/get-session"] {
        let response = app
            .send(Method::GET, path, "some-session-token", None)
            .await;
        assert_eq!(response.status, 503, "{path}");
        assert_eq!(response.header("retry-after").as_deref(), Some("2"));
        assert_eq!(response.json()["code"], "SERVICE_UNAVAILABLE", "{path}");
    }
    let sign_in = app.sign_in("a@example.com", "password123").await;
    assert_eq!(sign_in.status, 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/ready").await.status, 503);
}

/// Closes the test database to new connections and terminates every open one, as a restart does,
/// for `down`, then opens it again.
async fn restart_database(database_url: String, down: Duration) {
    let name = database_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let admin = format!("{}/postgres", server_url());
    let close = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    );
    let admin_close = admin.clone();
    tokio::task::spawn_blocking(move || sql(&admin_close, &close))
        .await
        .expect("close");
    tokio::time::sleep(down).await;
    let open = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;");
    tokio::task::spawn_blocking(move || sql(&admin, &open))
        .await
        .expect("open");
}

/// Eight writers create tasks for four seconds while `outage` runs (it starts 800 ms in). Every
/// answer is a 201 or the 503 envelope; afterwards a write succeeds and every acknowledged task is
/// stored. Returns each answer's status and how long it took.
async fn write_load_through(
    app: &Arc<TestApp>,
    outage: impl Future<Output = ()>,
) -> Vec<(u16, Duration)> {
    let user = Arc::new(app.sign_up().await);
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(4);
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (app, user) = (app.clone(), user.clone());
            let (acknowledged, statuses) = (acknowledged.clone(), statuses.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let body = json!({"title": format!("w{writer}-{n}")});
                    let started = Instant::now();
                    let response = app
                        .send(Method::POST, "/api/tasks", &user.token, Some(&body))
                        .await;
                    if response.status == 201 {
                        acknowledged
                            .lock()
                            .await
                            .insert(response.json()["id"].to_string());
                    } else {
                        assert_eq!(response.status, 503, "{}", response.text);
                        assert_eq!(response.json()["code"], "SERVICE_UNAVAILABLE");
                        assert!(response.header("retry-after").is_some());
                    }
                    statuses
                        .lock()
                        .await
                        .push((response.status.as_u16(), started.elapsed()));
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    outage.await;
    for writer in writers {
        writer.await.expect("a writer failed");
    }

    // Recovered by itself: a write after the outage succeeds, and every acknowledged one is there.
    let tasks = app.tasks(&user, Form::Plain);
    let after = tasks.create(json!({"title": "after the outage"})).await;
    assert!(after["id"].is_i64());
    let stored: HashSet<String> = query_text(
        &app.database_url,
        "SELECT string_agg(CAST(id AS TEXT), ',') AS value FROM task",
    )
    .unwrap_or_default()
    .split(',')
    .map(str::to_owned)
    .collect();
    let acknowledged = acknowledged.lock().await;
    let missing: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged but missing: {missing:?}");
    let statuses = statuses.lock().await;
    statuses.clone()
}

#[tokio::test]
async fn a_database_restart_under_write_load_gives_only_503s_and_loses_no_acknowledged_write() {
    if postgres_only(
        "a database server restart (pg_terminate_backend); an embedded SQLite file has no server to restart (SQLite counterpart: a_foreign_writer_holding_the_sqlite_lock_under_write_load_gives_only_201s_and_503s)",
    ) {
        return;
    }
    let app = Arc::new(TestApp::spawn_with(|c| c.database_timeout = Duration::from_secs(1)).await);
    let restart = restart_database(app.database_url.clone(), Duration::from_millis(700));
    let statuses = write_load_through(&app, restart).await;
    assert!(
        statuses.iter().any(|(s, _)| *s == 503),
        "the outage was never observed"
    );
    assert!(
        statuses.iter().any(|(s, _)| *s == 201),
        "no write succeeded"
    );
}

/// SQLite's counterpart of a restart: another process (Node Better Auth on the same file) holds
/// the write lock for 1.5 s. Writers wait for it (busy_timeout is 5 s) or, past the 1 s pool
/// timeout, get the 503 envelope; none gets a 500 ("database is locked") and nothing is lost.
#[tokio::test]
async fn a_foreign_writer_holding_the_sqlite_lock_under_write_load_gives_only_201s_and_503s() {
    if sqlite_only("the write lock of a SQLite file shared with another process") {
        return;
    }
    let app = Arc::new(TestApp::spawn_with(|c| c.database_timeout = Duration::from_secs(1)).await);
    let url = app.database_url.clone();
    let hold = Duration::from_millis(1500);
    let lock = async move {
        tokio::task::spawn_blocking(move || hold_sqlite_write_lock(&url, hold))
            .await
            .expect("lock holder");
    };
    let statuses = write_load_through(&app, lock).await;
    let longest = statuses.iter().map(|(_, took)| *took).max();
    let count = |status| statuses.iter().filter(|(s, _)| *s == status).count();
    eprintln!(
        "201: {}, 503: {}, longest: {longest:?}",
        count(201),
        count(503)
    );
    assert!(
        statuses
            .iter()
            .any(|(_, took)| *took >= Duration::from_millis(1000)),
        "no request waited for the lock: the outage was never observed"
    );
    assert!(
        statuses.iter().filter(|(s, _)| *s == 201).count() > 8,
        "writes succeed around the lock: {statuses:?}"
    );
}

/// A write answers only after PostgreSQL committed it: a `RETURNING` row arrives before the
/// implicit transaction commits, and a commit that then fails (here a deferred trigger; in
/// production a connection killed at that moment, as in the restart test) must not become a 201.
#[tokio::test]
async fn a_write_whose_commit_fails_is_never_acknowledged() {
    if postgres_only("a deferred constraint trigger, which SQLite does not have") {
        return;
    }
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let kept = app
        .tasks(&user, Form::Plain)
        .create(json!({"title": "fails at commit"}))
        .await;
    sql(
        &app.database_url,
        r#"
        CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
        CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT OR UPDATE ON task
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
          WHEN (NEW.title = 'fails at commit') EXECUTE FUNCTION refuse_at_commit();
        "#,
    );
    let body = json!({"title": "fails at commit"});
    let created = app
        .send(Method::POST, "/api/tasks", &user.token, Some(&body))
        .await;
    assert_eq!(created.status, 500, "{}", created.text);
    let path = format!("/api/tasks/{}/complete", kept["id"]);
    let toggled = app.send(Method::PATCH, &path, &user.token, None).await;
    assert_eq!(toggled.status, 500, "{}", toggled.text);
    let stored = query_text(
        &app.database_url,
        "SELECT string_agg(CAST(completed AS TEXT), ',') AS value FROM task",
    );
    assert_eq!(
        stored.as_deref(),
        Some("false"),
        "only the first task, untoggled"
    );
    // The connection that saw the failed commit still serves.
    let after = app
        .tasks(&user, Form::Plain)
        .create(json!({"title": "after"}))
        .await;
    assert!(after["id"].is_i64());
}
