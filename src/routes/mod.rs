//! HTTP routes. Registering a route here is also what documents it in the OpenAPI document.

pub mod auth;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod tasks;

use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::error::JsonPayloadError;
use actix_web::web;
use utoipa::OpenApi as _;
use utoipa_actix_web::UtoipaApp;

use crate::error::{ApiError, ErrorCode};

/// Registers every route of the server.
pub fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.app_data(extractor_errors::json())
        .app_data(extractor_errors::path())
        .app_data(extractor_errors::query())
        .service(auth::scope())
        .service(tasks::scope())
        .service(tasks::user_scope())
        .service(health::health)
        .service(health::ready)
}

/// The OpenAPI document, produced by the same registration that serves the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let app = actix_web::App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::ApiDoc::openapi());
    let mut doc = register(app).split_for_parts().1;
    // After registration: the shared statuses are added to the operations it produced.
    utoipa::Modify::modify(&crate::openapi::CommonResponses, &mut doc);
    doc
}

use utoipa_actix_web::AppExt as _;

/// Actix's own extractors answer in plain text; these handlers put their errors in the envelope.
mod extractor_errors {
    use super::*;

    /// `web::Json`: 413 when too large, 415 for another content type, 422 for a well-formed body of
    /// the wrong shape, else 400 `INVALID_JSON`.
    pub fn json() -> web::JsonConfig {
        web::JsonConfig::default().error_handler(|e, _| {
            match e {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("Content-Type must be application/json".into())
                }
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    ApiError::field("body", e.to_string())
                }
                JsonPayloadError::Serialize(e) => ApiError::internal(e),
                JsonPayloadError::Payload(e) if crate::transport::is_timeout(&e) => {
                    ApiError::RequestTimeout
                }
                _ => ApiError::BadRequest(ErrorCode::InvalidJson),
            }
            .into()
        })
    }

    /// `web::Path`: a segment of the wrong type names nothing, so 404.
    pub fn path() -> web::PathConfig {
        web::PathConfig::default()
            .error_handler(|_, _| ApiError::NotFound(ErrorCode::NotFound).into())
    }

    /// `web::Query`: 400 `INVALID_QUERY`.
    pub fn query() -> web::QueryConfig {
        web::QueryConfig::default().error_handler(|e, _| {
            ApiError::BadRequestMessage {
                code: ErrorCode::InvalidQuery,
                message: e.to_string(),
            }
            .into()
        })
    }
}
