//! HTTP routes. Registering a route here is also what documents it in the OpenAPI document.

pub mod auth;
pub mod current_user;
pub mod health;
pub mod tasks;

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::OpenApi as _;
use utoipa_actix_web::UtoipaApp;

/// Registers every route of the server.
pub fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(auth::scope())
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
    register(app).split_for_parts().1
}

use utoipa_actix_web::AppExt as _;
