//! Building and running the server: `Application::build(config)` binds the port (0 picks one).

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
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
        let state = web::Data::new(AppState::new(config, pool)?);
        let openapi = crate::routes::openapi();
        let server = HttpServer::new(move || {
            let (app, _) =
                crate::routes::register(App::new().app_data(state.clone()).into_utoipa_app())
                    .split_for_parts();
            app.service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi.clone()))
                .default_service(web::to(not_found))
                .wrap(cors(&state))
                .wrap(TracingLogger::default())
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
        .expose_headers([
            "set-auth-token",
            "set-auth-jwt",
            "x-total-count",
            "location",
        ])
        .supports_credentials()
        .block_on_origin_mismatch(false)
        .max_age(600)
}
