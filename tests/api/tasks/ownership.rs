//! Ownership: another user's task is exactly as missing as one that does not exist (404 on every
//! route, nothing changed), and the path form refuses a `user_id` that is not the caller's (403,
//! before any 404).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::database::bool_text;
use crate::helpers::tasks::{FORMS, Form, tasks_path};
use crate::helpers::{TestApp, query_text};

fn item_routes(base: &str, id: &Value) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("{base}/{id}"), None),
        (
            Method::PUT,
            format!("{base}/{id}"),
            Some(json!({"title": "hijacked"})),
        ),
        (
            Method::PATCH,
            format!("{base}/{id}"),
            Some(json!({"title": "hijacked"})),
        ),
        (Method::PATCH, format!("{base}/{id}/complete"), None),
        (
            Method::PATCH,
            format!("{base}/{id}/complete"),
            Some(json!({"completed": true})),
        ),
        (Method::DELETE, format!("{base}/{id}"), None),
    ]
}

#[tokio::test]
async fn another_users_task_is_404_on_every_item_route_and_stays_unchanged() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let task = app
        .tasks(&alice, Form::Plain)
        .create(json!({"title": "alice's", "tags": ["private"]}))
        .await;
    for form in FORMS {
        let base = tasks_path(form, &bob.id);
        for (method, path, body) in item_routes(&base, &task["id"]) {
            let response = app
                .send(method.clone(), &path, &bob.token, body.as_ref())
                .await;
            assert_eq!(response.status, 404, "{method} {path}");
            assert_eq!(
                response.json(),
                json!({"message": "Task not found", "code": "TASK_NOT_FOUND"})
            );
        }
    }
    let unchanged = app
        .send(
            Method::GET,
            &format!("/api/tasks/{}", task["id"]),
            &alice.token,
            None,
        )
        .await;
    assert_eq!(unchanged.json(), task);
}

#[tokio::test]
async fn listing_shows_only_the_callers_tasks_whatever_the_filters() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let a = app.tasks(&alice, Form::Plain);
    a.create(json!({"title": "shared word", "tags": ["t"], "priority": "high"}))
        .await;
    for form in FORMS {
        let b = app.tasks(&bob, form);
        for query in ["", "q=shared", "tag=t", "priority=high", "status=pending"] {
            let (tasks, total) = b.list(query).await;
            assert_eq!((tasks.len(), total), (0, 0), "{form:?} {query}");
        }
    }
    let b = app.tasks(&bob, Form::Scoped);
    let mine = b.create(json!({"title": "bob's"})).await;
    assert_eq!(mine["user_id"], bob.id.as_str());
    let (tasks, total) = a.list("").await;
    assert_eq!((tasks.len(), total), (1, 1));
    assert_eq!(tasks[0]["title"], "shared word");
}

#[tokio::test]
async fn a_path_user_id_other_than_the_callers_is_403_on_every_route_before_any_404() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let task = app
        .tasks(&alice, Form::Plain)
        .create(json!({"title": "alice's"}))
        .await;
    let forbidden = json!({"message": "You may only access your own tasks", "code": "FORBIDDEN"});
    let swapped_case: String = alice
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    for (caller, path_id) in [
        (&bob, alice.id.as_str()),
        (&alice, bob.id.as_str()),
        (&alice, swapped_case.as_str()),
        (&alice, "nobody"),
    ] {
        let base = format!("/api/{path_id}/tasks");
        let mut routes = item_routes(&base, &task["id"]);
        routes.extend(item_routes(&base, &json!(999_999)));
        routes.extend(item_routes(&base, &json!("not-a-number")));
        routes.push((Method::GET, base.clone(), None));
        routes.push((Method::GET, format!("{base}?limit=0"), None));
        routes.push((
            Method::POST,
            base.clone(),
            Some(json!({"title": "planted"})),
        ));
        routes.push((Method::POST, base.clone(), Some(json!({}))));
        for (method, path, body) in routes {
            let response = app
                .send(method.clone(), &path, &caller.token, body.as_ref())
                .await;
            assert_eq!(response.status, 403, "{method} {path}: {}", response.text);
            assert_eq!(response.json(), forbidden);
        }
    }
    let titles = query_text(
        &app.database_url,
        &format!(
            "SELECT string_agg(title || ':' || {}, ',') AS value FROM task",
            bool_text("completed")
        ),
    );
    assert_eq!(titles.as_deref(), Some("alice's:false"), "nothing changed");
}
