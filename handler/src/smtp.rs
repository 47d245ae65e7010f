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
use crate::mail::{MailError, Mailer};
use crate::store::BoxFuture;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// How long one SMTP command may take before the attempt is abandoned (and retried later).
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// An SMTP mailer.
pub struct SmtpMailer {
    config: SmtpConfig,
    transport: Mutex<Option<Transport>>,
}

/// The secret's JSON, as infra/DEPLOY.md tells operators to store it.
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
            .timeout(Some(TIMEOUT));
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
                let code = err.status().map(u16::from);
                // Only a refusal of this message's recipient is final; anything else (the
                // server down, a refused login, a full mailbox, throttling) is retried later.
                let permanent = matches!(code, Some(550 | 551 | 553));
                if !err.is_response() || matches!(code, Some(421 | 454 | 530 | 535)) {
                    *self.transport.lock().await = None;
                }
                let reason = format!("SMTP: {err}");
                Err(if permanent {
                    MailError::Permanent(reason)
                } else {
                    MailError::Transient(reason)
                })
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
        Box::pin(self.send_now(message))
    }
}

/// Reads `{"username","password"}` from Secrets Manager. Until an operator replaces the
/// stack's placeholder, this fails (a transient error: notifications stay pending and the log
/// says what to do). Errors describe the secret's shape, never its contents.
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
            "the SMTP secret is not {\"username\": ..., \"password\": ...} (infra/DEPLOY.md)"
                .into(),
        )
    })?;
    if secret.username.starts_with(PLACEHOLDER_PREFIX) || secret.username.is_empty() {
        return Err(MailError::Transient(
            "the SMTP secret still holds the stack's placeholder: store the SES SMTP credentials \
             (infra/DEPLOY.md, \"After the first deploy\")"
                .into(),
        ));
    }
    Ok(secret)
}
