//! The task migration adopts a `task` table created by the seed's SQLModel backend: rows are kept,
//! values converted (naive UTC timestamps become timestamptz), new columns get their defaults, and
//! the API serves the adopted rows.

use reqwest::Method;
use serde_json::json;

use crate::helpers::database::{migrate, postgres_only};
use crate::helpers::jwt::{hs256, now};
use crate::helpers::{TestApp, empty_database, query_text, sql, test_config};

/// SQLModel's DDL for the seed's `Task` model.
const SQLMODEL_DDL: &str = "CREATE TABLE task (
    id SERIAL NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR,
    completed BOOLEAN NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)";

#[tokio::test]
async fn the_migration_adopts_an_existing_sqlmodel_task_table_and_keeps_its_rows() {
    if postgres_only(
        "the seed's SQLModel backend ran on PostgreSQL; there is no SQLModel task table on SQLite to adopt",
    ) {
        return;
    }
    let url = empty_database();
    sql(&url, SQLMODEL_DDL);
    sql(&url, "CREATE INDEX ix_task_user_id ON task (user_id)");
    sql(
        &url,
        "INSERT INTO task (title, description, completed, user_id, created_at, updated_at) VALUES
         ('first', 'from FastAPI', false, 'seed-user', '2025-01-02 03:04:05.678', '2025-01-03 04:05:06.789'),
         ('second', NULL, true, 'seed-user', '2025-02-01 00:00:00', '2025-02-01 00:00:00'),
         ('other''s', 'x', false, 'someone-else', '2025-03-01 12:00:00', '2025-03-01 12:00:00')",
    );
    migrate(&url).await;

    let column_types = query_text(
        &url,
        "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY column_name) AS value
         FROM information_schema.columns WHERE table_name = 'task'",
    );
    assert_eq!(
        column_types.as_deref(),
        Some(
            "completed:boolean,created_at:timestamp with time zone,description:text,due_date:timestamp with time zone,id:bigint,priority:text,tags:ARRAY,title:text,updated_at:timestamp with time zone,user_id:text"
        )
    );
    let rows = query_text(
        &url,
        "SELECT string_agg(concat_ws('|', id, title, coalesce(description, '<null>'), completed, user_id,
             priority, array_length(tags, 1) IS NULL, due_date IS NULL,
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'),
             to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')), ';' ORDER BY id) AS value
         FROM task",
    );
    assert_eq!(
        rows.as_deref(),
        Some(
            "1|first|from FastAPI|f|seed-user|medium|t|t|2025-01-02 03:04:05.678|2025-01-03 04:05:06.789;\
             2|second|<null>|t|seed-user|medium|t|t|2025-02-01 00:00:00.000|2025-02-01 00:00:00.000;\
             3|other's|x|f|someone-else|medium|t|t|2025-03-01 12:00:00.000|2025-03-01 12:00:00.000"
        )
    );

    // The adopted rows are served by the API (a JWT stands in for the seed's user, who has no
    // Better Auth row here).
    let app = TestApp::start(test_config(&url)).await;
    let token = hs256(&json!({"sub": "seed-user", "exp": now() + 300}));
    let listed = app
        .send(
            Method::GET,
            "/api/tasks?sort=created_at&order=asc",
            &token,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.header("x-total-count").as_deref(), Some("2"));
    let tasks = listed.json();
    assert_eq!(
        tasks[0],
        json!({"id": 1, "user_id": "seed-user", "title": "first", "description": "from FastAPI",
            "completed": false, "priority": "medium", "tags": [], "due_date": null,
            "created_at": "2025-01-02T03:04:05.678Z", "updated_at": "2025-01-03T04:05:06.789Z"})
    );
    assert_eq!(tasks[1]["completed"], true);

    // The sequence continues after the adopted ids, and new rows must name a real user.
    sql(
        &url,
        r#"INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
           VALUES ('seed-user', 'Seed', 'seed@example.com', false, now(), now())"#,
    );
    let created = app
        .send(
            Method::POST,
            "/api/tasks",
            &token,
            Some(&json!({"title": "new"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["id"], 4);
    let orphan = hs256(&json!({"sub": "someone-else", "exp": now() + 300}));
    let refused = app
        .send(
            Method::POST,
            "/api/tasks",
            &orphan,
            Some(&json!({"title": "x"})),
        )
        .await;
    assert_eq!(refused.status, 401);
    let toggled = app
        .send(Method::PATCH, "/api/tasks/2/complete", &token, None)
        .await;
    assert_eq!(
        toggled.json()["completed"],
        false,
        "adopted rows are writable"
    );
}

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let url = empty_database();
    let applied = migrate(&url).await;
    assert!(!applied.is_empty());
    let again = migrate(&url).await;
    assert!(again.is_empty());
}
