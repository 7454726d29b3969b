//! Building and running the server: `Application::build(config)` binds the port (0 picks one).

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::Server;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::build_pool;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener and builds the server (the database is reached lazily).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        let pool = build_pool(config.database_url(), config.database_pool_size)?;
        tokio::spawn(warm_up(pool.clone(), config.database_pool_size.min(8)));
        let state = web::Data::new(AppState::new(config, pool)?);
        let openapi = crate::routes::openapi();
        let server = HttpServer::new(move || {
            let (app, _) =
                crate::routes::register(App::new().app_data(state.clone()).into_utoipa_app())
                    .split_for_parts();
            app.service(web::redirect("/docs", "/docs/"))
                // Outside utoipa on purpose: Prometheus text, not part of the documented JSON API.
                .route("/metrics", web::get().to(crate::routes::metrics::scrape))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi.clone()))
                .default_service(web::to(not_found))
                // Inside CORS: preflights are not counted, and a 429 still carries CORS headers.
                .wrap(from_fn(crate::routes::auth::rate_limit))
                .wrap(cors(&state))
                .wrap(from_fn(raw_auth_paths))
                .wrap(from_fn(cors_scope))
                .wrap(TracingLogger::<crate::request_log::RedactedRootSpan>::new())
                // Outermost: every answer counts, including 429s, CORS refusals and raw-path 404s.
                .wrap(from_fn(crate::routes::metrics::record))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens a few connections ahead of the first requests; failures are left to readiness to report.
async fn warm_up(pool: crate::db::DbPool, connections: usize) {
    let attempts = (0..connections).map(|_| pool.get());
    let opened = futures_util::future::join_all(attempts).await;
    let ok = opened.iter().filter(|c| c.is_ok()).count();
    tracing::debug!(ok, "database pool warmed up");
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(ErrorCode::NotFound))
}

/// CORS for split-origin deployments: trusted origins only, with credentials.
fn cors(state: &web::Data<AppState>) -> Cors {
    let state = state.clone();
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|o| state.origins.is_trusted_origin(o))
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allow_any_header()
        .supports_credentials()
        .block_on_origin_mismatch(false)
        .max_age(600)
}

/// Headers a cross-origin frontend must be able to read.
const EXPOSED: [&str; 4] = [
    "set-auth-token",
    "set-auth-jwt",
    "x-total-count",
    "location",
];

/// actix-cors decorates every response; this keeps its headers to real CORS requests (so a same-origin
/// response is byte-for-byte Better Auth's) and merges the exposed headers with those a route set.
async fn cors_scope(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let cross_origin = req.headers().contains_key(header::ORIGIN);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        if !cross_origin {
            headers.remove(header::VARY);
        }
        return Ok(res);
    }
    let mut exposed: Vec<String> = headers
        .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for name in EXPOSED {
        if !exposed.iter().any(|e| e.eq_ignore_ascii_case(name)) {
            exposed.push(name.to_owned());
        }
    }
    if let Ok(value) = HeaderValue::from_str(&exposed.join(", ")) {
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
    }
    Ok(res)
}

/// better-call routes on the raw path: `/api/auth/%6Fk` is not `/api/auth/ok` (Better Auth's empty 404).
async fn raw_auth_paths(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let raw = req.uri().path();
    if raw.starts_with("/api/auth/") && raw.contains('%') {
        let response = actix_web::HttpResponse::NotFound().finish();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
