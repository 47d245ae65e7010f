//! Sending email: the [`Mailer`] seam and the embedded default, which writes each message as an
//! `.eml` file in the outbox folder (`<data dir>/outbox/`). SMTP (or SES) plugs in later
//! behind the same trait.

use crate::store::BoxFuture;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Try again later (the server is down, the disk is full).
    #[error("sending failed for now: {0}")]
    Transient(String),
    /// This message can never be sent (an address the mail library refuses).
    #[error("the message cannot be sent: {0}")]
    Permanent(String),
}

/// Something that delivers email.
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message; returns once the transport has accepted it.
    fn send(&self, message: Message) -> BoxFuture<'_, Result<(), MailError>>;
}

/// Writes each message to `<dir>/<uuid>.eml` (lettre's file transport).
pub struct FileMailer {
    dir: PathBuf,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileMailer {
    /// A mailer writing into `dir`, created if needed (readable by this user only: the
    /// messages hold personal information).
    pub fn new(dir: &Path) -> std::io::Result<FileMailer> {
        crate::private_dir::create(dir)?;
        Ok(FileMailer {
            dir: dir.to_path_buf(),
            transport: AsyncFileTransport::new(dir),
        })
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Mailer for FileMailer {
    fn send(&self, message: Message) -> BoxFuture<'_, Result<(), MailError>> {
        Box::pin(async move {
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| MailError::Transient(err.to_string()))
        })
    }
}

macro_rules! text_header {
    ($(#[$doc:meta])* $type:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $type(pub String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($type(s.to_string()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(
    /// `X-Passerelle-Reference: K7MW4XTA`: which submission a message is about (for people
    /// filtering their mail, and for tests reading the outbox).
    ReferenceHeader,
    "X-Passerelle-Reference"
);
text_header!(
    /// `X-Passerelle-Kind: coordinator | acknowledgement`.
    KindHeader,
    "X-Passerelle-Kind"
);
text_header!(
    /// `X-SES-CONFIGURATION-SET: passerelle-production`: SES sends the message through this
    /// configuration set, which turns its rejections, bounces and complaints into metrics.
    SesConfigurationSet,
    "X-SES-CONFIGURATION-SET"
);
text_header!(
    /// `Auto-Submitted: auto-generated` (RFC 3834), so that auto-replies do not answer back.
    AutoSubmitted,
    "Auto-Submitted"
);
