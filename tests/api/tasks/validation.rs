//! Body validation of the task API: every field rule, malformed and non-object bodies, oversize
//! bodies and content types, all in the one error envelope.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::tasks::{FORMS, Form};
use crate::helpers::{Fetch as _, TestApp, TestResponse};

/// The `(field, message)` pairs of a 422.
fn violations(response: &TestResponse) -> Vec<(String, String)> {
    assert_eq!(response.status, 422, "{}", response.text);
    let body = response.json();
    assert_eq!(body["code"], "VALIDATION_ERROR");
    body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().expect("field").to_owned(),
                e["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

fn one(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

#[tokio::test]
async fn a_validation_error_has_message_code_and_errors_in_that_order() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let response = c.call(Method::POST, "", Some(&json!({}))).await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.text,
        r#"{"message":"title: is required","code":"VALIDATION_ERROR","errors":[{"field":"title","message":"is required"}]}"#
    );
}

#[tokio::test]
async fn every_field_rule_is_enforced_on_create_and_replace_in_both_forms() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let title_rule = "must be 1 to 200 characters long after trimming";
    let tag_rule = |i: usize| format!("tag {i} must be 1 to 50 characters long after trimming");
    let cases: Vec<(Value, Vec<(String, String)>)> = vec![
        (json!({}), one("title", "is required")),
        (json!({"title": null}), one("title", "must not be null")),
        (json!({"title": 5}), one("title", "must be a string")),
        (json!({"title": ""}), one("title", title_rule)),
        (json!({"title": " \t\n "}), one("title", title_rule)),
        (json!({"title": "x".repeat(201)}), one("title", title_rule)),
        (json!({"title": "🎉".repeat(201)}), one("title", title_rule)),
        (
            json!({"title": "t", "description": "d".repeat(1001)}),
            one("description", "must be at most 1000 characters long"),
        ),
        (
            json!({"title": "t", "description": 1}),
            one("description", "must be a string"),
        ),
        (
            json!({"title": "t", "completed": "true"}),
            one("completed", "must be a boolean"),
        ),
        (
            json!({"title": "t", "completed": null}),
            one("completed", "must not be null"),
        ),
        (
            json!({"title": "t", "priority": "urgent"}),
            one("priority", "must be one of low, medium, high"),
        ),
        (
            json!({"title": "t", "priority": "HIGH"}),
            one("priority", "must be one of low, medium, high"),
        ),
        (
            json!({"title": "t", "priority": null}),
            one("priority", "must not be null"),
        ),
        (
            json!({"title": "t", "tags": "home"}),
            one("tags", "must be an array of strings"),
        ),
        (
            json!({"title": "t", "tags": null}),
            one("tags", "must not be null"),
        ),
        (
            json!({"title": "t", "tags": vec!["a"; 21]}),
            one("tags", "must have at most 20 tags"),
        ),
        (
            json!({"title": "t", "tags": ["ok", ""]}),
            one("tags", &tag_rule(1)),
        ),
        (
            json!({"title": "t", "tags": ["  "]}),
            one("tags", &tag_rule(0)),
        ),
        (
            json!({"title": "t", "tags": ["x".repeat(51)]}),
            one("tags", &tag_rule(0)),
        ),
        (
            json!({"title": "t", "tags": [1]}),
            one("tags", "tag 0 must be a string"),
        ),
        (
            json!({"title": "t", "due_date": "tomorrow"}),
            one(
                "due_date",
                "must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00Z",
            ),
        ),
        (
            json!({"title": "t", "due_date": "2026-12-01"}),
            one(
                "due_date",
                "must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00Z",
            ),
        ),
        (
            json!({"title": "t", "due_date": 1_795_556_684}),
            one("due_date", "must be a string"),
        ),
        (
            json!({"title": "", "priority": "x", "tags": [""]}),
            vec![
                ("title".into(), title_rule.into()),
                ("priority".into(), "must be one of low, medium, high".into()),
                ("tags".into(), tag_rule(0)),
            ],
        ),
    ];
    for form in FORMS {
        let c = app.tasks(&user, form);
        let existing = c.create(json!({"title": "existing"})).await;
        let item = format!("/{}", existing["id"]);
        for (body, expected) in &cases {
            let created = c.call(Method::POST, "", Some(body)).await;
            assert_eq!(&violations(&created), expected, "POST {body}");
            let replaced = c.call(Method::PUT, &item, Some(body)).await;
            assert_eq!(&violations(&replaced), expected, "PUT {body}");
        }
        let (_, total) = c.list("").await;
        assert_eq!(
            total,
            if form == Form::Plain { 1 } else { 2 },
            "nothing was written"
        );
        let unchanged = c.call(Method::GET, &item, None).await.json();
        assert_eq!(unchanged, existing);
    }
}

#[tokio::test]
async fn limits_are_inclusive_and_counted_in_characters() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let title = "🎉".repeat(200);
    let task = c
        .create(
            json!({"title": format!("  {title}  "), "description": "é".repeat(1000),
            "tags": vec!["y".repeat(50); 20]}),
        )
        .await;
    assert_eq!(task["title"], title.as_str(), "trimmed");
    assert_eq!(task["tags"].as_array().unwrap().len(), 20);
    let tags = c.create(json!({"title": "t", "tags": [" padded "]})).await;
    assert_eq!(tags["tags"], json!(["padded"]));
}

