//! Better Auth's options for the e-mail and account flows, and where e-mail goes.
//! Defaults are Better Auth's (`emailAndPassword`, `emailVerification`, `user.deleteUser`,
//! `user.changeEmail` in `@better-auth/core/src/types/init-options.ts`).

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use super::{ConfigError, err, secs};

/// Better Auth's flow options.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// `emailAndPassword.requireEmailVerification`: unverified users cannot sign in.
    pub require_email_verification: bool,
    /// `emailVerification.sendOnSignUp`; unset follows `require_email_verification`.
    pub send_verification_on_sign_up: Option<bool>,
    /// `emailVerification.sendOnSignIn`: re-send on a blocked unverified sign-in.
    pub send_verification_on_sign_in: bool,
    /// `emailVerification.autoSignInAfterVerification`.
    pub auto_sign_in_after_verification: bool,
    /// `emailVerification.expiresIn` (the verification JWT's lifetime).
    pub verification_token_expires_in: Duration,
    /// `emailAndPassword.resetPasswordTokenExpiresIn`.
    pub reset_password_token_expires_in: Duration,
    /// `emailAndPassword.revokeSessionsOnPasswordReset`.
    pub revoke_sessions_on_password_reset: bool,
    /// `user.deleteUser.enabled`.
    pub delete_user_enabled: bool,
    /// `user.deleteUser.sendDeleteAccountVerification` is configured: deletion waits for an e-mailed link.
    pub delete_user_send_verification: bool,
    /// `user.deleteUser.deleteTokenExpiresIn`.
    pub delete_token_expires_in: Duration,
    /// `user.changeEmail.enabled`.
    pub change_email_enabled: bool,
    /// `user.changeEmail.sendChangeEmailConfirmation` is configured: a verified user's old address confirms first.
    pub change_email_send_confirmation: bool,
    /// `user.changeEmail.updateEmailWithoutVerification`.
    pub change_email_update_without_verification: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            require_email_verification: false,
            send_verification_on_sign_up: None,
            send_verification_on_sign_in: false,
            auto_sign_in_after_verification: false,
            verification_token_expires_in: Duration::from_secs(3600),
            reset_password_token_expires_in: Duration::from_secs(3600),
            revoke_sessions_on_password_reset: false,
            delete_user_enabled: false,
            delete_user_send_verification: false,
            delete_token_expires_in: Duration::from_secs(86_400),
            change_email_enabled: false,
            change_email_send_confirmation: false,
            change_email_update_without_verification: false,
        }
    }
}

impl FlowConfig {
    /// Whether sign-up sends the verification e-mail (Better Auth: `sendOnSignUp ?? requireEmailVerification`).
    pub fn sends_on_sign_up(&self) -> bool {
        self.send_verification_on_sign_up
            .unwrap_or(self.require_email_verification)
    }

    pub(super) fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            require_email_verification: flag(var, "REQUIRE_EMAIL_VERIFICATION", false)?,
            send_verification_on_sign_up: optional_flag(var, "SEND_VERIFICATION_ON_SIGN_UP")?,
            send_verification_on_sign_in: flag(var, "SEND_VERIFICATION_ON_SIGN_IN", false)?,
            auto_sign_in_after_verification: flag(var, "AUTO_SIGN_IN_AFTER_VERIFICATION", false)?,
            verification_token_expires_in: positive_secs(
                var,
                "VERIFICATION_TOKEN_EXPIRES_IN",
                3600,
            )?,
            reset_password_token_expires_in: positive_secs(
                var,
                "RESET_PASSWORD_TOKEN_EXPIRES_IN",
                3600,
            )?,
            revoke_sessions_on_password_reset: flag(
                var,
                "REVOKE_SESSIONS_ON_PASSWORD_RESET",
                false,
            )?,
            delete_user_enabled: flag(var, "DELETE_USER_ENABLED", d.delete_user_enabled)?,
            delete_user_send_verification: flag(var, "DELETE_USER_SEND_VERIFICATION", false)?,
            delete_token_expires_in: positive_secs(var, "DELETE_USER_TOKEN_EXPIRES_IN", 86_400)?,
            change_email_enabled: flag(var, "CHANGE_EMAIL_ENABLED", d.change_email_enabled)?,
            change_email_send_confirmation: flag(var, "CHANGE_EMAIL_SEND_CONFIRMATION", false)?,
            change_email_update_without_verification: flag(
                var,
                "CHANGE_EMAIL_UPDATE_WITHOUT_VERIFICATION",
                false,
            )?,
        })
    }
}

/// Where e-mail goes: an SMTP server, or (development default) the log plus an outbox folder.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `false` behaves as if Better Auth had no `sendVerificationEmail` / `sendResetPassword`.
    pub enabled: bool,
    /// `smtp://`, `smtps://` or `smtp://...?tls=required`; `None` writes to `outbox_dir`.
    pub smtp_url: Option<SecretString>,
    /// The `From` mailbox, e.g. `Example <no-reply@example.com>`.
    pub from: String,
    /// Where `.eml` files go when no SMTP server is configured.
    pub outbox_dir: PathBuf,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            smtp_url: None,
            from: "Better Auth <no-reply@localhost>".into(),
            outbox_dir: PathBuf::from("./outbox"),
        }
    }
}

impl EmailConfig {
    pub(super) fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let smtp_url = var("SMTP_URL").map(SecretString::from);
        if let Some(url) = &smtp_url {
            use lettre::{AsyncSmtpTransport, Tokio1Executor};
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret()).map_err(|e| {
                err(
                    "SMTP_URL",
                    format!("must be smtp://host:port, smtps://host:port or smtp://host:port?tls=required ({e})"),
                )
            })?;
        }
        let from = var("EMAIL_FROM").unwrap_or(d.from);
        from.parse::<lettre::message::Mailbox>().map_err(|e| {
            err(
                "EMAIL_FROM",
                format!("must be a mailbox like `Name <a@b.c>` ({e})"),
            )
        })?;
        Ok(Self {
            enabled: flag(var, "EMAIL_ENABLED", true)?,
            smtp_url,
            from,
            outbox_dir: var("EMAIL_OUTBOX_DIR").map_or(d.outbox_dir, PathBuf::from),
        })
    }
}

fn optional_flag(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(None);
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(Some(true)),
        "false" | "0" | "no" | "off" => Ok(Some(false)),
        _ => Err(err(name, format!("must be `true` or `false`, got `{raw}`"))),
    }
}

fn flag(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    Ok(optional_flag(var, name)?.unwrap_or(default))
}

fn positive_secs(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    let d = secs(var, name, default)?;
    if d.is_zero() {
        return Err(err(name, "must be at least 1 second"));
    }
    Ok(d)
}
