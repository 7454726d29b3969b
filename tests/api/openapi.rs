//! The OpenAPI document: pinned in `openapi/openapi.json`, served at `/api/openapi.json`, and
//! complete for the task API (summaries, schemas, examples, security on every operation).

use std::collections::HashSet;

use better_auth_actix::routes;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::snapshot::assert_json_shape;

const REGENERATE: &str = "cargo run -q -- openapi > openapi/openapi.json";

fn generated() -> String {
    format!(
        "{}\n",
        routes::openapi().to_pretty_json().expect("serializable")
    )
}

#[test]
fn the_committed_openapi_json_matches_the_routes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated(),
        "openapi/openapi.json is stale or missing; regenerate it with `{REGENERATE}` \
         (that is, `better-auth-actix openapi > openapi/openapi.json`) and commit it"
    );
}

fn document() -> Value {
    serde_json::from_str(&generated()).expect("JSON")
}

#[test]
fn the_document_is_openapi_3_1_with_unique_operation_ids() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
        }
    }
    for scheme in ["bearerJwt", "bearerSession", "sessionCookie"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object());
    }
}

#[test]
fn every_task_operation_exists_in_both_forms_with_security_schemas_and_examples() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("get", ""),
        ("post", ""),
        ("get", "/{id}"),
        ("put", "/{id}"),
        ("patch", "/{id}"),
        ("patch", "/{id}/complete"),
        ("delete", "/{id}"),
    ];
    for base in ["/api/tasks", "/api/{user_id}/tasks"] {
        for (method, suffix) in expected {
            let path = format!("{base}{suffix}");
            let op = &paths[&path][method];
            assert!(op.is_object(), "{method} {path} is not documented");
            assert_eq!(op["tags"], serde_json::json!(["tasks"]));
            assert_json_shape!(op["security"], format!("{method} {path}"), @r#"
            [
              {
                "bearerJwt": []
              },
              {
                "bearerSession": []
              },
              {
                "sessionCookie": []
              }
            ]
            "#);
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("401"), "{method} {path}");
            if base.contains("user_id") {
                assert!(responses.contains_key("403"), "{method} {path}");
            }
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            let in_path: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert_eq!(declared, in_path, "{method} {path} path parameters");
            let success = responses
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .unwrap()
                .1;
            if method != "delete" {
                assert!(
                    success["content"]["application/json"]["schema"].is_object(),
                    "{method} {path} has no response schema"
                );
            }
            if matches!(method, "post" | "put") || suffix == "/{id}" && method == "patch" {
                let schema = &op["requestBody"]["content"]["application/json"]["schema"];
                let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                let component = &doc["components"]["schemas"][name];
                assert!(component["example"].is_object(), "{name} has no example");
            }
        }
    }
    assert!(doc["components"]["schemas"]["TaskResponse"]["example"].is_object());
}

/// A response, with a `$ref` to `components/responses` resolved.
fn resolve<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
        None => response,
    }
}

#[test]
fn every_error_status_is_documented_with_the_envelope() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |status: &str| responses.contains_key(status);
            let auth = path.starts_with("/api/auth/");
            let reads_body = matches!(method.as_str(), "post" | "put" | "patch")
                && (auth || path.contains("/tasks"));
            if reads_body {
                for status in ["400", "408", "413", "415"] {
                    assert!(has(status), "{method} {path} lacks {status}");
                }
            }
            if auth {
                assert!(has("429"), "{method} {path} lacks 429");
            }
            if auth && method == "post" && path != "/api/auth/get-session" {
                assert!(has("403"), "{method} {path} lacks 403");
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path} lacks 404");
            }
            let no_database = ["/health", "/api/auth/ok", "/api/auth/error"]
                .contains(&path.as_str())
                || (method == "post" && path == "/api/auth/get-session");
            assert_eq!(has("503"), !no_database, "{method} {path} and 503");
            for (status, response) in responses {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let response = resolve(&doc, response);
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                match schema.as_str() {
                    Some(r) if path == "/ready" => assert!(r.ends_with("/Health")),
                    Some(r) => assert!(r.ends_with("/ErrorBody"), "{method} {path} {status}: {r}"),
                    // Better Auth's empty 404 (a disabled endpoint, a path that names no route).
                    None => assert!(
                        auth && status == "404" && response["content"].is_null(),
                        "{method} {path} {status} has neither the envelope nor an empty body"
                    ),
                }
            }
        }
    }
    let unavailable = &doc["components"]["responses"]["ServiceUnavailable"];
    assert!(unavailable["headers"]["Retry-After"].is_object());
    let limited = &doc["components"]["responses"]["RateLimited"];
    assert!(limited["headers"]["X-Retry-After"].is_object());
}

#[tokio::test]
async fn the_server_serves_the_same_document_and_swagger_ui() {
    let app = TestApp::spawn().await;
    let served = app.get("/api/openapi.json").await.json();
    assert_eq!(served, document());
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger-ui"), "{}", docs.text);
}

#[test]
fn the_text_limits_enforced_at_the_edge_are_documented() {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (name, schema) in schemas.iter().filter(|(n, _)| n.ends_with("Request")) {
        for (member, property) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(max) = better_auth_actix::text::auth_field_max(member) {
                assert_eq!(property["maxLength"], max, "{name}.{member}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 7, "only {checked} members checked");
}

#[test]
fn the_task_limits_that_parsing_enforces_are_the_documented_ones() {
    use better_auth_actix::tasks::content::{DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX};
    use better_auth_actix::tasks::list::MAX_LIMIT;
    let doc = document();
    for name in ["TaskInput", "TaskPatchInput"] {
        let members = &doc["components"]["schemas"][name]["properties"];
        assert_eq!(members["title"]["minLength"], 1, "{name}.title");
        assert_eq!(members["title"]["maxLength"], TITLE_MAX, "{name}.title");
        assert_eq!(
            members["description"]["maxLength"], DESCRIPTION_MAX,
            "{name}.description"
        );
        assert_eq!(members["tags"]["maxItems"], TAGS_MAX, "{name}.tags");
        assert_eq!(
            members["tags"]["items"]["maxLength"], TAG_MAX,
            "{name}.tags[]"
        );
    }
    for path in ["/api/tasks", "/api/{user_id}/tasks"] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let limit = parameters.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], MAX_LIMIT, "{path} limit");
    }
}
