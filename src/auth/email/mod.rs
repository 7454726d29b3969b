//! E-mail delivery: SMTP through `lettre`, or (the development default) the log plus `.eml` files
//! in an outbox folder. Sending happens in a spawned task once the response is decided, so a slow
//! or failing mail server never delays or changes a response; failures are logged.

mod templates;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::ExposeSecret as _;

pub use templates::{Rendered, Template};

use crate::auth::cookies::encode_uri_component;
use crate::config::EmailConfig;

/// `${baseURL}/verify-email?token=..&callbackURL=..`; the callback defaults to `/`
/// (`better-auth/src/api/routes/email-verification.ts`).
pub fn verify_email_link(auth_base: &str, token: &str, callback_url: Option<&str>) -> String {
    let callback = callback_url.filter(|c| !c.is_empty()).unwrap_or("/");
    format!(
        "{auth_base}/verify-email?token={token}&callbackURL={}",
        encode_uri_component(callback)
    )
}

/// `${baseURL}/reset-password/<token>?callbackURL=..`; no `redirectTo` leaves the value empty
/// (`better-auth/src/api/routes/password.ts`).
pub fn reset_password_link(auth_base: &str, token: &str, redirect_to: Option<&str>) -> String {
    let callback = redirect_to
        .filter(|c| !c.is_empty())
        .map(encode_uri_component)
        .unwrap_or_default();
    format!("{auth_base}/reset-password/{token}?callbackURL={callback}")
}

/// `${baseURL}/delete-user/callback?token=..&callbackURL=..`; the callback defaults to `/`
/// (`better-auth/src/api/routes/update-user.ts`).
pub fn delete_account_link(auth_base: &str, token: &str, callback_url: Option<&str>) -> String {
    let callback = callback_url.filter(|c| !c.is_empty()).unwrap_or("/");
    format!(
        "{auth_base}/delete-user/callback?token={token}&callbackURL={}",
        encode_uri_component(callback)
    )
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Sends the server's e-mail.
#[derive(Clone)]
pub struct Mailer {
    enabled: bool,
    from: Mailbox,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match self.transport.as_ref() {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("enabled", &self.enabled)
            .field("transport", &transport)
            .finish()
    }
}

impl Mailer {
    /// Builds the mailer; connections are opened per message.
    pub fn new(config: &EmailConfig) -> anyhow::Result<Self> {
        let from = config.from.parse().context("EMAIL_FROM")?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("SMTP_URL")?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build(),
            ),
            None => Transport::Outbox(config.outbox_dir.clone()),
        };
        Ok(Self {
            enabled: config.enabled,
            from,
            transport: Arc::new(transport),
        })
    }

    /// Whether e-mail flows are on (Better Auth: `sendVerificationEmail` / `sendResetPassword` configured).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Queues a message to `to`; returns at once. Delivery errors are logged, never returned.
    pub fn send(&self, to: &str, template: Template) {
        if !self.enabled {
            return;
        }
        let message = match self.build(to, &template) {
            Ok(message) => message,
            Err(e) => {
                tracing::error!(
                    kind = template.kind(),
                    error = format!("{e:#}"),
                    "cannot build email"
                );
                return;
            }
        };
        let transport = Arc::clone(&self.transport);
        let to = to.to_owned();
        tokio::spawn(async move {
            let kind = template.kind();
            match deliver(&transport, message, &template).await {
                Ok(()) => tracing::info!(kind, to = %to, "email sent"),
                Err(e) => {
                    tracing::error!(kind, to = %to, error = format!("{e:#}"), "email delivery failed")
                }
            }
        });
    }

    fn build(&self, to: &str, template: &Template) -> anyhow::Result<Message> {
        let rendered = template.render();
        Message::builder()
            .from(self.from.clone())
            .to(to.parse().context("recipient address")?)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .context("building the message")
    }
}

async fn deliver(
    transport: &Transport,
    message: Message,
    template: &Template,
) -> anyhow::Result<()> {
    match transport {
        Transport::Smtp(smtp) => {
            smtp.send(message).await.context("SMTP")?;
        }
        Transport::Outbox(dir) => {
            // Development default: no mail server, so show the link and keep the message.
            tracing::info!(
                kind = template.kind(),
                link = template.url(),
                "email link (outbox mode)"
            );
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating {}", dir.display()))?;
            let name = format!(
                "{}-{}-{}.eml",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
                template.kind(),
                crate::auth::crypto::random_string(6, b"abcdefghijklmnopqrstuvwxyz0123456789"),
            );
            tokio::fs::write(dir.join(&name), message.formatted())
                .await
                .with_context(|| format!("writing {name}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost:3000/api/auth";

    #[test]
    fn links_are_built_as_better_auth_builds_them() {
        assert_eq!(
            verify_email_link(BASE, "a.b.c", None),
            "http://localhost:3000/api/auth/verify-email?token=a.b.c&callbackURL=%2F"
        );
        assert_eq!(
            verify_email_link(BASE, "t", Some("http://localhost:3001/done?x=1")),
            "http://localhost:3000/api/auth/verify-email?token=t&callbackURL=http%3A%2F%2Flocalhost%3A3001%2Fdone%3Fx%3D1"
        );
        assert_eq!(
            reset_password_link(BASE, "tok", None),
            "http://localhost:3000/api/auth/reset-password/tok?callbackURL="
        );
        assert_eq!(
            reset_password_link(BASE, "tok", Some("/reset")),
            "http://localhost:3000/api/auth/reset-password/tok?callbackURL=%2Freset"
        );
        assert_eq!(
            delete_account_link(BASE, "tok", Some("")),
            "http://localhost:3000/api/auth/delete-user/callback?token=tok&callbackURL=%2F"
        );
    }
}
