//! The Better Auth routes under `/api/auth`, byte-compatible with better-auth 1.7.
//!
//! A handler reads its body with [`body::AuthJson`] (parse, origin check, zod schema, CSRF, then
//! the session its [`session_guard::SessionPolicy`] asks for), or its session alone with
//! [`session_guard::Session`]. Cookies and the bearer and jwt headers are parked in
//! [`ResponseHeaders`] and added to the response by [`headers::attach`], errors included.
//! `ARCHITECTURE.md` at the repository root walks through a request.

mod account;
mod auth_request;
pub mod body;
mod change_email;
mod change_password;
mod context;
mod delete_user;
mod error_page;
mod get_session;
mod headers;
mod jwt;
mod mail;
mod ok;
mod password_reset;
mod rate_limit;
mod response;
mod send_verification_email;
mod session_guard;
mod session_management;
mod sign_in;
mod sign_out;
mod sign_up;
mod update_user;
mod verify_email;
mod verify_password;
pub mod zod;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope::Scope;

pub use auth_request::{AuthRequest, bearer_credential, bearer_token, cookie_header};
pub use context::AuthContext;
pub use headers::ResponseHeaders;
pub use rate_limit::rate_limit;
pub use response::{SessionResponse, SessionWithUser, StatusResponse, UserResponse};

use crate::error::ApiError;

/// The `/api/auth` scope. Unknown paths and methods get Better Auth's empty 404.
pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/auth")
        .wrap(from_fn(headers::attach))
        .service(sign_up::sign_up_email)
        .service(sign_in::sign_in_email)
        .service(get_session::get_session)
        .service(get_session::post_get_session)
        .service(sign_out::sign_out)
        .service(session_management::list_sessions)
        .service(session_management::revoke_session)
        .service(session_management::revoke_sessions)
        .service(session_management::revoke_other_sessions)
        .service(session_management::update_session)
        .service(update_user::update_user)
        .service(change_password::change_password)
        .service(change_email::change_email)
        .service(delete_user::delete_user)
        .service(delete_user::delete_user_callback)
        .service(password_reset::request_password_reset)
        .service(password_reset::reset_password_callback)
        .service(password_reset::reset_password)
        .service(send_verification_email::send_verification_email)
        .service(verify_email::verify_email)
        .service(account::list_accounts)
        .service(account::unlink_account)
        // Better Auth marks verify-password server-only: routable, but not in the OpenAPI document.
        .map(|scope| scope.service(verify_password::verify_password))
        .service(jwt::get_token)
        .service(jwt::get_jwks)
        .service(ok::ok)
        .service(error_page::error_page)
        .default_service(actix_web::web::to(no_route))
}

async fn no_route() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}

#[cfg(test)]
mod tests {
    use utoipa::ToSchema;
    use utoipa::openapi::{RefOr, Schema};

    use super::body::{AuthBody, Shape};

    /// The fields zod checks are exactly the documented properties, required alike.
    fn assert_schema_matches<T: AuthBody + ToSchema>() {
        let name = T::name();
        let RefOr::T(Schema::Object(object)) = T::schema() else {
            panic!("{name} is not documented as an object");
        };
        let fields = T::SHAPE.fields();
        let mut documented: Vec<&str> = object.properties.keys().map(String::as_str).collect();
        let mut checked: Vec<&str> = fields.iter().map(|f| f.name).collect();
        documented.sort_unstable();
        checked.sort_unstable();
        assert_eq!(
            checked, documented,
            "{name}: checked fields vs documented properties"
        );
        let mut required: Vec<&str> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        let mut documented_required: Vec<&str> =
            object.required.iter().map(String::as_str).collect();
        required.sort_unstable();
        documented_required.sort_unstable();
        assert_eq!(required, documented_required, "{name}: required fields");
    }

    #[test]
    fn every_checked_body_is_exactly_its_documented_schema() {
        assert_schema_matches::<super::sign_up::SignUpRequest>();
        assert_schema_matches::<super::sign_in::SignInRequest>();
        assert_schema_matches::<super::session_management::RevokeSessionRequest>();
        assert_schema_matches::<super::change_email::ChangeEmailRequest>();
        assert_schema_matches::<super::change_password::ChangePasswordRequest>();
        assert_schema_matches::<super::delete_user::DeleteUserRequest>();
        assert_schema_matches::<super::password_reset::RequestPasswordResetRequest>();
        assert_schema_matches::<super::password_reset::ResetPasswordRequest>();
        assert_schema_matches::<super::send_verification_email::SendVerificationEmailRequest>();
        assert_schema_matches::<super::account::UnlinkAccountRequest>();
    }

    #[test]
    fn record_bodies_declare_no_field_list() {
        assert!(matches!(
            super::update_user::UpdateUserRequest::SHAPE,
            Shape::Record
        ));
        assert!(matches!(
            super::session_management::UpdateSessionRequest::SHAPE,
            Shape::Record
        ));
    }
}