#[tokio::test]
async fn patch_validates_only_the_fields_it_sends_and_allows_null_only_where_nullable() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    for form in FORMS {
        let c = app.tasks(&user, form);
        let task = c
            .create(json!({"title": "t", "description": "d", "due_date": "2026-12-01T00:00:00Z"}))
            .await;
        let item = format!("/{}", task["id"]);
        for (body, field) in [
            (json!({"title": null}), "title"),
            (json!({"completed": null}), "completed"),
            (json!({"priority": null}), "priority"),
            (json!({"tags": null}), "tags"),
        ] {
            let response = c.call(Method::PATCH, &item, Some(&body)).await;
            assert_eq!(violations(&response), one(field, "must not be null"));
        }
        let response = c
            .call(
                Method::PATCH,
                &item,
                Some(&json!({"title": " ", "tags": [""]})),
            )
            .await;
        assert_eq!(violations(&response).len(), 2);
        let cleared = c
            .call(
                Method::PATCH,
                &item,
                Some(&json!({"description": null, "due_date": null})),
            )
            .await;
        assert_eq!(cleared.status, 200);
        assert_eq!(cleared.json()["description"], Value::Null);
        assert_eq!(cleared.json()["due_date"], Value::Null);
    }
}

#[tokio::test]
async fn server_owned_and_unknown_fields_in_a_body_are_ignored() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let c = app.tasks(&user, Form::Plain);
    let task = c
        .create(json!({"title": "mine", "id": 424242, "user_id": "someone-else",
            "created_at": "2000-01-01T00:00:00.000Z", "updated_at": "2000-01-01T00:00:00.000Z", "owner": "x"}))
        .await;
    assert_ne!(task["id"], 424242);
    assert_eq!(task["user_id"], user.id.as_str());
    assert_ne!(task["created_at"], "2000-01-01T00:00:00.000Z");
    let item = format!("/{}", task["id"]);
    for method in [Method::PUT, Method::PATCH] {
        let response = c
            .call(method, &item, Some(&json!({"title": "still mine", "id": 1, "user_id": "x", "created_at": "2000-01-01T00:00:00Z"})))
            .await;
        assert_eq!(response.status, 200);
        let t = response.json();
        assert_eq!(
            (&t["id"], &t["user_id"], &t["created_at"]),
            (&task["id"], &task["user_id"], &task["created_at"])
        );
    }
}

#[tokio::test]
async fn malformed_json_is_400_and_a_non_object_body_is_422() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let task = app
        .tasks(&user, Form::Plain)
        .create(json!({"title": "t"}))
        .await;
    let targets = [
        (Method::POST, "/api/tasks".to_owned()),
        (Method::PUT, format!("/api/tasks/{}", task["id"])),
        (Method::PATCH, format!("/api/tasks/{}", task["id"])),
        (Method::PATCH, format!("/api/tasks/{}/complete", task["id"])),
        (Method::POST, format!("/api/{}/tasks", user.id)),
    ];
    for (method, path) in &targets {
        let send = |body: &'static str| {
            app.request(method.clone(), path)
                .bearer_auth(&user.token)
                .header("content-type", "application/json")
                .body(body)
                .fetch()
        };
        for body in ["{", "{\"title\": }", "nope", "{\"title\": \"a\"} trailing"] {
            let response = send(body).await;
            assert_eq!(response.status, 400, "{method} {path} {body}");
            assert_eq!(
                response.json(),
                json!({"message": "Malformed JSON in request body", "code": "INVALID_JSON"})
            );
        }
        for body in ["[]", "\"title\"", "42", "true"] {
            let response = send(body).await;
            assert_eq!(
                violations(&response),
                one("body", "must be a JSON object"),
                "{method} {path} {body}"
            );
        }
    }
    let empty = app
        .request(Method::POST, "/api/tasks")
        .bearer_auth(&user.token)
        .fetch()
        .await;
    assert_eq!(violations(&empty), one("body", "must be a JSON object"));
}

#[tokio::test]
async fn an_oversize_body_is_413_and_a_non_json_content_type_is_415() {
    let app = TestApp::spawn().await;
    let user = app.sign_up().await;
    let post = || {
        app.request(Method::POST, "/api/tasks")
            .bearer_auth(&user.token)
    };
    let big = json!({"title": "t", "description": "x".repeat(1_100_000)});
    let response = post().json(&big).fetch().await;
    assert_eq!(response.status, 413);
    assert_eq!(
        response.json(),
        json!({"message": "Request body is too large", "code": "PAYLOAD_TOO_LARGE"})
    );
    // Chunked, so no Content-Length announces the size: the limit applies while reading.
    let status_line = chunked_post(&app, &user.token, 1100).await;
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
    let response = post()
        .header("content-type", "text/plain")
        .body(r#"{"title":"t"}"#)
        .fetch()
        .await;
    assert_eq!(response.status, 415);
    assert_eq!(response.json()["code"], "UNSUPPORTED_MEDIA_TYPE");
    let response = post()
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"title":"t"}"#)
        .fetch()
        .await;
    assert_eq!(response.status, 201, "charset parameter is fine");
}

/// Posts `kib` KiB of spaces with `Transfer-Encoding: chunked`; returns the status line.
async fn chunked_post(app: &TestApp, token: &str, kib: usize) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/tasks HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    for _ in 0..kib {
        let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
