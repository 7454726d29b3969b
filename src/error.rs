//! The one error type of the server: every error code it can send, and the envelope it sends them in.
//!
//! Better Auth's envelope is `{"message": ..., "code": ...}` (`better-call/dist/error.mjs`); a few of its
//! errors carry only `message`. The task API adds `errors` for field-level validation failures.
//!
//! Which error type belongs in which layer:
//! - `db` and the query functions of `auth` and `tasks` return `diesel::QueryResult`: they know
//!   nothing of HTTP, and a missing row is an `Option`, not an error.
//! - Domain services with outcomes of their own return an enum for them (`auth::credentials`'s
//!   `SignInError`, `SignUpError`), with `anyhow::Error` for everything else.
//! - Only `routes` (and the extractors there) decide a status: they map those to [`ApiError`],
//!   which `?` also reaches from `QueryResult`, `anyhow::Error` and the pool's errors. An outage
//!   anywhere in a cause chain answers 503 ([`is_outage`]), never 500.
//! - A few domain checks whose answer *is* Better Auth's error (`auth::password::check_length`,
//!   the origin checks) return [`ApiError`] directly.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($variant:ident = $code:literal => $message:literal,)*) => {
        /// Every error code this server emits, as the `code` member of the error envelope.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum ErrorCode { $(#[serde(rename = $code)] $variant,)* }

        impl ErrorCode {
            /// All codes, for documentation and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire spelling of the code.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The default human-readable message (Better Auth's wording where the code is Better Auth's).
            pub fn message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message,)* }
            }
        }
    };
}

// Better Auth's codes: `@better-auth/core/dist/error/codes.mjs` plus the inline ones of the routes.
error_codes! {
    UserNotFound = "USER_NOT_FOUND" => "User not found",
    FailedToCreateUser = "FAILED_TO_CREATE_USER" => "Failed to create user",
    FailedToCreateSession = "FAILED_TO_CREATE_SESSION" => "Failed to create session",
    FailedToUpdateUser = "FAILED_TO_UPDATE_USER" => "Failed to update user",
    FailedToGetSession = "FAILED_TO_GET_SESSION" => "Failed to get session",
    InvalidPassword = "INVALID_PASSWORD" => "Invalid password",
    InvalidEmail = "INVALID_EMAIL" => "Invalid email",
    InvalidEmailOrPassword = "INVALID_EMAIL_OR_PASSWORD" => "Invalid email or password",
    InvalidUser = "INVALID_USER" => "Invalid user",
    InvalidToken = "INVALID_TOKEN" => "Invalid token",
    TokenExpired = "TOKEN_EXPIRED" => "Token expired",
    FailedToGetUserInfo = "FAILED_TO_GET_USER_INFO" => "Failed to get user info",
    EmailNotVerified = "EMAIL_NOT_VERIFIED" => "Email not verified",
    PasswordTooShort = "PASSWORD_TOO_SHORT" => "Password too short",
    PasswordTooLong = "PASSWORD_TOO_LONG" => "Password too long",
    UserAlreadyExistsUseAnotherEmail = "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" => "User already exists. Use another email.",
    EmailCanNotBeUpdated = "EMAIL_CAN_NOT_BE_UPDATED" => "Email can not be updated",
    ChangeEmailDisabled = "CHANGE_EMAIL_DISABLED" => "Change email is disabled",
    CredentialAccountNotFound = "CREDENTIAL_ACCOUNT_NOT_FOUND" => "Credential account not found",
    SessionExpired = "SESSION_EXPIRED" => "Session expired. Re-authenticate to perform this action.",
    FailedToUnlinkLastAccount = "FAILED_TO_UNLINK_LAST_ACCOUNT" => "You can't unlink your last account",
    AccountNotFound = "ACCOUNT_NOT_FOUND" => "Account not found",
    CrossSiteNavigationLoginBlocked = "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED" => "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
    VerificationEmailNotEnabled = "VERIFICATION_EMAIL_NOT_ENABLED" => "Verification email isn't enabled",
    EmailAlreadyVerified = "EMAIL_ALREADY_VERIFIED" => "Email is already verified",
    EmailMismatch = "EMAIL_MISMATCH" => "Email mismatch",
    SessionNotFresh = "SESSION_NOT_FRESH" => "Session is not fresh",
    InvalidOrigin = "INVALID_ORIGIN" => "Invalid origin",
    InvalidCallbackUrl = "INVALID_CALLBACK_URL" => "Invalid callbackURL",
    InvalidRedirectUrl = "INVALID_REDIRECT_URL" => "Invalid redirectURL",
    InvalidErrorCallbackUrl = "INVALID_ERROR_CALLBACK_URL" => "Invalid errorCallbackURL",
    InvalidNewUserCallbackUrl = "INVALID_NEW_USER_CALLBACK_URL" => "Invalid newUserCallbackURL",
    MissingOrNullOrigin = "MISSING_OR_NULL_ORIGIN" => "Missing or null Origin",
    FieldNotAllowed = "FIELD_NOT_ALLOWED" => "Field not allowed to be set",
    ValidationError = "VALIDATION_ERROR" => "Validation Error",
    MethodNotAllowedDeferSessionRequired = "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED" => "POST method requires deferSessionRefresh to be enabled in session config",
    BodyMustBeAnObject = "BODY_MUST_BE_AN_OBJECT" => "Body must be an object",
    EmailPasswordSignUpDisabled = "EMAIL_PASSWORD_SIGN_UP_DISABLED" => "Email and password sign up is not enabled",
    EmailPasswordDisabled = "EMAIL_PASSWORD_DISABLED" => "Email and password is not enabled",
    ResetPasswordDisabled = "RESET_PASSWORD_DISABLED" => "Reset password isn't enabled",
    Unauthorized = "UNAUTHORIZED" => "Unauthorized",
    InternalServerError = "INTERNAL_SERVER_ERROR" => "Internal Server Error",
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" => "Unsupported media type",
    BadRequest = "BAD_REQUEST" => "Invalid JSON in request body",
    // This server's own codes (task API, transport).
    InvalidJson = "INVALID_JSON" => "Malformed JSON in request body",
    PayloadTooLarge = "PAYLOAD_TOO_LARGE" => "Request body is too large",
    TaskNotFound = "TASK_NOT_FOUND" => "Task not found",
    Forbidden = "FORBIDDEN" => "You may only access your own tasks",
    NotFound = "NOT_FOUND" => "Not Found",
    InvalidQuery = "INVALID_QUERY" => "Invalid query parameter",
    RequestTimeout = "REQUEST_TIMEOUT" => "The request was not received in time",
    ServiceUnavailable = "SERVICE_UNAVAILABLE" => "Service temporarily unavailable; retry shortly",
}

