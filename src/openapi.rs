//! The OpenAPI document's frame: metadata, security schemes and shared schemas, plus the
//! responses every operation of a kind shares ([`CommonResponses`]). Operations come from route
//! registration (`routes::register`).

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Object, Ref, Response, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorCode, FieldError};

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "better-auth-actix",
        description = "A drop-in Better Auth 1.7 server (`/api/auth/*`) and a per-user task API.",
    ),
    components(schemas(ErrorBody, ErrorCode, FieldError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Better Auth-compatible authentication"),
        (name = "tasks", description = "Per-user tasks"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerJwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256 JWT signed with BETTER_AUTH_SECRET, or this server's EdDSA JWT",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "bearerSession",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A Better Auth session token, raw or signed (`set-auth-token`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "sessionCookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "better-auth.session_token",
                "The signed Better Auth session cookie",
            ))),
        );
    }
}

/// The statuses that whole kinds of operation share, added to every operation of that kind after
/// the routes are collected (`routes::openapi`), as references to `components/responses`.
///
/// A handler documents what its own logic answers; the layers around it (rate limit, body reading,
/// origin check, database pool) answer the same way on every route they wrap, so they are
/// documented here, once, from the same facts that decide them: the path prefix (the `/api/auth`
/// scope and its middleware), whether the handler reads a body, and whether it needs the database.
/// A status the handler already documents keeps the handler's own description.
pub struct CommonResponses;

/// One shared response: its name under `components/responses`, status, and description.
struct Shared {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    /// `None`: no content (Better Auth's empty 404).
    envelope: bool,
    header: Option<(&'static str, &'static str)>,
}

const RATE_LIMITED: Shared = Shared {
    name: "RateLimited",
    status: "429",
    description: "Too many requests from this client for this path (Better Auth's rate limit; \
                  message-only envelope)",
    envelope: true,
    header: Some(("X-Retry-After", "Seconds until the window resets")),
};
const UNAVAILABLE: Shared = Shared {
    name: "ServiceUnavailable",
    status: "503",
    description: "The database is unreachable (`SERVICE_UNAVAILABLE`); retry after `Retry-After`",
    envelope: true,
    header: Some(("Retry-After", "Seconds to wait before retrying")),
};
const BAD_BODY: Shared = Shared {
    name: "BadRequestBody",
    status: "400",
    description: "Malformed JSON (`BAD_REQUEST` on auth routes, `INVALID_JSON` on tasks), or a \
                  body that fails validation (`VALIDATION_ERROR`)",
    envelope: true,
    header: None,
};
const BODY_TIMEOUT: Shared = Shared {
    name: "RequestTimeout",
    status: "408",
    description: "The request body did not arrive in time (`REQUEST_TIMEOUT`); the connection closes",
    envelope: true,
    header: None,
};
const TOO_LARGE: Shared = Shared {
    name: "PayloadTooLarge",
    status: "413",
    description: "The body exceeds `BODY_LIMIT_BYTES` (`PAYLOAD_TOO_LARGE`)",
    envelope: true,
    header: None,
};
const NOT_JSON: Shared = Shared {
    name: "UnsupportedMediaType",
    status: "415",
    description: "A body with a missing or non-JSON `Content-Type` (`UNSUPPORTED_MEDIA_TYPE`)",
    envelope: true,
    header: None,
};
const ORIGIN: Shared = Shared {
    name: "OriginRejected",
    status: "403",
    description: "A session cookie without a trusted `Origin` (`MISSING_OR_NULL_ORIGIN`, \
                  `INVALID_ORIGIN`), or an untrusted callback URL (`INVALID_CALLBACK_URL`, ...)",
    envelope: true,
    header: None,
};
const NO_ROUTE: Shared = Shared {
    name: "NoRoute",
    status: "404",
    description: "Better Auth's empty 404: the path does not name a route as sent (for example a \
                  percent-encoded path segment)",
    envelope: false,
    header: None,
};
const NOT_FOUND: Shared = Shared {
    name: "NotFound",
    status: "404",
    description: "The path names nothing (`NOT_FOUND`), for example an empty segment",
    envelope: true,
    header: None,
};

/// Operations that never touch the database (everything else can answer 503).
const NO_DATABASE: [(&str, &str); 5] = [
    ("get", "/health"),
    ("get", "/ready"), // documents its own 503, with its own body
    ("get", "/api/auth/ok"),
    ("get", "/api/auth/error"),
    ("post", "/api/auth/get-session"),
];

impl CommonResponses {
    /// The shared responses an operation of this kind can also answer.
    fn applicable(method: &str, path: &str) -> Vec<&'static Shared> {
        let auth = path.starts_with("/api/auth/");
        let writes = matches!(method, "post" | "put" | "patch");
        // Every auth POST reads its body through `RawBody`; task writes through `json_body`.
        let reads_body = writes && (auth || path.contains("/tasks"));
        let mut shared = Vec::new();
        if reads_body {
            shared.extend([&BAD_BODY, &BODY_TIMEOUT, &TOO_LARGE, &NOT_JSON]);
        }
        // `origin_check` runs on every auth POST but the one that always answers 405.
        if auth && method == "post" && path != "/api/auth/get-session" {
            shared.push(&ORIGIN);
        }
        if path.contains('{') {
            shared.push(if auth { &NO_ROUTE } else { &NOT_FOUND });
        }
        if auth {
            shared.push(&RATE_LIMITED);
        }
        if !NO_DATABASE.contains(&(method, path)) {
            shared.push(&UNAVAILABLE);
        }
        shared
    }

    fn response(shared: &Shared) -> Response {
        let mut response = ResponseBuilder::new().description(shared.description);
        if shared.envelope {
            response = response.content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            );
        }
        if let Some((name, description)) = shared.header {
            let header = HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::Integer)))
                .description(Some(description))
                .build();
            response = response.header(name, header);
        }
        response.build()
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut used = std::collections::BTreeMap::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                for shared in Self::applicable(method, path) {
                    let responses = &mut operation.responses.responses;
                    if !responses.contains_key(shared.status) {
                        responses.insert(
                            shared.status.to_owned(),
                            Ref::from_response_name(shared.name).into(),
                        );
                        used.insert(shared.name, shared);
                    }
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, shared) in used {
            components
                .responses
                .insert(name.to_owned(), Self::response(shared).into());
        }
    }
}
