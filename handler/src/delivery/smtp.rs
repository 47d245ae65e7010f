//! Sending email over SMTP (SES in production: STARTTLS on 587, rustls, no OpenSSL), behind
//! the same [`Mailer`] trait as the `.eml` outbox.
//!
//! The transport is made on first use, so a server starts while the mail server is down, and
//! the credentials (from the environment, or the Secrets Manager secret) are read then. A
//! refused login or a lost connection drops the transport, so the next attempt reconnects and
//! re-reads the secret: replacing the secret's placeholder takes effect without a restart.
//!
//! With `PASSERELLE_SMTP_CA_FILE`, the server's certificate may also chain to that file's
//! authorities, and TLS is required whatever the URL says: `smtps://` is TLS from the start,
//! `smtp://` is STARTTLS-required. A certificate that chains to nothing trusted is refused
//! before anything (a login, a message) is sent; that is a transient error, so the
//! notification stays queued.

use crate::config::{SmtpCa, SmtpConfig, SmtpCredentials};
use crate::delivery::mail::{MailError, Mailer};
use crate::store::BoxFuture;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// How long one SMTP command (or the connection) may take before the attempt is abandoned
/// (and retried later).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one message may take in all: reading the secret, connecting, TLS, the login, the
/// envelope and the data. Per-command timeouts alone do not bound a message (a server that
/// answers each of a dozen commands just in time takes a dozen timeouts); this does, and the
/// notifier's time budget counts on it (crate::delivery::notifier::NOTICE_WORST).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(25);

/// What a failed SMTP exchange means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The server refused this message for good (a 5xx reply other than a login's): sending
    /// it again would get the same answer.
    Refused,
    /// The login was refused or is required (530, 534, 535, 538): the credentials are wrong,
    /// of another region, or still the placeholder. Retried (the secret is read again) until
    /// the notifier's attempt cap, so a credential fixed in time loses nothing.
    Login,
    /// No answer, a lost connection, TLS, or a 4xx reply: try again later.
    Later,
}

/// The verdict on an SMTP failure with reply `code` (`None`: no reply, such as a refused
/// connection or a timeout).
pub fn classify(code: Option<u16>) -> Verdict {
    match code {
        Some(530 | 534 | 535 | 538) => Verdict::Login,
        Some(500..=599) => Verdict::Refused,
        _ => Verdict::Later,
    }
}

/// Whether the transport (its pooled connection, the credentials it read) should be dropped
/// after a failure with reply `code`, so the next attempt reconnects and re-reads the secret.
fn drops_transport(code: Option<u16>) -> bool {
    code.is_none() || matches!(code, Some(421 | 454)) || classify(code) == Verdict::Login
}

/// An SMTP mailer.
pub struct SmtpMailer {
    config: SmtpConfig,
    transport: Mutex<Option<Transport>>,
}

/// The secret's JSON, as the README (Deploy, checklist step 7) tells operators to store it.
#[derive(Deserialize)]
pub struct SecretCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SecretCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretCredentials {{ username: {:?}, password: <hidden> }}",
            self.username
        )
    }
}

/// The user name infra/template.yaml puts in the secret until an operator replaces it.
pub const PLACEHOLDER_PREFIX: &str = "REPLACE-WITH";

impl SmtpMailer {
    /// A mailer for `config`; nothing is connected or read until the first message.
    pub fn new(config: SmtpConfig) -> SmtpMailer {
        SmtpMailer {
            config,
            transport: Mutex::new(None),
        }
    }

    async fn transport(&self) -> Result<Transport, MailError> {
        let mut slot = self.transport.lock().await;
        if let Some(transport) = slot.as_ref() {
            return Ok(transport.clone());
        }
        let mut builder = Transport::from_url(&self.config.url)
            .map_err(|err| MailError::Transient(format!("the SMTP URL: {err}")))?
            .timeout(Some(COMMAND_TIMEOUT));
        if let Some(ca) = &self.config.ca {
            builder = builder.tls(tls_trusting(&self.config.url, ca)?);
        }
        match &self.config.credentials {
            SmtpCredentials::None => {}
            SmtpCredentials::Plain { username, password } => {
                builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
            }
            SmtpCredentials::Secret(id) => {
                let client = aws_sdk_secretsmanager::Client::new(crate::aws::sdk_config().await);
                let secret = read_secret(&client, id).await?;
                builder = builder.credentials(Credentials::new(secret.username, secret.password));
            }
        }
        let transport = builder.build();
        *slot = Some(transport.clone());
        Ok(transport)
    }

