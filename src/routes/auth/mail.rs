//! Sending the auth e-mails from handlers: mint the token, build the link exactly as Better Auth
//! does (contract §11), queue the message. Queuing never fails a request.

use crate::auth::email::{Template, verify_email_link};
use crate::auth::email_token::{self, EmailToken};
use crate::error::ApiError;
use crate::state::AppState;

/// Signs an e-mail verification token with the current secret.
pub fn sign_token(state: &AppState, token: EmailToken<'_>) -> Result<String, ApiError> {
    email_token::sign(
        state.config.current_secret(),
        token,
        state.config.flows.verification_token_expires_in,
    )
    .map_err(ApiError::internal)
}

/// `sendVerificationEmailFn`: a verification link for `email`, bound to `user_id`.
pub fn send_verification(
    state: &AppState,
    user_id: &str,
    email: &str,
    callback_url: Option<&str>,
) -> Result<(), ApiError> {
    let token = sign_token(
        state,
        EmailToken {
            email,
            user_id: Some(user_id),
            ..EmailToken::default()
        },
    )?;
    let url = verify_email_link(&state.config.auth_base(), &token, callback_url);
    state.mailer.send(email, Template::Verification { url });
    Ok(())
}
