//! Tracing setup: pretty or JSON lines, filtered by `LOG_LEVEL` (an `EnvFilter` directive).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Audit events use the target `audit`.
pub fn init(level: &str, format: LogFormat) {
    let filter =
        EnvFilter::try_new(filter_directives(level)).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// tokio-postgres logs bound parameters (session tokens, password hashes) at debug level, so it stays
/// at `info` unless the filter names it explicitly.
pub fn filter_directives(level: &str) -> String {
    if level.contains("tokio_postgres") {
        level.to_owned()
    } else {
        format!("{level},tokio_postgres=info")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_stay_out_of_debug_logs_unless_asked_for() {
        assert_eq!(filter_directives("debug"), "debug,tokio_postgres=info");
        assert_eq!(
            filter_directives("tokio_postgres=trace"),
            "tokio_postgres=trace"
        );
    }
}
