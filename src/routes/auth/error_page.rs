//! `GET /error` (`better-auth/src/api/routes/error.ts`).

use actix_web::{HttpRequest, HttpResponse, get};

/// Better Auth's HTML error page, shown after a failed redirect flow.
#[utoipa::path(
    tag = "auth",
    params(
        ("error" = Option<String>, Query, description = "Error code"),
        ("error_description" = Option<String>, Query, description = "Description"),
    ),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
#[get("/error")]
pub async fn error_page(req: HttpRequest) -> HttpResponse {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    // `error.ts`: only `^['A-Za-z0-9_-]+$` is shown as a code.
    let raw_code = get("error");
    let valid = !raw_code.is_empty()
        && raw_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "'_-".contains(c));
    let code = if valid {
        html_escape(raw_code)
    } else {
        "UNKNOWN".to_string()
    };
    let description = html_escape(get("error_description"));
    HttpResponse::Ok()
        .content_type("text/html")
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"UTF-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\"><title>Error</title></head><body><h1>Error</h1><p>Code: <code>{code}</code></p><p>{description}</p><p><a href=\"/\">Go back home</a></p></body></html>"
        ))
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}
