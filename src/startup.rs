//! Building and running the server: `Application::build(config)` binds the port (0 picks one).

use std::future::Future;
use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::Server;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::KeepAlive;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::build_pools;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    listener: TcpListener,
}

impl Application {
    /// Binds the listener and builds the server (the database is reached lazily).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        // Kept to refuse new connections at shutdown, before actix lets go of its own handle.
        let listener_guard = listener.try_clone()?;
        let limits = config.http;
        let pools = build_pools(
            &config.database,
            config.database_pool_size,
            limits.workers,
            config.database_timeout,
        )?;
        let state = web::Data::new(AppState::new(config, pools)?);
        let openapi = crate::routes::openapi();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            let state = &app_state;
            // On the worker's own thread: its pool opens a few connections ahead of the first requests.
            let pool = state.pools.local();
            let warm = pool.status().max_size.min(4);
            actix_web::rt::spawn(warm_up(pool, warm));
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
                .wrap(cors(state))
                .wrap(from_fn(raw_auth_paths))
                .wrap(from_fn(cors_scope))
                .wrap(from_fn(crate::transport::body_deadline))
                .wrap(TracingLogger::<crate::request_log::RedactedRootSpan>::new())
                .wrap(from_fn(crate::transport::close_when_draining))
                // Every answer counts, including 429s, CORS refusals and raw-path 404s.
                .wrap(from_fn(crate::routes::metrics::record))
                // Outermost: a client that disconnects never cancels a request's work.
                .wrap(crate::completion::RunToCompletion)
        })
        .workers(limits.workers)
        .max_connections(limits.max_connections)
        .keep_alive(if limits.keep_alive.is_zero() {
            KeepAlive::Disabled
        } else {
            KeepAlive::Timeout(limits.keep_alive)
        })
        .client_request_timeout(limits.request_timeout)
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .shutdown_timeout(limits.shutdown_grace.as_secs())
        // Signals are handled by `run_until_signalled`, which drains before stopping.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
            listener: listener_guard,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until `signal` completes, then shuts down gracefully:
    /// 1. new connections are refused at once (the listener stops listening);
    /// 2. every request still sent on an open connection is answered, with `Connection: close`;
    /// 3. once no request has started for a moment (at most `DRAIN_LIMIT`), actix stops: idle
    ///    connections close and requests still in flight get `SHUTDOWN_GRACE_SECS` to finish;
    /// 4. the database pool closes.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + 'static,
    ) -> std::io::Result<()> {
        let handle = self.server.handle();
        let state = self.state.clone();
        let listener = self.listener;
        let stopper = actix_web::rt::spawn(async move {
            signal.await;
            tracing::info!("shutting down: refusing new connections, draining open ones");
            handle.pause().await;
            // On Linux a listening socket shut down for reading stops listening: connecting
            // clients are refused at once instead of waiting in the backlog to be reset.
            if let Err(e) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Read) {
                tracing::debug!(error = %e, "could not stop listening early");
            }
            state.drain.start();
            let grace = state.config.http.shutdown_grace;
            state
                .drain
                .settle(DRAIN_QUIET, grace.min(DRAIN_LIMIT))
                .await;
            handle.stop(true).await;
        });
        let result = self.server.await;
        stopper.abort();
        self.state.pools.close();
        tracing::info!("stopped");
        result
    }
}

/// How long no request may start before draining is over and idle connections are closed.
const DRAIN_QUIET: std::time::Duration = std::time::Duration::from_millis(200);
/// The longest the draining step waits; a request still running then (a stalled upload) gets the
/// grace period of actix's stop, so the whole shutdown takes at most this plus the grace period.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

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
