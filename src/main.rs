//! The `better-auth-actix` binary: reads configuration, sets up tracing, and serves or migrates.

use clap::{Parser, Subcommand};

use better_auth_actix::config::Config;
use better_auth_actix::startup::Application;
use better_auth_actix::{db, routes, telemetry};

/// A drop-in Better Auth 1.7 server and task API. Configuration comes from the environment
/// (and `.env`); see `.env.example` for every variable.
#[derive(Parser)]
#[command(version, about, after_help = ENVIRONMENT)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// Every option is an environment variable (or a line of `.env`); `.env.example` documents them too.
const ENVIRONMENT: &str = "\
Environment (a .env file in the working directory is read first):
  DATABASE_URL                 sqlite://file.db (relative), sqlite:///abs/file.db, or a PostgreSQL URL with
                               sslmode=disable|prefer|require|verify-full, sslrootcert=PATH
                               (default: the embedded SQLite file ./better-auth.db)
  DATABASE_POOL_SIZE           pool connections (default 10)
  BETTER_AUTH_SECRET           signing secret, at least 32 characters (required with PostgreSQL; on
                               SQLite, when unset, one is generated once into <database>.secret)
  BETTER_AUTH_SECRETS          versioned secrets for rotation, newest first: \"2:new,1:old\"
  BETTER_AUTH_URL              public base URL (default http://localhost:3000); https => __Secure- cookies
  BETTER_AUTH_TRUSTED_ORIGINS  extra trusted origins, comma-separated, * and ? wildcards
  HOST, PORT                   listen address (default 127.0.0.1:3000)
  PASSWORD_HASHER              argon2id (default) or scrypt (Better Auth's format)
  PASSWORD_HASH_CONCURRENCY    hashing threads (default: CPU count); 256 hashes may wait per thread
  BODY_LIMIT_BYTES             request body limit (default 1048576)
  REQUEST_TIMEOUT_SECS         request head, then body, must arrive within this (default 10; else 408)
  KEEP_ALIVE_SECS              idle keep-alive connections close after this (default 5; 0 = off)
  MAX_CONNECTIONS              open connections per worker (default 4096); WORKERS (default: CPU count)
  SHUTDOWN_GRACE_SECS          after SIGTERM/SIGINT, in-flight requests get this long (default 10)
  DATABASE_TIMEOUT_SECS        wait for a database connection before answering 503 (default 5)
  SESSION_EXPIRES_IN, SESSION_UPDATE_AGE, SESSION_FRESH_AGE   seconds (604800, 86400, 86400)
  SESSION_COOKIE_CACHE         off (default), compact, jwt or jwe: Better Auth's session_data cookie
  SESSION_COOKIE_CACHE_MAX_AGE seconds a cached session is trusted (default 300)
  SESSION_COOKIE_CACHE_VERSION a new version discards every cached session (default 1)
  JWT_ALG                      EdDSA (default; Ed25519 keys in jwks, as Better Auth) or HS256 (current secret)
  JWT_EXPIRES_IN               token lifetime: seconds or 15m/1h/7d (default 15m)
  JWT_ISSUER, JWT_AUDIENCE     iss/aud issued and required (default: the base URL's origin);
                               HS256 bearer JWTs on the task API are checked only when these are set
  JWKS_ROTATION_INTERVAL       key lifetime before a new one is minted (default: never)
  JWKS_GRACE_PERIOD            expired keys stay published this long (default 2592000 s)
  JWKS_CACHE_TTL               seconds the decrypted signing key is reused (default 30; 0 = never)
  RATE_LIMIT_ENABLED           true (default) or false; /api/auth/* only
  RATE_LIMIT_WINDOW, RATE_LIMIT_MAX   default limit per IP and path (10 s, 100)
  RATE_LIMIT_RULES             per-path overrides: /sign-in/email=5/60,/get-session=off
  RATE_LIMIT_STORAGE           memory, database or secondary-storage (shared by instances; the
                               default when SECONDARY_STORAGE_URL is set, else memory)
  SECONDARY_STORAGE_URL        redis:// or rediss:// (TLS) URL with user, password and db: Better Auth's
                               secondaryStorage, shared with other instances and a Node Better Auth
  SECONDARY_STORAGE_PREFIX     key prefix (default better-auth:, as @better-auth/redis-storage)
  SECONDARY_STORAGE_TIMEOUT_MS bound on connecting and on every command, else 503 (default 1000)
  SESSION_STORE_IN_DATABASE    true: sessions also in the database (read fallback); default false
  SESSION_PRESERVE_IN_DATABASE true (with the above): Redis alone decides, ended rows are kept
  TRUSTED_PROXIES              IPs/CIDRs whose X-Forwarded-For the rate limiter believes
  LOG_LEVEL, LOG_FORMAT        tracing filter (default info) and pretty|json (pretty is colourless
                               when stdout is not a terminal)
See .env.example for the complete list.";

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

/// Completes at the first SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Says which database this is and, for a SQLite one without a configured secret, where its secret
/// is kept.
fn announce_database(config: &Config) {
    match &config.database {
        db::Database::Sqlite(path) => {
            let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            if config.embedded_default {
                tracing::warn!(
                    file = %shown.display(),
                    "DATABASE_URL is not set: using the embedded SQLite database (fine for development and \
                     small deployments; set DATABASE_URL=postgres://... for production)"
                );
            } else {
                tracing::info!(file = %shown.display(), "using the SQLite database");
            }
        }
        db::Database::Postgres(_) => tracing::info!("using the PostgreSQL database"),
    }
    if let Some(secret) = &config.generated_secret {
        let file = std::path::absolute(&secret.file).unwrap_or_else(|_| secret.file.clone());
        let file = file.display();
        if secret.created {
            tracing::warn!(%file, "BETTER_AUTH_SECRET is not set: generated a secret and stored it (mode 0600); keep this file private, and set BETTER_AUTH_SECRET to share sessions with other servers");
        } else {
            tracing::warn!(%file, "BETTER_AUTH_SECRET is not set: using the secret stored beside the database");
        }
    }
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
    announce_database(&config);
    match command {
        Command::Migrate => {
            let applied = db::run_migrations(&config.database).await?;
            tracing::info!(?applied, "migrations applied");
        }
        Command::Serve { no_migrate } => {
            if !no_migrate {
                let applied = db::run_migrations(&config.database).await?;
                tracing::info!(?applied, "migrations applied");
            }
            let app = Application::build(config).await?;
            tracing::info!(port = app.port(), "listening");
            app.run_until(shutdown_signal()).await?;
        }
        Command::Openapi => unreachable!("handled above"),
    }
    Ok(())
}
