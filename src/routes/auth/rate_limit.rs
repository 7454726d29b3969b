//! The rate-limit middleware of `/api/auth/*`: it runs before routing, for every method and
//! path (Better Auth's `onRequestRateLimit`), and answers 429 with `X-Retry-After`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};

use crate::auth::ip::rate_limit_ip;
use crate::auth::rate_limit::{Decision, key};
use crate::config::RateLimitStorage;
use crate::error::ApiError;
use crate::state::AppState;

/// Where the auth routes are mounted.
const BASE_PATH: &str = "/api/auth";

/// `normalizePathname`: the path below `/api/auth`, without trailing slashes; `None` elsewhere.
pub fn relative_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix(BASE_PATH)?;
    if !rest.is_empty() && !rest.starts_with('/') {
        return None;
    }
    let trimmed = rest.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

async fn decide(state: &AppState, req: &ServiceRequest) -> Option<Decision> {
    let limiter = &state.rate_limiter;
    if !limiter.enabled() {
        return None;
    }
    let path = relative_path(req.path())?;
    let limit = limiter.rule(&path)?;
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = rate_limit_ip(
        req.peer_addr().map(|a| a.ip()),
        forwarded,
        &state.config.trusted_proxies,
    );
    let key = key(ip.as_deref(), &path);
    match (limiter.storage(), &state.secondary_storage) {
        (RateLimitStorage::Database, _) => {}
        (RateLimitStorage::SecondaryStorage, Some(kv)) => {
            // As with the database: an outage lets the request through to meet it (503).
            let decided = limiter.check_in_secondary_storage(kv, &key, limit).await;
            return decided.ok();
        }
        _ => return Some(limiter.check_in_memory(&key, limit)),
    }
    // A failing database must not lock everyone out: count nothing and let the route answer (it
    // meets the same outage and answers 503; `AppState::conn` logs the outage once).
    let mut conn = state.conn().await.ok()?;
    limiter
        .check_in_database(&mut conn, &key, limit)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "rate limit check failed; request let through"))
        .ok()
}

/// Counts the request and rejects it with 429 when over its limit.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let decision = match &state {
        Some(state) => decide(state, &req).await,
        None => None,
    };
    if let (Some(Decision::Limited { retry_after_secs }), Some(state)) = (decision, state) {
        tracing::warn!(path = req.path(), "rate limited");
        state.metrics.count_rate_limited();
        let response = ApiError::RateLimited { retry_after_secs }.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_taken_relative_to_the_base_path() {
        assert_eq!(
            relative_path("/api/auth/sign-in/email").as_deref(),
            Some("/sign-in/email")
        );
        assert_eq!(
            relative_path("/api/auth/get-session/").as_deref(),
            Some("/get-session")
        );
        assert_eq!(relative_path("/api/auth").as_deref(), Some("/"));
        assert_eq!(relative_path("/api/authevil/x"), None);
        assert_eq!(relative_path("/api/tasks"), None);
    }
}
