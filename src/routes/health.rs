//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use diesel_async::RunQueryDsl as _;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Health status.
#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness: the process is serving requests.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers, and so does the secondary storage (Redis) when configured.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database or the secondary storage is unreachable", body = Health),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let ok = match state.conn().await {
        Ok(mut conn) => {
            crate::db_run!(&mut conn, c => diesel::sql_query("SELECT 1").execute(c).await).is_ok()
        }
        Err(_) => false,
    };
    let kv_ok = match &state.secondary_storage {
        Some(kv) => kv.ping().await.is_ok(),
        None => true,
    };
    if ok && kv_ok {
        HttpResponse::Ok().json(Health { status: "ready" })
    } else {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
        })
    }
}
