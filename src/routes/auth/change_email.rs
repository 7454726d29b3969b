//! `POST /change-email` (`better-auth/src/api/routes/update-user.ts` `changeEmail`).

use actix_web::{HttpResponse, post, web};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::body::{Kind, RawBody, opt, req, str_field, validate};
use super::guard::{Authed, Reply, issue_session, require_sensitive_session, respond};
use super::mail::{send_verification, sign_token};
use super::sessions::StatusResponse;
use super::{AuthRequest, origin_check};
use crate::auth::email::{Template, verify_email_link};
use crate::auth::email_token::{CHANGE_EMAIL_CONFIRMATION, CHANGE_EMAIL_VERIFICATION, EmailToken};
use crate::auth::users::{self, lowercase_email};
use crate::db::models::{User, UserChanges};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const FIELDS: &[super::body::Field] = &[
    req("newEmail", Kind::Email),
    opt("callbackURL", Kind::String),
];

/// `POST /change-email` body.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the body is validated field by field"
)]
pub struct ChangeEmailRequest {
    #[schema(rename = "newEmail")]
    #[schema(format = Email, max_length = 254)]
    new_email: String,
    /// Where the e-mailed link finally redirects.
    #[schema(rename = "callbackURL")]
    #[schema(nullable = false)]
    callback_url: Option<String>,
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
    state: web::Data<AppState>,
    ctx: AuthRequest,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body = raw.parse(false)?;
    origin_check(&ctx, &state, body.as_ref())?;
    let obj = validate(body.as_ref(), FIELDS, false)?;
    // `sensitiveSessionMiddleware` (`api/routes/update-user.ts`): never the cookie cache.
    let mut authed = require_sensitive_session(&state, &ctx).await?;
    let result = start_change(&state, &mut authed, &ctx, obj).await;
    respond(authed.headers, result)
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

async fn start_change(
    state: &AppState,
    authed: &mut Authed,
    ctx: &AuthRequest,
    obj: &Map<String, Value>,
) -> Result<Reply, ApiError> {
    if !state.config.flows.change_email_enabled {
        return Err(ApiError::BadRequest(ErrorCode::ChangeEmailDisabled));
    }
    let change = Change {
        new_email: lowercase_email(str_field(obj, "newEmail").unwrap_or_default()),
        callback: str_field(obj, "callbackURL"),
    };
    let user = &authed.user;
    if change.new_email == user.email {
        return Err(ApiError::BadRequestMessageOnly("Email is the same"));
    }
    let flow = pick_flow(state, user.email_verified)?;
    if users::find_by_email(&mut *state.conn().await?, &change.new_email)
        .await?
        .is_some()
    {
        // Same work as the real path: mint a token, then say nothing.
        sign_token(
            state,
            token_for(&user.email, &change.new_email, None, &user.id),
        )?;
        tracing::info!(target: "audit", event = "change_email", outcome = "address_taken", user_id = %user.id);
        return Ok(Reply::Json(json!({"status": true})));
    }
    if flow == Flow::Immediately {
        return update_now(state, authed, ctx, &change).await;
    }
    mail_link(state, &authed.user, &change, flow == Flow::ConfirmFirst)?;
    Ok(Reply::Json(json!({"status": true})))
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
    tracing::info!(target: "audit", event = "change_email", outcome = "link_sent", user_id = %user.id);
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
    state: &AppState,
    authed: &mut Authed,
    ctx: &AuthRequest,
    change: &Change<'_>,
) -> Result<Reply, ApiError> {
    let changes = UserChanges {
        email: Some(&change.new_email),
        ..UserChanges::default()
    };
    users::update(&mut *state.conn().await?, &authed.user.id, changes).await?;
    let token = authed.session.token.clone();
    let cached = authed.from_cache.then(|| authed.session.clone());
    issue_session(
        state,
        ctx,
        &mut authed.headers,
        &token,
        cached.as_ref(),
        false,
    )
    .await?;
    if state.mailer.enabled() {
        send_verification(state, &authed.user.id, &change.new_email, change.callback)?;
    }
    tracing::info!(target: "audit", event = "change_email", outcome = "updated", user_id = %authed.user.id);
    Ok(Reply::Json(json!({"status": true})))
}
