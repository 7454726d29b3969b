//! Listing: filters, search, sort, pagination and `X-Total-Count`, in both route forms.

use reqwest::Method;
use serde_json::json;

use crate::helpers::tasks::{FORMS, Form, Tasks, titles};
use crate::helpers::{TestApp, sql};

/// Five tasks with distinct creation times (set in SQL so the order does not depend on timing).
async fn seed(c: &Tasks<'_>) {
    let tasks = [
        json!({"title": "alpha", "priority": "low", "tags": ["home"], "due_date": "2026-12-03T00:00:00Z"}),
        json!({"title": "Bravo", "priority": "high", "tags": ["work", "home"], "description": "Quarterly REPORT"}),
        json!({"title": "charlie", "priority": "medium", "completed": true, "due_date": "2026-12-01T00:00:00Z"}),
        json!({"title": "delta 100%", "priority": "high", "completed": true, "tags": ["work"]}),
        json!({"title": "echo_x", "priority": "medium", "description": r"path C:\temp", "due_date": "2026-12-02T00:00:00Z"}),
    ];
    for (i, task) in tasks.into_iter().enumerate() {
        let created = c.create(task).await;
        sql(
            &c.app.database_url,
            &format!(
                "UPDATE task SET created_at = '2026-01-0{}T00:00:00.000Z', updated_at = '2026-02-0{}T00:00:00.000Z' WHERE id = {}",
                i + 1,
                5 - i,
                created["id"]
            ),
        );
    }
}

#[tokio::test]
async fn the_default_listing_is_newest_first_with_the_total_count() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        if form == Form::Plain {
            let (tasks, total) = c.list("").await;
            assert_eq!((tasks.len(), total), (0, 0));
            seed(&c).await;
        }
        let (tasks, total) = c.list("").await;
        assert_eq!(total, 5);
        assert_eq!(
            titles(&tasks),
            ["echo_x", "delta 100%", "charlie", "Bravo", "alpha"]
        );
    }
}

#[tokio::test]
async fn status_priority_and_tag_filter_the_list() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    seed(&app.tasks(&user, Form::Plain)).await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let cases: [(&str, &[&str]); 9] = [
            (
                "status=all",
                &["echo_x", "delta 100%", "charlie", "Bravo", "alpha"],
            ),
            ("status=pending", &["echo_x", "Bravo", "alpha"]),
            ("status=completed", &["delta 100%", "charlie"]),
            ("priority=high", &["delta 100%", "Bravo"]),
            ("priority=low", &["alpha"]),
            ("tag=home", &["Bravo", "alpha"]),
            ("tag=work&status=completed", &["delta 100%"]),
            ("tag=nope", &[]),
            ("priority=medium&status=pending", &["echo_x"]),
        ];
        for (query, expected) in cases {
            let (tasks, total) = c.list(query).await;
            assert_eq!(titles(&tasks), expected, "{form:?} {query}");
            assert_eq!(total, expected.len() as i64, "{query}");
        }
    }
}

#[tokio::test]
async fn search_is_a_case_insensitive_literal_substring_of_title_or_description() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    seed(&c).await;
    let cases: [(&str, &[&str]); 9] = [
        ("q=BRAVO", &["Bravo"]),
        ("q=report", &["Bravo"]),
        ("q=%25", &["delta 100%"]),
        ("q=_", &["echo_x"]),
        ("q=%5C", &["echo_x"]),
        ("q=a%25", &[]),
        ("q=h_", &[]),
        ("q=ha", &["charlie", "alpha"]),
        ("q=", &["echo_x", "delta 100%", "charlie", "Bravo", "alpha"]),
    ];
    for (query, expected) in cases {
        let (tasks, total) = c.list(query).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        assert_eq!(total, expected.len() as i64);
    }
    let scoped = Tasks {
        form: Form::Scoped,
        ..c
    };
    assert_eq!(
        titles(&scoped.list("q=rep&status=pending").await.0),
        ["Bravo"]
    );
}

