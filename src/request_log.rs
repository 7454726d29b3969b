//! The request span: like tracing-actix-web's default, but the logged target is the path alone,
//! with tokens carried in paths redacted, so reset, verification and delete tokens never reach a log.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage as _};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Builds each request's root span without query strings or path tokens.
pub struct RedactedRootSpan;

/// Path prefixes whose next segment is a secret token.
const TOKEN_PATHS: [&str; 1] = ["/api/auth/reset-password/"];

/// The path as logged: no query string, token segments replaced by `[redacted]`.
pub fn loggable_target(path: &str) -> String {
    for prefix in TOKEN_PATHS {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}[redacted]");
        }
    }
    path.to_owned()
}

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        let user_agent = request
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = request.match_pattern().unwrap_or_default(),
            http.target = %loggable_target(request.path()),
            http.client_ip = request.connection_info().realip_remote_addr().unwrap_or(""),
            http.user_agent = user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = request_id.map(|id| id.to_string()).unwrap_or_default(),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_tokens_in_paths_are_redacted() {
        assert_eq!(
            loggable_target("/api/auth/reset-password/abcDEF123"),
            "/api/auth/reset-password/[redacted]"
        );
        assert_eq!(
            loggable_target("/api/auth/reset-password"),
            "/api/auth/reset-password"
        );
        assert_eq!(loggable_target("/api/tasks/7"), "/api/tasks/7");
    }
}