// Written by hand: the derive does not see the macro-generated `#[serde(rename)]`s and would
// document the variant names instead of the wire codes.
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Every error code this server emits, as the `code` member of the error envelope.",
            ))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCode {}

/// One field-level validation failure of the task API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The offending field, e.g. `title`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The error envelope sent with every error status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Human-readable description.
    #[schema(example = "Invalid email or password")]
    pub message: String,
    /// Machine-readable code; absent on Better Auth's message-only errors (for example 429).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// Field-level failures (task API validation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0:?}")]
    BadRequest(ErrorCode),
    /// 400 with a custom message (Better Auth's `FIELD_NOT_ALLOWED` and zod `VALIDATION_ERROR`).
    #[error("bad request: {message}")]
    BadRequestMessage { code: ErrorCode, message: String },
    /// 400 with a message and no code ("No fields to update", "Email is the same").
    #[error("bad request: {0}")]
    BadRequestMessageOnly(&'static str),
    #[error("unauthorized: {0:?}")]
    Unauthorized(ErrorCode),
    /// The task API's 401: `UNAUTHORIZED` plus `WWW-Authenticate: Bearer` (Better Auth's routes never send it).
    #[error("bearer credentials required")]
    BearerRequired,
    #[error("forbidden: {0:?}")]
    Forbidden(ErrorCode),
    #[error("not found: {0:?}")]
    NotFound(ErrorCode),
    /// 404 with a custom message (delete-user/callback's `{"message":"Not found","code":"NOT_FOUND"}`).
    #[error("not found: {message}")]
    NotFoundMessage {
        code: ErrorCode,
        message: &'static str,
    },
    /// Better Auth's bare 404: unknown route, wrong method, disabled endpoint.
    #[error("no such route")]
    NoRoute,
    /// `APIError.fromStatus("NOT_FOUND")`: 404, an empty body, `content-type: application/json`
    /// (a disabled `delete-user`, `api/routes/update-user.ts`).
    #[error("not found")]
    NotFoundEmptyJson,
    #[error("method not allowed: {0:?}")]
    MethodNotAllowed(ErrorCode),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("unprocessable: {0:?}")]
    Unprocessable(ErrorCode),
    /// 422 with field errors (task API).
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// 429, Better Auth's message-only body; the header is `X-Retry-After`.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// 408: the request body did not arrive within `REQUEST_TIMEOUT_SECS`; the connection closes.
    #[error("request body timed out")]
    RequestTimeout,
    /// 503 with `Retry-After`: a backing store (the database) is unreachable or its pool timed out.
    #[error("service unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// 500; the cause goes to the log, never to the client. An outage found in its cause chain
    /// answers 503 instead (see [`is_outage`]).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// Wraps any error as a 500.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    /// The 422 for a single failed task field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    fn body(&self) -> Option<ErrorBody> {
        let coded = |code: ErrorCode| ErrorBody {
            message: code.message().to_string(),
            code: Some(code),
            errors: None,
        };
        Some(match self {
            ApiError::BadRequest(code)
            | ApiError::Unauthorized(code)
            | ApiError::Forbidden(code)
            | ApiError::NotFound(code)
            | ApiError::MethodNotAllowed(code)
            | ApiError::Unprocessable(code) => coded(*code),
            ApiError::BadRequestMessage { code, message } => ErrorBody {
                message: message.clone(),
                code: Some(*code),
                errors: None,
            },
            ApiError::NotFoundMessage { code, message } => ErrorBody {
                message: (*message).to_string(),
                code: Some(*code),
                errors: None,
            },
            ApiError::BadRequestMessageOnly(message) => ErrorBody {
                message: (*message).to_string(),
                code: None,
                errors: None,
            },
            ApiError::BearerRequired => coded(ErrorCode::Unauthorized),
            ApiError::NoRoute | ApiError::NotFoundEmptyJson => return None,
            ApiError::PayloadTooLarge => coded(ErrorCode::PayloadTooLarge),
            ApiError::UnsupportedMediaType(message) => ErrorBody {
                message: message.clone(),
                code: Some(ErrorCode::UnsupportedMediaType),
                errors: None,
            },
            ApiError::Validation(errors) => ErrorBody {
                message: errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                code: Some(ErrorCode::ValidationError),
                errors: Some(errors.clone()),
            },
            ApiError::RateLimited { .. } => ErrorBody {
                message: "Too many requests. Please try again later.".into(),
                code: None,
                errors: None,
            },
            ApiError::RequestTimeout => coded(ErrorCode::RequestTimeout),
            ApiError::Unavailable(_) => coded(ErrorCode::ServiceUnavailable),
            ApiError::Internal(cause) if is_outage(cause) => coded(ErrorCode::ServiceUnavailable),
            ApiError::Internal(_) => coded(ErrorCode::InternalServerError),
        })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_)
            | ApiError::BadRequestMessage { .. }
            | ApiError::BadRequestMessageOnly(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::BearerRequired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_)
            | ApiError::NotFoundMessage { .. }
            | ApiError::NoRoute
            | ApiError::NotFoundEmptyJson => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) | ApiError::Validation(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(cause) if is_outage(cause) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            // Outages are logged once per state change by `db::Health`, not once per request.
            ApiError::Internal(cause) | ApiError::Unavailable(cause)
                if status == StatusCode::SERVICE_UNAVAILABLE =>
            {
                tracing::debug!(error = format!("{cause:#}"), "request failed: outage");
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
            }
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((actix_web::http::header::RETRY_AFTER, RETRY_AFTER_SECS));
        }
        if let ApiError::RequestTimeout = self {
            response.force_close();
        }
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.insert_header(("X-Retry-After", retry_after_secs.to_string()));
        }
        if let ApiError::BearerRequired = self {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::NotFoundEmptyJson = self {
            response.content_type("application/json");
        }
        match self.body() {
            Some(body) => response.json(body),
            None => response.finish(),
        }
    }
}

