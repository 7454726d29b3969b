//! The OpenAPI document's frame: metadata, security schemes and shared schemas.
//! Operations come from route registration (`routes::register`).

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
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
