//! Task CRUD, in both route forms: create, get, replace, update, toggle, delete.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::tasks::{FORMS, Form};
use crate::helpers::{TestApp, query_text};

#[tokio::test]
async fn a_task_goes_through_create_get_replace_update_and_delete_in_both_forms() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let response = c
            .call(Method::POST, "", Some(&json!({"title": "Buy milk"})))
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
        let task = response.json();
        let id = task["id"].as_i64().unwrap();
        assert_eq!(
            response.header("location").unwrap(),
            c.path(&format!("/{id}")),
            "{form:?}"
        );
        assert_json_shape!(task, format!("{form:?}"), @r#"
        {
          "id": "[id]",
          "user_id": "[id]",
          "title": "Buy milk",
          "description": null,
          "completed": false,
          "priority": "medium",
          "tags": [],
          "due_date": null,
          "created_at": "[date]",
          "updated_at": "[date]"
        }
        "#);
        assert_eq!(task["user_id"], user.id.as_str());

        let got = c.call(Method::GET, &format!("/{id}"), None).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.json(), task);

        let replaced = c
            .call(
                Method::PUT,
                &format!("/{id}"),
                Some(&json!({"title": "Buy oat milk", "description": "2 l", "completed": true,
                    "priority": "high", "tags": ["home", "shop"], "due_date": "2026-12-01T17:00:00+01:00"})),
            )
            .await;
        assert_eq!(replaced.status, 200, "{}", replaced.text);
        let replaced = replaced.json();
        assert_eq!(replaced["title"], "Buy oat milk");
        assert_eq!(replaced["description"], "2 l");
        assert_eq!(replaced["completed"], true);
        assert_eq!(replaced["priority"], "high");
        assert_eq!(replaced["tags"], json!(["home", "shop"]));
        assert_eq!(replaced["due_date"], "2026-12-01T16:00:00.000Z");
        assert_eq!(replaced["created_at"], task["created_at"]);

        let patched = c
            .call(
                Method::PATCH,
                &format!("/{id}"),
                Some(&json!({"description": null, "priority": "low"})),
            )
            .await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        let patched = patched.json();
        assert_eq!(patched["description"], Value::Null);
        assert_eq!(patched["priority"], "low");
        assert_eq!(patched["title"], "Buy oat milk", "untouched");
        assert_eq!(patched["tags"], json!(["home", "shop"]), "untouched");

        let deleted = c.call(Method::DELETE, &format!("/{id}"), None).await;
        assert_eq!(deleted.status, 204);
        assert_eq!(deleted.text, "");
        let gone = c.call(Method::GET, &format!("/{id}"), None).await;
        assert_eq!(gone.status, 404);
        assert_eq!(
            gone.json(),
            json!({"message": "Task not found", "code": "TASK_NOT_FOUND"})
        );
        let again = c.call(Method::DELETE, &format!("/{id}"), None).await;
        assert_eq!(again.status, 404);
    }
}

#[tokio::test]
async fn put_resets_omitted_optional_fields_to_their_defaults() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let task = c
            .create(
                json!({"title": "A", "description": "d", "completed": true, "priority": "high",
                "tags": ["x"], "due_date": "2026-12-01T17:00:00Z"}),
            )
            .await;
        let response = c
            .call(
                Method::PUT,
                &format!("/{}", task["id"]),
                Some(&json!({"title": "B"})),
            )
            .await;
        assert_eq!(response.status, 200);
        let t = response.json();
        assert_eq!(
            (
                &t["title"],
                &t["description"],
                &t["completed"],
                &t["priority"],
                &t["tags"],
                &t["due_date"]
            ),
            (
                &json!("B"),
                &Value::Null,
                &json!(false),
                &json!("medium"),
                &json!([]),
                &Value::Null
            )
        );
        assert!(t["updated_at"].as_str() >= task["updated_at"].as_str());
    }
}

#[tokio::test]
async fn an_empty_patch_changes_nothing_but_updated_at() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let task = c
        .create(json!({"title": "Keep", "tags": ["a"], "description": "d"}))
        .await;
    let response = c
        .call(Method::PATCH, &format!("/{}", task["id"]), Some(&json!({})))
        .await;
    assert_eq!(response.status, 200);
    let mut after = response.json();
    after["updated_at"] = task["updated_at"].clone();
    assert_eq!(after, task);
}

#[tokio::test]
async fn complete_toggles_without_a_body_and_sets_with_one_in_both_forms() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let task = c.create(json!({"title": "Toggle me"})).await;
        let path = format!("/{}/complete", task["id"]);
        let first = c.call(Method::PATCH, &path, None).await;
        assert_eq!(first.status, 200);
        assert_eq!(first.json()["completed"], true);
        let second = c.call(Method::PATCH, &path, Some(&json!({}))).await;
        assert_eq!(second.json()["completed"], false);
        for value in [true, true, false, false] {
            let set = c
                .call(Method::PATCH, &path, Some(&json!({ "completed": value })))
                .await;
            assert_eq!(set.status, 200);
            assert_eq!(set.json()["completed"], value, "setting is idempotent");
        }
        let bad = c
            .call(Method::PATCH, &path, Some(&json!({"completed": "yes"})))
            .await;
        assert_eq!(bad.status, 422);
        assert_eq!(bad.json()["errors"][0]["field"], "completed");
        let missing = c.call(Method::PATCH, "/999999/complete", None).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["code"], "TASK_NOT_FOUND");
    }
}

#[tokio::test]
async fn unicode_titles_come_back_exactly_as_sent_and_sql_looking_text_is_stored_verbatim() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let samples = [
        "🎉 Party 👩‍👩‍👧‍👦",
        "שלום עולם \u{200f}(RTL)",
        "مرحبا بالعالم",
        "e\u{301}\u{302} combining",
        "Robert'); DROP TABLE task;--",
        "' OR '1'='1",
        r"50% off_now \ backslash",
    ];
    for title in samples {
        let task = c
            .create(json!({"title": title, "description": title, "tags": [title]}))
            .await;
        assert_eq!(task["title"], title);
        assert_eq!(task["description"], title);
        assert_eq!(task["tags"], json!([title]));
        let got = c
            .call(Method::GET, &format!("/{}", task["id"]), None)
            .await
            .json();
        assert_eq!(got["title"], title);
        let stored = query_text(
            &app.database_url,
            &format!("SELECT title AS value FROM task WHERE id = {}", task["id"]),
        );
        assert_eq!(stored.as_deref(), Some(title));
    }
    let (_, total) = c.list("").await;
    assert_eq!(total, samples.len() as i64, "the table survived");
}

#[tokio::test]
async fn a_non_numeric_or_out_of_range_task_id_is_404_not_500() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        for id in ["abc", "1.5", "-1", "0", "99999999999999999999", "%20"] {
            for method in [Method::GET, Method::DELETE] {
                let response = c.call(method.clone(), &format!("/{id}"), None).await;
                assert_eq!(response.status, 404, "{method} {id}: {}", response.text);
                assert_eq!(response.json()["code"], "TASK_NOT_FOUND");
            }
            let response = c
                .call(Method::PUT, &format!("/{id}"), Some(&json!({"title": "x"})))
                .await;
            assert_eq!(response.status, 404);
        }
    }
}

#[tokio::test]
async fn responses_carry_no_store_and_unknown_task_paths_use_the_envelope() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let response = c.call(Method::GET, "", None).await;
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );
    let response = c.call(Method::GET, "/1/nope", None).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.json()["code"], "NOT_FOUND");
}