#[tokio::test]
async fn every_sort_key_works_in_both_directions_with_id_breaking_ties() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    seed(&app.tasks(&user, Form::Plain)).await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let cases: [(&str, [&str; 5]); 9] = [
            (
                "sort=created_at&order=asc",
                ["alpha", "Bravo", "charlie", "delta 100%", "echo_x"],
            ),
            (
                "sort=updated_at&order=desc",
                ["alpha", "Bravo", "charlie", "delta 100%", "echo_x"],
            ),
            (
                "sort=updated_at&order=asc",
                ["echo_x", "delta 100%", "charlie", "Bravo", "alpha"],
            ),
            (
                "sort=title&order=asc",
                ["Bravo", "alpha", "charlie", "delta 100%", "echo_x"],
            ),
            (
                "sort=title&order=desc",
                ["echo_x", "delta 100%", "charlie", "alpha", "Bravo"],
            ),
            // Equal priorities fall back to id, in the same direction.
            (
                "sort=priority&order=desc",
                ["delta 100%", "Bravo", "echo_x", "charlie", "alpha"],
            ),
            (
                "sort=priority&order=asc",
                ["alpha", "charlie", "echo_x", "Bravo", "delta 100%"],
            ),
            // Tasks without a due date come last either way.
            (
                "sort=due_date&order=asc",
                ["charlie", "echo_x", "alpha", "Bravo", "delta 100%"],
            ),
            (
                "sort=due_date&order=desc",
                ["alpha", "echo_x", "charlie", "delta 100%", "Bravo"],
            ),
        ];
        for (query, expected) in cases {
            let (tasks, _) = c.list(query).await;
            let got = titles(&tasks);
            if query.starts_with("sort=title") {
                // Collation decides where "Bravo" sorts against lowercase titles; the rest is fixed.
                let rest: Vec<&str> = got.iter().copied().filter(|t| *t != "Bravo").collect();
                let want: Vec<&str> = expected.iter().copied().filter(|t| *t != "Bravo").collect();
                assert_eq!(rest, want, "{query}");
            } else {
                assert_eq!(got, expected, "{form:?} {query}");
            }
        }
    }
}

#[tokio::test]
async fn limit_and_offset_page_through_matches_and_the_total_ignores_them() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Scoped);
    for i in 0..12 {
        c.create(json!({"title": format!("t{i:02}"), "priority": if i % 2 == 0 { "high" } else { "low" }}))
            .await;
    }
    let mut seen = Vec::new();
    for page in 0..3 {
        let (tasks, total) = c
            .list(&format!("sort=title&order=asc&limit=5&offset={}", page * 5))
            .await;
        assert_eq!(total, 12);
        seen.extend(titles(&tasks).into_iter().map(str::to_owned));
    }
    let expected: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    assert_eq!(seen, expected);
    let (tasks, total) = c
        .list("priority=high&limit=2&offset=1&sort=title&order=asc")
        .await;
    assert_eq!((titles(&tasks), total), (vec!["t02", "t04"], 6));
    let (tasks, total) = c.list("offset=100").await;
    assert_eq!((tasks.len(), total), (0, 12));
    let (tasks, _) = c.list("limit=500").await;
    assert_eq!(tasks.len(), 12);
}

#[tokio::test]
async fn a_bad_query_value_is_400_invalid_query_in_the_envelope() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let cases = [
            (
                "status=done",
                "status must be one of all, pending, completed",
            ),
            (
                "priority=urgent",
                "priority must be one of low, medium, high",
            ),
            (
                "sort=id",
                "sort must be one of created_at, updated_at, title, priority, due_date",
            ),
            ("order=up", "order must be one of asc, desc"),
            ("limit=0", "limit must be an integer from 1 to 500"),
            ("limit=501", "limit must be an integer from 1 to 500"),
            ("limit=ten", "limit must be an integer from 1 to 500"),
            (
                "offset=-1",
                "offset must be an integer from 0 to 9223372036854775807",
            ),
        ];
        for (query, message) in cases {
            let response = c.call(Method::GET, &format!("?{query}"), None).await;
            assert_eq!(response.status, 400, "{query}");
            assert_eq!(
                response.json(),
                json!({"message": message, "code": "INVALID_QUERY"}),
                "{query}"
            );
        }
        let response = c.call(Method::GET, "?status=x&limit=0", None).await;
        assert_eq!(
            response.json()["message"],
            "status must be one of all, pending, completed; limit must be an integer from 1 to 500"
        );
    }
}
