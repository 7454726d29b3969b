//! `POST /sign-out` (`better-auth/src/api/routes/sign-out.ts`).

use actix_web::{post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AuthContext;
use super::body::{AnyBody, AuthJson};
use crate::auth::audit::Audit;
use crate::error::{ApiError, ErrorBody};

/// Sign-out response.
#[derive(Serialize, ToSchema)]
pub struct SignOutResponse {
    success: bool,
}

/// Sign out.
///
/// Deletes the current session, if any, and always expires the session cookies.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Signed out", body = SignOutResponse),
        (status = 403, description = "Cookie sent without a trusted Origin", body = ErrorBody),
    ),
    security((), ("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/sign-out")]
pub async fn sign_out(
    ctx: AuthContext,
    _: AuthJson<AnyBody>,
) -> Result<web::Json<SignOutResponse>, ApiError> {
    if let Some(token) = ctx.request.session_token.as_deref() {
        let deleted = ctx.sessions().delete(&mut ctx.conn().await?, token).await?;
        if deleted {
            Audit::event("sign_out").client(&ctx.request.client).log();
        }
    }
    ctx.clear_session();
    Ok(web::Json(SignOutResponse { success: true }))
}