/// The `Retry-After` of a 503, in seconds.
const RETRY_AFTER_SECS: &str = "2";

/// Whether a cause chain holds a lost or unreachable database (a pool error: timeout or a failed
/// connect; a closed connection; the server shutting down or starting up, SQLSTATE 57P01, 57P03,
/// which diesel reports as `Unknown` with the server's message), or a full password-hash queue.
pub fn is_outage(cause: &anyhow::Error) -> bool {
    cause.chain().any(|e| {
        if let Some(crate::auth::password::HashPoolError::QueueFull) = e.downcast_ref() {
            return true;
        }
        if e.is::<diesel_async::pooled_connection::deadpool::PoolError>()
            || e.is::<crate::secondary_storage::KvError>()
            || e.is::<diesel::ConnectionError>()
            || e.is::<std::io::Error>()
        {
            return true;
        }
        e.downcast_ref().is_some_and(database_gone)
    })
}

/// A closed connection, or the server going away or not accepting queries yet.
fn database_gone(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            OUTAGE_MESSAGES.iter().any(|m| info.message().contains(m))
        }
        _ => false,
    }
}

/// PostgreSQL's messages for a server going away or not yet accepting queries, and SQLite's for a
/// write lock still held by another process when `busy_timeout` ran out.
const OUTAGE_MESSAGES: [&str; 7] = [
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "connection closed",
    "database is locked",
    "database table is locked",
];

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<crate::secondary_storage::KvError> for ApiError {
    fn from(e: crate::secondary_storage::KvError) -> Self {
        ApiError::Unavailable(anyhow::Error::new(e).context("secondary storage"))
    }
}

