//! `GET /metrics` (Prometheus text format) and the middleware that counts every request.
//!
//! `/metrics` is registered outside utoipa, so it is not in the OpenAPI document: it is plain text
//! for Prometheus, not part of the JSON API. It counts itself under its fixed pattern.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::metrics::{Snapshot, UNMATCHED_ROUTE, content_type};
use crate::state::AppState;

/// The current metrics in Prometheus' text exposition format.
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pools.status();
    let text = state.metrics.render(Snapshot {
        pool_size: pool.size,
        pool_available: pool.available,
        pool_waiting: pool.waiting,
        pool_max_size: pool.max_size,
        hash_queue_depth: state.hasher.queue_depth(),
        hash_threads: state.hasher.threads(),
    })?;
    Ok(HttpResponse::Ok().content_type(content_type()).body(text))
}

/// Records each request's method, route pattern, status and latency.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    // The pattern (`/api/tasks/{id}`), never the raw path, so label values stay bounded.
    let route = req.match_pattern();
    let result = next.call(req).await;
    if let Some(state) = state {
        let status = match &result {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        state.metrics.observe_request(
            method.as_str(),
            route.as_deref().unwrap_or(UNMATCHED_ROUTE),
            status.as_u16(),
            started.elapsed(),
        );
    }
    result
}