    async fn send_now(&self, message: Message) -> Result<(), MailError> {
        let transport = self.transport().await?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(err) => {
                // A 4xx or 5xx reply carries its code; anything else (connection, TLS, an
                // unreadable reply) has none.
                let code = err.status().map(u16::from);
                if drops_transport(code) {
                    *self.transport.lock().await = None;
                }
                let reason = format!("SMTP: {err}");
                Err(match classify(code) {
                    Verdict::Refused => MailError::Permanent(reason),
                    Verdict::Login | Verdict::Later => MailError::Transient(reason),
                })
            }
        }
    }

    /// [`SmtpMailer::send_now`] within [`SEND_TIMEOUT`]; past it, the attempt is dropped
    /// (with its connection) and is a transient failure.
    async fn send_within(&self, message: Message) -> Result<(), MailError> {
        match tokio::time::timeout(SEND_TIMEOUT, self.send_now(message)).await {
            Ok(result) => result,
            Err(_) => {
                *self.transport.lock().await = None;
                Err(MailError::Transient(format!(
                    "SMTP: the message was not sent within {} s",
                    SEND_TIMEOUT.as_secs()
                )))
            }
        }
    }
}

/// The TLS mode for `url` with `ca` trusted besides the public roots: TLS from the start for
/// `smtps://`, STARTTLS required for `smtp://` (never plain, even to this machine).
fn tls_trusting(url: &str, ca: &SmtpCa) -> Result<Tls, MailError> {
    let parsed =
        url::Url::parse(url).map_err(|err| MailError::Transient(format!("the SMTP URL: {err}")))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| MailError::Transient("the SMTP URL names no host".into()))?;
    let parameters = ca.tls_parameters(host).map_err(|err| {
        MailError::Transient(format!("the certificates of {}: {err}", ca.path.display()))
    })?;
    Ok(if parsed.scheme() == "smtps" {
        Tls::Wrapper(parameters)
    } else {
        Tls::Required(parameters)
    })
}

impl Mailer for SmtpMailer {
    fn send(&self, message: Message) -> BoxFuture<'_, Result<(), MailError>> {
        Box::pin(self.send_within(message))
    }
}

/// Reads `{"username","password"}` from Secrets Manager. Until an operator replaces the
/// stack's placeholder, this fails (a transient error: notifications stay pending, up to the
/// notifier's attempt cap, and the log says what to do). Errors describe the secret's shape, never its contents.
pub async fn read_secret(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> Result<SecretCredentials, MailError> {
    let text = crate::aws::secret_text(client, id, "the SMTP secret")
        .await
        .map_err(|reason| {
            MailError::Transient(format!("{reason} (store {{\"username\",\"password\"}})"))
        })?;
    let secret: SecretCredentials = serde_json::from_str(&text).map_err(|_| {
        MailError::Transient(
            "the SMTP secret is not {\"username\": ..., \"password\": ...} (README, Deploy, step 7)"
                .into(),
        )
    })?;
    if secret.username.starts_with(PLACEHOLDER_PREFIX) || secret.username.is_empty() {
        return Err(MailError::Transient(
            "the SMTP secret still holds the stack's placeholder: store the SES SMTP credentials \
             (README, Deploy, checklist step 7)"
                .into(),
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_5xx_refuses_the_message_a_login_failure_is_retried_to_the_cap_the_rest_waits() {
        for code in [500, 550, 551, 552, 553, 554, 555] {
            assert_eq!(classify(Some(code)), Verdict::Refused, "{code}");
        }
        for code in [530, 534, 535, 538] {
            assert_eq!(classify(Some(code)), Verdict::Login, "{code}");
            assert!(drops_transport(Some(code)), "{code}");
        }
        for code in [421, 450, 451, 452, 454] {
            assert_eq!(classify(Some(code)), Verdict::Later, "{code}");
        }
        assert_eq!(classify(None), Verdict::Later);
        assert!(drops_transport(None) && drops_transport(Some(421)));
        assert!(!drops_transport(Some(550)) && !drops_transport(Some(451)));
    }

    #[test]
    fn a_message_is_bounded_by_more_than_one_command() {
        // A message may need a few commands in a row near their timeout (connect, TLS, login),
        // yet the whole must stay well below the notifier's Lambda timeout.
        assert!(SEND_TIMEOUT >= 2 * COMMAND_TIMEOUT);
        assert!(SEND_TIMEOUT <= Duration::from_secs(30));
    }
}
