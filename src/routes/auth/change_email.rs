//! `POST /change-email` (`better-auth/src/api/routes/update-user.ts` `changeEmail`).

use actix_web::{post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AuthContext;
use super::StatusResponse;
use super::body::{AuthBody, AuthJson, Shape};
use super::mail::{send_verification, sign_token};
use super::session_guard::{Caller, Sensitive, issue_session};
use super::zod::{Kind, opt, req};
use crate::auth::audit::Audit;
use crate::auth::email::{Template, verify_email_link};
use crate::auth::email_token::{CHANGE_EMAIL_CONFIRMATION, CHANGE_EMAIL_VERIFICATION, EmailToken};
use crate::auth::users::{self, lowercase_email};
use crate::db::DbConn;
use crate::db::models::{User, UserChanges};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// `POST /change-email` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequest {
    #[schema(format = Email, max_length = 254)]
    new_email: String,
    /// Where the e-mailed link finally redirects.
    #[serde(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
}

impl AuthBody for ChangeEmailRequest {
    const SHAPE: Shape = Shape::Object(&[
        req("newEmail", Kind::Email),
        opt("callbackURL", Kind::String),
    ]);
}

/// What the change needs once the request is validated.
struct Change<'a> {
    new_email: String,
    callback: Option<&'a str>,
}

/// Start changing the caller's e-mail address.
///
/// Mails a link to the new address (or, with `CHANGE_EMAIL_SEND_CONFIRMATION` and a verified
/// address, first to the current one); following it changes the address. An address that is
/// already taken gets the same `{"status":true}` and no mail, so the answer reveals nothing.
#[utoipa::path(
    tag = "auth",
    request_body(content = ChangeEmailRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Link sent (or nothing to do)", body = StatusResponse),
        (status = 400, description = "Disabled, same address, e-mail off, or validation", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "Untrusted callbackURL", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[post("/change-email")]
pub async fn change_email(
    ctx: AuthContext,
    // `sensitiveSessionMiddleware` (`api/routes/update-user.ts`): never the cookie cache.
    AuthJson { body, session, .. }: AuthJson<ChangeEmailRequest, Sensitive>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    if !ctx.config.flows.change_email_enabled {
        return Err(ApiError::BadRequest(ErrorCode::ChangeEmailDisabled));
    }
    let change = Change {
        new_email: lowercase_email(&body.new_email),
        callback: body.callback_url.as_deref(),
    };
    let user = &session.user;
    if change.new_email == user.email {
        return Err(ApiError::BadRequestMessageOnly("Email is the same"));
    }
    let flow = pick_flow(&ctx, user.email_verified)?;
    let mut conn = ctx.conn().await?;
    if users::find_by_email(&mut conn, &change.new_email)
        .await?
        .is_some()
    {
        return address_taken(&ctx, user, &change);
    }
    match flow {
        Flow::Immediately => update_now(&ctx, &mut conn, &session, &change).await?,
        _ => mail_link(&ctx, user, &change, flow == Flow::ConfirmFirst)?,
    }
    Ok(web::Json(StatusResponse::OK))
}

/// A taken new address: the same work as the real path (a token is minted), then the same
/// answer, and no mail.
fn address_taken(
    state: &AppState,
    user: &User,
    change: &Change<'_>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    sign_token(
        state,
        token_for(&user.email, &change.new_email, None, &user.id),
    )?;
    Audit::success("change_email", &user.id)
        .outcome("address_taken")
        .log();
    Ok(web::Json(StatusResponse::OK))
}

/// Which of Better Auth's change-email flows applies to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// `updateEmailWithoutVerification` for an unverified address.
    Immediately,
    /// `sendChangeEmailConfirmation`: the current address approves first.
    ConfirmFirst,
    /// The default: a link to the new address.
    VerifyNew,
}

/// Picks the flow, or refuses when none is available. Checked before the existence lookup, so a
/// taken address cannot be told apart by a 400.
fn pick_flow(state: &AppState, verified: bool) -> Result<Flow, ApiError> {
    let flows = &state.config.flows;
    let can_send = state.mailer.enabled();
    if !verified && flows.change_email_update_without_verification {
        Ok(Flow::Immediately)
    } else if can_send && verified && flows.change_email_send_confirmation {
        Ok(Flow::ConfirmFirst)
    } else if can_send {
        Ok(Flow::VerifyNew)
    } else {
        Err(ApiError::BadRequestMessageOnly(
            "Verification email isn't enabled",
        ))
    }
}

/// Mails the change link: to the current address for approval, or to the new one.
fn mail_link(
    state: &AppState,
    user: &User,
    change: &Change<'_>,
    confirm_first: bool,
) -> Result<(), ApiError> {
    let request_type = if confirm_first {
        CHANGE_EMAIL_CONFIRMATION
    } else {
        CHANGE_EMAIL_VERIFICATION
    };
    let token = sign_token(
        state,
        token_for(&user.email, &change.new_email, Some(request_type), &user.id),
    )?;
    let url = verify_email_link(&state.config.auth_base(), &token, change.callback);
    let new_email = change.new_email.clone();
    if confirm_first {
        state.mailer.send(
            &user.email,
            Template::ChangeEmailConfirmation { url, new_email },
        );
    } else {
        state
            .mailer
            .send(&change.new_email, Template::ChangeEmail { url, new_email });
    }
    Audit::success("change_email", &user.id)
        .outcome("link_sent")
        .log();
    Ok(())
}

fn token_for<'a>(
    email: &'a str,
    update_to: &'a str,
    request_type: Option<&'a str>,
    user_id: &'a str,
) -> EmailToken<'a> {
    EmailToken {
        email,
        update_to: Some(update_to),
        request_type,
        user_id: Some(user_id),
    }
}

/// `updateEmailWithoutVerification` for an unverified address: change it at once, re-set the
/// cookie, and mail a plain verification link to the new address.
async fn update_now(
    ctx: &AuthContext,
    conn: &mut DbConn,
    caller: &Caller,
    change: &Change<'_>,
) -> Result<(), ApiError> {
    let changes = UserChanges {
        email: Some(&change.new_email),
        ..UserChanges::default()
    };
    if let Some(updated) = users::update(conn, &caller.user.id, changes).await? {
        ctx.sessions().refresh_user(&updated).await?;
    }
    let cached = caller.from_cache.then_some(&caller.session);
    let token = &caller.session.token;
    issue_session(ctx, conn, token, cached, false).await?;
    if ctx.mailer.enabled() {
        send_verification(ctx, &caller.user.id, &change.new_email, change.callback)?;
    }
    Audit::success("change_email", &caller.user.id)
        .outcome("updated")
        .log();
    Ok(())
}
