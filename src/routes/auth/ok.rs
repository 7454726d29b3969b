//! `GET /ok` (`better-auth/src/api/routes/ok.ts`).

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

/// `/ok` response.
#[derive(Serialize, ToSchema)]
pub struct OkResponse {
    ok: bool,
}

/// Check that the auth API is up.
#[utoipa::path(tag = "auth", responses((status = 200, description = "Up", body = OkResponse)))]
#[get("/ok")]
pub async fn ok() -> HttpResponse {
    HttpResponse::Ok().json(OkResponse { ok: true })
}
