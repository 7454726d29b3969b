//! SQLite only: what the server stores in Better Auth's SQLite layout (ISO text dates with
//! milliseconds, 0/1 booleans, JSON-array tags, epoch-ms rate-limit stamps), what the pragmas
//! of its connections do (`foreign_keys`), AUTOINCREMENT ids, the SQLite search and sort, and
//! concurrency above the pool size. Every test returns early on PostgreSQL.

use std::time::Duration;

use better_auth_actix::config::RateLimitStorage;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::database::sqlite_only;
use crate::helpers::tasks::{Form, titles};
use crate::helpers::{PASSWORD, TestApp, query_text, random_email, sql};

/// Better Auth's date columns (every one of them), by table.
const DATE_COLUMNS: [(&str, &[&str]); 5] = [
    ("user", &["createdAt", "updatedAt"]),
    ("session", &["expiresAt", "createdAt", "updatedAt"]),
    (
        "account",
        &[
            "accessTokenExpiresAt",
            "refreshTokenExpiresAt",
            "createdAt",
            "updatedAt",
        ],
    ),
    ("verification", &["expiresAt", "createdAt", "updatedAt"]),
    ("jwks", &["createdAt", "expiresAt"]),
];

/// `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`: exactly JS `Date.toISOString()`.
fn is_iso_millis(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            23 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn the_iso_check_accepts_only_to_iso_string_output() {
    assert!(is_iso_millis("2026-11-30T18:26:22.631Z"));
    for bad in [
        "2026-11-30 18:26:22.631Z",
        "2026-11-30T18:26:22Z",
        "2026-11-30T18:26:22.631+00:00",
        "2026-11-30T18:26:22.6310Z",
        "2026-11-30T18:26:22.63aZ",
    ] {
        assert!(!is_iso_millis(bad), "{bad}");
    }
}

/// Every non-NULL value of every date column, as `table.column typeof value`; asserts that each
/// is text in `toISOString()` form and returns how many there were per table.
fn assert_dates_are_iso_text(db: &str) -> Vec<(&'static str, usize)> {
    let mut seen = Vec::new();
    for (table, columns) in DATE_COLUMNS {
        let mut n = 0;
        for column in columns {
            let values = query_text(
                db,
                &format!(
                    r#"SELECT string_agg(typeof("{column}") || ' ' || "{column}", '|') AS value FROM "{table}" WHERE "{column}" IS NOT NULL"#
                ),
            );
            for value in values.iter().flat_map(|v| v.split('|')) {
                let (kind, text) = value.split_once(' ').unwrap();
                assert_eq!(kind, "text", "{table}.{column} = {value}");
                assert!(is_iso_millis(text), "{table}.{column} = {text}");
                n += 1;
            }
        }
        seen.push((table, n));
    }
    seen
}

/// `typeof` and value of one expression over a table, as `kind:value` for each row, sorted.
fn typed(db: &str, table: &str, expr: &str) -> Vec<String> {
    let values = query_text(
        db,
        &format!(
            r#"SELECT string_agg(typeof(({expr})) || ':' || ({expr}), '|' ORDER BY ({expr})) AS value FROM "{table}""#
        ),
    );
    values
        .map(|v| v.split('|').map(str::to_owned).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn sign_up_refresh_token_and_reset_store_every_date_as_iso_text_and_booleans_as_0_or_1() {
    if sqlite_only("Better Auth's SQLite storage formats") {
        return;
    }
    let (app, smtp) = TestApp::spawn_with_smtp(|c| {
        c.session.update_age = Duration::ZERO;
        c.rate_limit.enabled = true;
        c.rate_limit.storage = RateLimitStorage::Database;
    })
    .await;
    let db = &app.database_url;
    let alice = app.sign_up().await;
    // A refresh rewrites expiresAt and updatedAt (updateAge 0: every get-session is due).
    let before = query_text(
        db,
        &format!(
            r#"SELECT "expiresAt" AS value FROM session WHERE token = '{}'"#,
            alice.token
        ),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(alice.get("/api/auth/get-session").await.status, 200);
    let after = query_text(
        db,
        &format!(
            r#"SELECT "expiresAt" AS value FROM session WHERE token = '{}'"#,
            alice.token
        ),
    )
    .unwrap();
    assert!(after > before, "refreshed: {before} -> {after}");
    // A JWKS key, and a reset token in verification.
    assert_eq!(alice.get("/api/auth/token").await.status, 200);
    let reset = app
        .post(
            "/api/auth/request-password-reset",
            &json!({"email": alice.email, "redirectTo": "/reset"}),
        )
        .await;
    assert_eq!(reset.status, 200);
    smtp.next(0).await;

    let seen = assert_dates_are_iso_text(db);
    for (table, n) in &seen {
        assert!(*n > 0, "no dates checked in {table}: {seen:?}");
    }
    assert_eq!(
        typed(db, "user", r#""emailVerified""#),
        ["integer:0"],
        "a boolean is integer 0/1"
    );
    // Better Auth's rateLimit.lastRequest: integer epoch milliseconds.
    let stamps = typed(db, "rateLimit", r#""lastRequest""#);
    assert!(!stamps.is_empty());
    let now_ms = chrono::Utc::now().timestamp_millis();
    for stamp in stamps {
        let ms: i64 = stamp.strip_prefix("integer:").unwrap().parse().unwrap();
        assert!((now_ms - ms).abs() < 60_000, "{ms} vs {now_ms}");
    }
}

#[tokio::test]
async fn tasks_store_tags_as_a_json_array_completed_as_0_or_1_and_dates_as_iso_text() {
    if sqlite_only("the task table's SQLite storage formats") {
        return;
    }
    let app = TestApp::spawn().await;
    let db = &app.database_url;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let tagged = c
        .create(json!({"title": "t", "tags": ["work", "ü \"q\""], "due_date": "2026-12-03T04:05:06.789Z"}))
        .await;
    let bare = c.create(json!({"title": "bare"})).await;
    let toggled = c
        .call(Method::PATCH, &format!("/{}/complete", tagged["id"]), None)
        .await;
    assert_eq!(toggled.status, 200);
    let row = |id: &Value, expr: &str| {
        query_text(
            db,
            &format!(
                "SELECT typeof(({expr})) || ':' || ({expr}) AS value FROM task WHERE id = {id}"
            ),
        )
        .unwrap()
    };
    assert_eq!(row(&tagged["id"], "tags"), r#"text:["work","ü \"q\""]"#);
    assert_eq!(row(&tagged["id"], "json_type(tags)"), "text:array");
    assert_eq!(row(&bare["id"], "tags"), "text:[]");
    assert_eq!(row(&tagged["id"], "completed"), "integer:1");
    assert_eq!(row(&bare["id"], "completed"), "integer:0");
    assert_eq!(
        row(&tagged["id"], "due_date"),
        "text:2026-12-03T04:05:06.789Z"
    );
    for id in [&tagged["id"], &bare["id"]] {
        for column in ["created_at", "updated_at"] {
            let value = row(id, column);
            let text = value.strip_prefix("text:").unwrap();
            assert!(is_iso_millis(text), "{column} = {value}");
        }
    }
    assert_eq!(row(&bare["id"], "due_date IS NULL"), "integer:1");
}

#[tokio::test]
async fn deleting_a_user_cascades_to_its_sessions_accounts_and_tasks() {
    if sqlite_only("PRAGMA foreign_keys on the server's SQLite connections") {
        return;
    }
    let app = TestApp::spawn_with(|c| c.flows.delete_user_enabled = true).await;
    let alice = app.sign_up().await;
    app.sign_in_again(&alice).await;
    let bob = app.sign_up().await;
    for user in [&alice, &bob] {
        let c = app.tasks(user, Form::Plain);
        for title in ["a", "b"] {
            c.create(json!({"title": title})).await;
        }
    }
    let owned = |table: &str, column: &str, user: &str| {
        app.count(&format!(r#""{table}" WHERE "{column}" = '{user}'"#))
    };
    assert_eq!(owned("session", "userId", &alice.id), 2);
    assert_eq!(owned("task", "user_id", &alice.id), 2);

    // Through the server: the task rows go only by ON DELETE CASCADE, which SQLite enforces only
    // on connections with `PRAGMA foreign_keys = ON`.
    let response = alice.post("/api/auth/delete-user", &json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    for (table, column) in [
        ("user", "id"),
        ("session", "userId"),
        ("account", "userId"),
        ("task", "user_id"),
    ] {
        assert_eq!(owned(table, column, &alice.id), 0, "{table}");
    }
    assert_eq!(owned("task", "user_id", &bob.id), 2, "bob's tasks stay");

    // And by the schema: a plain DELETE of the user row removes everything it owns.
    sql(
        &app.database_url,
        &format!(r#"DELETE FROM "user" WHERE id = '{}'"#, bob.id),
    );
    for (table, column) in [
        ("session", "userId"),
        ("account", "userId"),
        ("task", "user_id"),
    ] {
        assert_eq!(owned(table, column, &bob.id), 0, "{table}");
    }
    // A task for a user who no longer exists is refused at the session check.
    let stale = app.send(Method::GET, "/api/tasks", &bob.token, None).await;
    assert_eq!(stale.status, 401);
}

#[tokio::test]
async fn a_deleted_newest_task_id_is_never_reused() {
    if sqlite_only("AUTOINCREMENT on the task id") {
        return;
    }
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        ids.push(
            c.create(json!({"title": title})).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(ids, [1, 2, 3]);
    for id in [3, 2] {
        let deleted = c.call(Method::DELETE, &format!("/{id}"), None).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text);
    }
    let next = c.create(json!({"title": "four"})).await;
    assert_eq!(
        next["id"], 4,
        "without AUTOINCREMENT SQLite would hand out 2 again"
    );
}

#[tokio::test]
async fn search_is_literal_and_unicode_case_insensitive_and_skips_null_descriptions() {
    if sqlite_only("SQLite's LIKE (ASCII-only folding, no default escape)") {
        return;
    }
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    for task in [
        json!({"title": "Élan vital"}),
        json!({"title": "100% sure", "description": null}),
        json!({"title": "snake_case"}),
        json!({"title": "plain", "description": r"C:\dir"}),
        json!({"title": "ÄRGER", "description": "STRASSE groß"}),
        json!({"title": "no description"}),
    ] {
        c.create(task).await;
    }
    let cases: [(&str, &[&str]); 11] = [
        ("q=%C3%A9lan", &["Élan vital"]),
        ("q=%C3%89LAN", &["Élan vital"]),
        ("q=%C3%A4rger", &["ÄRGER"]),
        ("q=GRO%C3%9F", &["ÄRGER"]),
        ("q=%25", &["100% sure"]),
        ("q=0%25%20s", &["100% sure"]),
        ("q=_", &["snake_case"]),
        ("q=e_c", &["snake_case"]),
        ("q=%5C", &["plain"]),
        ("q=c%3A%5Cd", &["plain"]),
        ("q=description", &["no description"]),
    ];
    for (query, expected) in cases {
        let (tasks, total) = c.list(&format!("{query}&sort=title&order=asc")).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        assert_eq!(total, expected.len() as i64, "{query}");
    }
    // `%`, `_` and `\` are literals, not wildcards: these match nothing.
    for query in ["q=%25%25", "q=1_0", "q=%5C%25", "q=n%25e"] {
        assert_eq!(c.list(query).await, (vec![], 0), "{query}");
    }
}

#[tokio::test]
async fn tasks_without_a_due_date_sort_last_in_both_directions() {
    if sqlite_only("SQLite sorts NULL first ascending; the server must put it last") {
        return;
    }
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    for (title, due) in [
        ("none-1", None),
        ("late", Some("2026-12-03T00:00:00.000Z")),
        ("none-2", None),
        ("early", Some("2026-12-01T00:00:00.000Z")),
    ] {
        c.create(json!({"title": title, "due_date": due})).await;
    }
    let (asc, _) = c.list("sort=due_date&order=asc").await;
    assert_eq!(titles(&asc), ["early", "late", "none-1", "none-2"]);
    let (desc, _) = c.list("sort=due_date&order=desc").await;
    assert_eq!(titles(&desc), ["late", "early", "none-2", "none-1"]);
}

#[tokio::test]
async fn sign_ups_far_beyond_the_pool_size_give_no_5xx() {
    if sqlite_only("one SQLite writer at a time behind a pool of 5") {
        return;
    }
    let app = TestApp::spawn().await;
    assert_eq!(app.config.database_pool_size, 5);
    let server = &app;
    let requests = (0..60).map(|_| {
        let email = random_email();
        async move {
            server
                .post(
                    "/api/auth/sign-up/email",
                    &json!({"name": "N", "email": email, "password": PASSWORD}),
                )
                .await
        }
    });
    let responses = futures_util::future::join_all(requests).await;
    let failures: Vec<_> = responses
        .iter()
        .filter(|r| r.status != 200)
        .map(|r| (r.status, r.text.clone()))
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(app.count(r#""user""#), 60);
    assert_eq!(app.count("session"), 60);
}

#[tokio::test]
async fn concurrent_first_token_calls_mint_exactly_one_key() {
    if sqlite_only("SQLite's single writer and the first jwks key") {
        return;
    }
    let app = TestApp::spawn().await;
    let mut users = Vec::new();
    for _ in 0..4 {
        users.push(app.sign_up().await);
    }
    assert_eq!(app.count("jwks"), 0);
    let requests = users
        .iter()
        .cycle()
        .take(16)
        .map(|user| user.get("/api/auth/token"));
    let responses = futures_util::future::join_all(requests).await;
    let mut kids = Vec::new();
    for response in responses {
        assert_eq!(response.status, 200, "{}", response.text);
        let token = response.json()["token"].as_str().unwrap().to_owned();
        kids.push(crate::helpers::jwt::header(&token)["kid"].clone());
    }
    kids.dedup();
    assert_eq!(
        kids.len(),
        1,
        "every token signed with the one key: {kids:?}"
    );
    assert_eq!(app.count("jwks"), 1);
}
