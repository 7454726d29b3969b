//! The `better-auth-actix` binary: reads configuration, sets up tracing, and serves or migrates.

use clap::{Parser, Subcommand};

use better_auth_actix::config::Config;
use better_auth_actix::startup::Application;
use better_auth_actix::{db, routes, telemetry};

/// A drop-in Better Auth 1.7 server and task API. Configuration comes from the environment
/// (and `.env`); see `.env.example` for every variable.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Applies pending migrations first.
    Serve {
        /// Do not run migrations at start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) and exit; needs no configuration.
    Openapi,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { no_migrate: false });
    if let Command::Openapi = command {
        println!("{}", routes::openapi().to_pretty_json()?);
        return Ok(());
    }
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("configuration error: {e}");
            std::process::exit(2);
        }
    };
    telemetry::init(&config.log_level, config.log_format);
    match command {
        Command::Migrate => {
            let applied = db::run_migrations(config.database_url()).await?;
            tracing::info!(?applied, "migrations applied");
        }
        Command::Serve { no_migrate } => {
            if !no_migrate {
                let applied = db::run_migrations(config.database_url()).await?;
                tracing::info!(?applied, "migrations applied");
            }
            let app = Application::build(config).await?;
            tracing::info!(port = app.port(), "listening");
            app.run_until_stopped().await?;
        }
        Command::Openapi => unreachable!("handled above"),
    }
    Ok(())
}
