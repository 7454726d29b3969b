//! Tracing setup: pretty or JSON lines, filtered by `LOG_LEVEL` (an `EnvFilter` directive).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Audit events use the target `audit`.
pub fn init(level: &str, format: LogFormat) {
    let filter =
        EnvFilter::try_new(filter_directives(level)).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only on a terminal: log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Directives added unless the filter names their target itself:
/// - tokio-postgres logs bound parameters (session tokens, password hashes) at debug level;
/// - actix-http logs every malformed request (a NUL in a header, a bad chunk) at ERROR, which any
///   client can trigger; the client gets its 400 and the log stays for the server's own errors.
const QUIET: [(&str, &str); 2] = [
    ("tokio_postgres", "tokio_postgres=info"),
    ("actix_http", "actix_http::h1=off"),
];

/// The `EnvFilter` directives for `LOG_LEVEL`.
pub fn filter_directives(level: &str) -> String {
    let mut directives = level.to_owned();
    for (target, directive) in QUIET {
        if !level.contains(target) {
            directives.push(',');
            directives.push_str(directive);
        }
    }
    directives
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_stay_out_of_debug_logs_unless_asked_for() {
        assert_eq!(
            filter_directives("debug"),
            "debug,tokio_postgres=info,actix_http::h1=off"
        );
        assert_eq!(
            filter_directives("tokio_postgres=trace,actix_http=debug"),
            "tokio_postgres=trace,actix_http=debug"
        );
    }
}
