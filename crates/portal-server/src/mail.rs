//! Email (`docs/contract.md §8`): verification codes, the "no account uses this address"
//! notice and the "your password was changed" notice (§3), in French by default and in English
//! when `Accept-Language` prefers it, over SMTP or into an outbox folder.
//!
//! The code stands in the subject line so it can be read from a notification; the notices
//! carry no code (and never a password). Bodies are plain
//! text, base64-encoded (any UTF-8 survives every relay). Log lines carry the masked address
//! only; the code is logged only in demo mode (§8), the one exception to the privacy rule.

mod templates;

use std::path::PathBuf;

use cartable_core::Email;
use lettre::{
    AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
    message::{
        Body, Mailbox,
        header::{ContentTransferEncoding, ContentType},
    },
};

use crate::config::MailTransport;

pub use templates::MailKind;

/// The sender of every message unless the operator sets one (`mail_from`, `--mail-from`,
/// `PORTAL_MAIL_FROM`): fine for the demo, refused by most real relays.
pub const DEFAULT_FROM: &str = "Cartable <ne-pas-repondre@cartable.localhost>";

/// The language of a message (`docs/contract.md §0`, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French, the default.
    #[default]
    Fr,
    /// English, when `Accept-Language` prefers it.
    En,
}

impl Lang {
    /// The language an `Accept-Language` header (RFC 9110 §12.5.4) prefers: English when the
    /// range with the highest weight (the first among equals) is `en` or `en-*`; French in
    /// every other case, including a missing or malformed header.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else { return Self::Fr };
        let mut best: Option<(f32, &str)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            if tag.is_empty() {
                continue;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, tag));
            }
        }
        match best {
            Some((_, tag))
                if tag.eq_ignore_ascii_case("en")
                    || tag.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("en-")) =>
            {
                Self::En
            }
            _ => Self::Fr,
        }
    }
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL does not parse (lettre's URL syntax).
    #[error("SMTP URL: {0}")]
    SmtpUrl(lettre::transport::smtp::Error),
    /// SMTP delivery failed.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The message could not be built (e.g. an address lettre refuses).
    #[error("message: {0}")]
    Build(String),
    /// The outbox could not be written.
    #[error("outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

/// Sends the portal's messages over the configured transport.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    demo: bool,
}

#[derive(Clone)]
enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.transport {
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
            Transport::Smtp(_) => "smtp".to_owned(),
        };
        f.debug_struct("Mailer").field("transport", &transport).field("demo", &self.demo).finish()
    }
}

impl Mailer {
    /// A mailer for `transport`; `demo` also logs codes (§8).
    ///
    /// # Errors
    /// [`MailError::SmtpUrl`] for an SMTP URL lettre does not accept; [`MailError::Outbox`] when
    /// the outbox folder cannot be created; [`MailError::Build`] when `from` is not a mailbox
    /// (`Name <local@domain>` or `local@domain`).
    pub fn new(transport: &MailTransport, from: &str, demo: bool) -> Result<Self, MailError> {
        let from: Mailbox =
            from.parse().map_err(|e| MailError::Build(format!("mail_from {from:?}: {e}")))?;
        let transport = match transport {
            MailTransport::Outbox(dir) => {
                // Messages hold codes: the folder (when created here) and each file are the
                // portal's user's only (0700, 0600 on Unix).
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(dir)?;
                Transport::Outbox(dir.clone())
            }
            MailTransport::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(MailError::SmtpUrl)?
                    .build(),
            ),
        };
        Ok(Self { transport, from, demo })
    }

    /// Sends `kind` to `to` in `lang`. A [`MailKind::PasswordChanged`] notice states the time
    /// of sending (the system clock), in Québec's time.
    ///
    /// # Errors
    /// Building, SMTP delivery or writing the outbox failed.
    pub async fn send(&self, to: &Email, kind: &MailKind, lang: Lang) -> Result<(), MailError> {
        let rendered = templates::render(kind, lang, time::OffsetDateTime::now_utc());
        // SMTP wants the ASCII (Punycode) form of the domain.
        let to_box: Mailbox = format!("{}@{}", to.local_part(), to.ascii_domain())
            .parse()
            .map_err(|e| MailError::Build(format!("{e}")))?;
        let body = Body::new_with_encoding(rendered.body, ContentTransferEncoding::Base64)
            .map_err(|_| MailError::Build("body encoding".to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(rendered.subject)
            .header(ContentType::TEXT_PLAIN)
            .message_id(None)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(dir) => write_outbox(dir, &message.formatted()).await?,
        }
        tracing::info!(to = %to.masked(), kind = kind.name(), ?lang, "email sent");
        if self.demo
            && let Some(code) = kind.code()
        {
            // Demo mode only (docs/contract.md §8): the one log line that carries a code.
            tracing::info!(to = %to.masked(), code, "demo mode: verification code");
        }
        Ok(())
    }
}

/// Writes one `.eml` file into `dir`, atomically (a temporary name, then a rename), readable
/// by its owner only (0600 on Unix: it may hold a code), named so that names sort in sending
/// order: `{unix nanoseconds, 20 digits}-{uuid}.eml`.
async fn write_outbox(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("{nanos:020}-{}.eml", uuid::Uuid::new_v4());
    let tmp = dir.join(format!(".{name}.tmp"));
    let (written, bytes) = (tmp.clone(), bytes.to_vec());
    tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        crate::files::create_private(&written)?.write_all(&bytes)
    })
    .await
    .map_err(std::io::Error::other)??;
    tokio::fs::rename(&tmp, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("en-CA")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr-CA")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("fr-CA,en;q=0.8")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("fr;q=0.5, en-US;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("de, en")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("EN")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("eng")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some(";;,,q=")), Lang::Fr);
    }
}
