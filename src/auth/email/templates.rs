//! The messages this server sends, each as plain text and HTML.

/// One kind of message and what it needs.
#[derive(Debug, Clone)]
pub enum Template {
    /// Confirms an address (sign-up, resend, sign-in of an unverified user).
    Verification { url: String },
    /// A password-reset link.
    ResetPassword { url: String },
    /// Confirms deleting the account.
    DeleteAccount { url: String },
    /// Sent to the new address; following it changes the account's e-mail.
    ChangeEmail { url: String, new_email: String },
    /// Sent to the current address first, when changes must be approved from it.
    ChangeEmailConfirmation { url: String, new_email: String },
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Template {
    /// A short name for logs and outbox file names.
    pub fn kind(&self) -> &'static str {
        match self {
            Template::Verification { .. } => "verification",
            Template::ResetPassword { .. } => "reset-password",
            Template::DeleteAccount { .. } => "delete-account",
            Template::ChangeEmail { .. } => "change-email",
            Template::ChangeEmailConfirmation { .. } => "change-email-confirmation",
        }
    }

    /// The link the message carries.
    pub fn url(&self) -> &str {
        match self {
            Template::Verification { url }
            | Template::ResetPassword { url }
            | Template::DeleteAccount { url }
            | Template::ChangeEmail { url, .. }
            | Template::ChangeEmailConfirmation { url, .. } => url,
        }
    }

    /// Subject, intro line, button label and closing note.
    fn wording(&self) -> (&'static str, String, &'static str, &'static str) {
        let ignore = "If you did not ask for this, you can ignore this message.";
        match self {
            Template::Verification { .. } => (
                "Verify your email address",
                "Please confirm your email address by opening this link:".into(),
                "Verify email",
                ignore,
            ),
            Template::ResetPassword { .. } => (
                "Reset your password",
                "Someone asked to reset the password of your account. To choose a new password, open this link:".into(),
                "Reset password",
                "If you did not ask for this, your password stays unchanged.",
            ),
            Template::DeleteAccount { .. } => (
                "Confirm deleting your account",
                "To delete your account and all of its data for good, open this link:".into(),
                "Delete my account",
                "If you did not ask for this, your account stays as it is.",
            ),
            Template::ChangeEmail { new_email, .. } => (
                "Confirm your new email address",
                format!("To make {new_email} the email address of your account, open this link:"),
                "Confirm new email",
                ignore,
            ),
            Template::ChangeEmailConfirmation { new_email, .. } => (
                "Approve changing your email address",
                format!("Someone asked to change your account's email address to {new_email}. To approve, open this link:"),
                "Approve change",
                "If you did not ask for this, your email address stays unchanged.",
            ),
        }
    }

    /// Renders the subject, the plain-text body and the HTML body.
    pub fn render(&self) -> Rendered {
        let (subject, intro, button, note) = self.wording();
        let url = self.url();
        let text = format!("{intro}\n\n{url}\n\n{note}\n");
        let (intro_h, url_h, note_h) = (escape(&intro), escape(url), escape(note));
        let html = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{subject}</title></head>\n<body style=\"font-family:sans-serif\">\n<p>{intro_h}</p>\n<p><a href=\"{url_h}\">{button}</a></p>\n<p>Or copy this link into your browser:<br>\n{url_h}</p>\n<p>{note_h}</p>\n</body></html>\n"
        );
        Rendered {
            subject: subject.to_owned(),
            text,
            html,
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_carry_the_link_and_html_is_escaped() {
        let t = Template::ChangeEmail {
            url: "http://localhost:3000/api/auth/verify-email?token=a.b.c&callbackURL=%2F".into(),
            new_email: "<new>@example.com".into(),
        };
        let r = t.render();
        assert_eq!(r.subject, "Confirm your new email address");
        assert!(r.text.contains("verify-email?token=a.b.c&callbackURL=%2F"));
        assert!(
            r.html
                .contains("verify-email?token=a.b.c&amp;callbackURL=%2F")
        );
        assert!(r.html.contains("&lt;new&gt;@example.com"));
        assert!(!r.html.contains("<new>"));
    }
}