impl From<crate::auth::session_store::StoreError> for ApiError {
    fn from(e: crate::auth::session_store::StoreError) -> Self {
        use crate::auth::session_store::StoreError;
        match e {
            StoreError::Db(e) => e.into(),
            StoreError::Kv(e) => e.into(),
            StoreError::Pool(e) => e.into(),
            // An outage in its cause chain answers 503 (`is_outage`).
            shared @ StoreError::Shared(_) => ApiError::Internal(shared.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        ApiError::Unavailable(anyhow::Error::new(e).context("database pool"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_better_auth_spells_them() {
        assert_eq!(
            ErrorCode::InvalidCallbackUrl.as_str(),
            "INVALID_CALLBACK_URL"
        );
        assert_eq!(
            ErrorCode::UserAlreadyExistsUseAnotherEmail.as_str(),
            "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
        );
        assert_eq!(
            serde_json::to_string(&ErrorCode::InvalidEmailOrPassword).unwrap(),
            "\"INVALID_EMAIL_OR_PASSWORD\""
        );
    }

    #[test]
    fn outages_and_overload_are_503_with_retry_after_and_other_failures_500() {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        let closed = DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("connection closed".to_string()),
        );
        let queue_full = anyhow::Error::new(crate::auth::password::HashPoolError::QueueFull)
            .context("signing in");
        // A session-store failure that reached an `anyhow` chain (the jwt key cache's read).
        let store_closed = anyhow::Error::new(crate::auth::session_store::StoreError::Db(
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new("connection closed".to_string()),
            ),
        ));
        for error in [
            ApiError::from(closed),
            ApiError::Internal(queue_full),
            ApiError::Internal(store_closed),
        ] {
            assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
            let response = error.error_response();
            assert_eq!(response.headers().get("retry-after").unwrap(), "2");
        }
        let bug = ApiError::internal(anyhow::anyhow!("a bug"));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(bug.error_response().headers().get("retry-after").is_none());
    }

    #[test]
    fn the_envelope_puts_message_before_code() {
        let body = ApiError::Unauthorized(ErrorCode::InvalidEmailOrPassword)
            .body()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}"#
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use utoipa::PartialSchema as _;

    #[test]
    fn the_documented_codes_are_the_wire_codes() {
        let schema = serde_json::to_value(ErrorCode::schema()).unwrap();
        let codes = schema["enum"].as_array().unwrap();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        assert!(codes.contains(&serde_json::json!("TASK_NOT_FOUND")));
        assert!(!codes.contains(&serde_json::json!("TaskNotFound")));
    }
}
