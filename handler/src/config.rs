//! The handler's settings, from environment variables with embedded defaults.
//!
//! | Variable                    | Default                                     | Meaning |
//! |-----------------------------|---------------------------------------------|---------|
//! | `PASSERELLE_STORE`          | `sqlite:<data dir>/passerelle.sqlite3`      | where submissions are stored: `sqlite:PATH` or `dynamodb:TABLE` |
//! | `PASSERELLE_MAIL`           | `file:<data dir>/outbox`                    | how email is sent: `file:DIR` (`.eml` files), or an `smtp://` / `smtps://` URL |
//! | `PASSERELLE_SMTP_SECRET_ID` | none                                        | Secrets Manager secret holding `{"username","password"}` for SMTP |
//! | `PASSERELLE_SMTP_USERNAME`, `PASSERELLE_SMTP_PASSWORD` | none             | SMTP credentials (instead of the secret) |
//! | `PASSERELLE_SMTP_CA_FILE`   | none                                        | a PEM file of certificate authorities trusted for the SMTP server, besides the public ones |
//! | `PASSERELLE_MAIL_FROM`      | the program's name (site.toml) `<no-reply@passerelle.localhost>` | the sender |
//! | `PASSERELLE_COORDINATORS`   | `coordinators@passerelle.localhost`         | comma-separated addresses notified of each submission |
//! | `PASSERELLE_SITE_ORIGIN`    | `base_url` of `site.toml`                   | comma-separated origins allowed to post; the first is the site's public address, which the coordinators' notice links to (a local server links to the address it is used at instead) |
//! | `PASSERELLE_NOTICE_ANSWERS` | unset                                       | unset: the coordinators' notice carries no personal data (form, reference, offering and cohort, status, received date, link to the workspace); `include`: the answers too; anything else stops the start |
//! | `PASSERELLE_RETENTION_DAYS` | `90`                                        | submissions older than this are deleted (DynamoDB: the TTL) |
//! | `PASSERELLE_DONE_RETENTION_DAYS` | `30`                                   | a submission marked done is deleted this many days after the day it was marked (crate::store::inbox) |
//! | `PASSERELLE_NOTIFY_MAX_ATTEMPTS` | `8`                                   | attempts at sending one notification before it is given up on (kept, marked failed, logged `notification_failed`) |
//! | `PASSERELLE_ACKNOWLEDGEMENTS` | `send`                                    | `send`: acknowledgements go to the person; `coordinators`: to the first coordinators' address instead, never to the public (staging) |
//! | `PASSERELLE_SES_CONFIGURATION_SET` | none                            | the SES configuration set every message names (`X-SES-CONFIGURATION-SET`), so SES reports rejections, bounces and complaints (the stack sets it) |
//! | `PASSERELLE_SESSION_IDLE_MINUTES` | `30`                                  | a workspace session ends after this long unused |
//! | `PASSERELLE_SESSION_MAX_HOURS` | `12`                                     | a workspace session ends this long after sign-in, used or not |
//! | `PASSERELLE_ACTIVITY_RETENTION_DAYS` | `400`                              | the workspace's activity log keeps an entry this long (at least `PASSERELLE_RETENTION_DAYS`) |
//! | `PASSERELLE_CONFIRMATION_KEY` | `<data dir>/confirmation.key` (generated) | the key confirmation links are signed with (the Lambda sets it from `PASSERELLE_CONFIRMATION_SECRET_ID`) |
//!
//! The data dir is `<root>/.passerelle` for `handler serve` and `site serve`. DynamoDB is
//! reached by the AWS SDK's own conventions (`AWS_REGION`, the credential chain,
//! `AWS_ENDPOINT_URL_DYNAMODB` for a local server; see [`crate::aws`]).
//!
//! SMTP URLs are read as lettre reads them (`smtps://host:465` is TLS from the start,
//! `smtp://host:587?tls=required` is STARTTLS), with one safety rule: an `smtp://` URL without
//! `tls=` is STARTTLS-required unless its host is this machine (127.0.0.1, ::1, localhost), so
//! credentials never cross a network in the clear. Credentials may also sit in the URL
//! (`smtp://user:pass@host`), which is the least safe place for them.
//!
//! `PASSERELLE_SMTP_CA_FILE` is for a relay whose certificate comes from a private authority
//! (and for the STARTTLS service tests). Naming one means TLS is wanted, so it makes every
//! `smtp://` URL STARTTLS-required, this machine included. The file is read and checked when
//! the settings are read: a missing, unreadable or malformed file stops the start with a
//! message naming the variable and the file, rather than failing each delivery later.

use crate::confirmation::ConfirmationKey;
use anyhow::{Context as _, anyhow, bail};
use jiff::SignedDuration;
use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use model::SiteConfig;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use std::path::{Path, PathBuf};

/// Where submissions are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A DynamoDB table (the production store).
    DynamoDb { table: String },
}

/// How email is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailConfig {
    /// Each message written as an `.eml` file in this folder.
    File(PathBuf),
    /// An SMTP server.
    Smtp(SmtpConfig),
}

/// An SMTP server and where its credentials come from.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The URL as lettre parses it, after the STARTTLS rule (see the module documentation).
    pub url: String,
    pub credentials: SmtpCredentials,
    /// Certificate authorities trusted besides the public ones (`PASSERELLE_SMTP_CA_FILE`).
    pub ca: Option<SmtpCa>,
}

/// The certificates of `PASSERELLE_SMTP_CA_FILE`, read and checked once.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCa {
    /// The PEM file, for messages and logs.
    pub path: PathBuf,
    /// Each certificate of the file, DER-encoded.
    certificates: Vec<Vec<u8>>,
}

impl SmtpCa {
    /// Reads every certificate of a PEM file, and checks that each can be trusted as a root.
    pub fn load(path: &Path) -> anyhow::Result<SmtpCa> {
        let shown = || format!("PASSERELLE_SMTP_CA_FILE={}", path.display());
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read it", shown()))?;
        let certificates = CertificateDer::pem_slice_iter(&bytes)
            .map(|cert| cert.map(|der| der.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| anyhow!("{} is not a valid PEM file: {err}", shown()))?;
        if certificates.is_empty() {
            bail!(
                "{} holds no certificate: it must hold the authority's certificate in PEM \
                 (`-----BEGIN CERTIFICATE-----` ...)",
                shown()
            );
        }
        let ca = SmtpCa {
            path: path.to_path_buf(),
            certificates,
        };
        // The same construction as each connection's, so a certificate the TLS library would
        // refuse (garbage between the PEM markers) is found now.
        ca.tls_parameters("localhost")
            .map_err(|err| anyhow!("{}: a certificate in it cannot be used: {err}", shown()))?;
        Ok(ca)
    }

    /// TLS settings for a connection to `domain` that trust the public roots and these.
    pub fn tls_parameters(
        &self,
        domain: &str,
    ) -> Result<TlsParameters, lettre::transport::smtp::Error> {
        let mut builder = TlsParameters::builder(domain.to_string());
        for der in &self.certificates {
            builder = builder.add_root_certificate(Certificate::from_der(der.clone())?);
        }
        builder.build_rustls()
    }
}

impl std::fmt::Debug for SmtpCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpCa({}, {} certificate(s))",
            self.path.display(),
            self.certificates.len()
        )
    }
}

/// Where SMTP credentials come from.
#[derive(Clone, PartialEq, Eq)]
pub enum SmtpCredentials {
    /// None, or in the URL.
    None,
    /// `PASSERELLE_SMTP_USERNAME` and `PASSERELLE_SMTP_PASSWORD`.
    Plain { username: String, password: String },
    /// A Secrets Manager secret (`PASSERELLE_SMTP_SECRET_ID`), read when first needed.
    Secret(String),
}

impl std::fmt::Debug for SmtpConfig {
    // Never print a password (Config is logged on errors and shown in test failures).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match url_without_password(&self.url) {
            Some(url) => url,
            None => "<unparsable URL>".to_string(),
        };
        f.debug_struct("SmtpConfig")
            .field("url", &url)
            .field("credentials", &self.credentials)
            .field("ca", &self.ca)
            .finish()
    }
}

impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpCredentials::None => f.write_str("None"),
            SmtpCredentials::Plain { username, .. } => {
                write!(f, "Plain {{ username: {username:?}, password: <hidden> }}")
            }
            SmtpCredentials::Secret(id) => write!(f, "Secret({id:?})"),
        }
    }
}

fn url_without_password(text: &str) -> Option<String> {
    let mut url = url::Url::parse(text).ok()?;
    if url.password().is_some() {
        url.set_password(Some("<password>")).ok()?;
    }
    Some(url.to_string())
}

/// Applies the STARTTLS rule to an SMTP URL and checks that lettre accepts it.
pub fn smtp_url(spec: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(spec)
        .map_err(|err| anyhow!("PASSERELLE_MAIL is not a URL ({err}): write smtp://HOST:PORT"))?;
    let host = url
        .host_str()
        .ok_or_else(|| anyhow!("PASSERELLE_MAIL names no host: write smtp://HOST:PORT"))?
        .to_string();
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let local = matches!(host.as_str(), "127.0.0.1" | "[::1]" | "::1" | "localhost");
    match (url.scheme(), tls.as_deref()) {
        ("smtps", _) => {}
        ("smtp", Some("required")) => {}
        ("smtp", None) if local => {}
        ("smtp", None) => {
            url.query_pairs_mut().append_pair("tls", "required");
        }
        ("smtp", Some(other)) => bail!(
            "PASSERELLE_MAIL: tls={other} is not allowed: leave it out (STARTTLS is then required) or write tls=required"
        ),
        (scheme, _) => bail!(
            "PASSERELLE_MAIL: `{scheme}:` is not supported: write file:DIR, smtp://HOST:PORT or smtps://HOST:PORT"
        ),
    }
    let url = url.to_string();
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url)
        .map_err(|err| anyhow!("PASSERELLE_MAIL is not an SMTP URL lettre accepts: {err}"))?;
    Ok(url)
}

/// Everything the handler needs to know besides the content.
#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreConfig,
    pub mail: MailConfig,
    pub mail_from: Mailbox,
    /// Replies to acknowledgements go to the program's address (`site.toml`).
    pub reply_to: Mailbox,
    pub coordinators: Vec<String>,
    /// Origins allowed to post (`https://peer-support.example.ca`).
    pub site_origins: Vec<String>,
    /// Also allow the origin named by the request's own `Host` (the local server, whatever its
    /// port).
    pub allow_host_origin: bool,
    pub retention_days: u32,
    /// Days a submission marked done is kept (`PASSERELLE_DONE_RETENTION_DAYS`).
    pub done_retention_days: u32,
    /// Signs the confirmation page's address ([`crate::confirmation`]).
    pub confirmation_key: ConfirmationKey,
    /// The most acknowledgements one address gets in a day
    /// (`PASSERELLE_ACK_PER_ADDRESS_PER_DAY`, [`crate::ack_limit`]).
    pub ack_per_address_per_day: u32,
    /// Attempts at one notification before it is given up on (`PASSERELLE_NOTIFY_MAX_ATTEMPTS`).
    pub notify_max_attempts: u32,
    /// Where acknowledgements go (`PASSERELLE_ACKNOWLEDGEMENTS`).
    pub acknowledgements: Acknowledgements,
    /// The SES configuration set each message names (`PASSERELLE_SES_CONFIGURATION_SET`).
    pub ses_configuration_set: Option<String>,
    /// The coordinators' workspace: sessions and the activity log ([`crate::auth`]).
    pub auth: AuthSettings,
    /// Whether the coordinators' notice carries the answers (`PASSERELLE_NOTICE_ANSWERS`).
    pub notice_answers: NoticeAnswers,
    /// The origin of every link the handler writes (the coordinators' notices, withdrawal
    /// links, invitations): the first of `site_origins` (production: the site's public
    /// address), or the address a local server is used at
    /// ([`crate::local::LocalOptions::public_origin`]). The only one: nothing builds a link
    /// from `site_origins` or a request's `Host`.
    pub public_origin: String,
}

/// What the coordinators' notice carries (`PASSERELLE_NOTICE_ANSWERS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAnswers {
    /// Unset, the default: no personal data, so a notice forwarded by mistake or read on a
    /// shared screen tells nothing about the person; the answers are read in the workspace.
    Omit,
    /// `include`: the answers too, for a program that accepts that every coordinator's inbox
    /// (and anything it is forwarded to) holds them.
    Include,
}

/// `PASSERELLE_NOTICE_ANSWERS`: unset or `include`, nothing else (a typo must not fall back
/// silently to either).
fn notice_answers(value: Option<String>) -> anyhow::Result<NoticeAnswers> {
    match value.as_deref().map(str::trim) {
        None => Ok(NoticeAnswers::Omit),
        Some("include") => Ok(NoticeAnswers::Include),
        Some(other) => bail!(
            "PASSERELLE_NOTICE_ANSWERS=`{other}` is not allowed: leave it unset (the notice \
             carries no personal data) or write include (the answers too)"
        ),
    }
}

/// The workspace's settings ([`crate::auth`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSettings {
    /// A session ends after this long unused (`PASSERELLE_SESSION_IDLE_MINUTES`, 30).
    pub session_idle: SignedDuration,
    /// A session ends this long after sign-in (`PASSERELLE_SESSION_MAX_HOURS`, 12).
    pub session_max: SignedDuration,
    /// How long the activity log keeps an entry (`PASSERELLE_ACTIVITY_RETENTION_DAYS`, 400).
    pub activity_retention_days: u32,
}

/// The default of `PASSERELLE_ACTIVITY_RETENTION_DAYS`: longer than a year, so the log covers
/// a whole submission's life and a year of sign-ins.
pub const DEFAULT_ACTIVITY_RETENTION_DAYS: u32 = 400;

/// [`DEFAULT_ACTIVITY_RETENTION_DAYS`] as a duration (the stores' default).
pub fn default_activity_retention() -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(DEFAULT_ACTIVITY_RETENTION_DAYS))
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            session_idle: SignedDuration::from_mins(30),
            session_max: SignedDuration::from_hours(12),
            activity_retention_days: DEFAULT_ACTIVITY_RETENTION_DAYS,
        }
    }
}

/// A whole number in `range` from the setting `name`, or `default` when it is unset.
fn whole_number(
    name: &str,
    value: Option<String>,
    range: std::ops::RangeInclusive<u32>,
    default: u32,
) -> anyhow::Result<u32> {
    let Some(text) = value else {
        return Ok(default);
    };
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            anyhow!(
                "{name} must be a whole number from {} to {}, found `{text}`",
                range.start(),
                range.end()
            )
        })
}

impl AuthSettings {
    /// Reads the settings through `var` (unset or blank: the default). `retention_days` is
    /// the submissions' retention, which the activity log must outlast.
    pub fn from_lookup(
        var: &dyn Fn(&str) -> Option<String>,
        retention_days: u32,
    ) -> anyhow::Result<AuthSettings> {
        let idle = whole_number(
            "PASSERELLE_SESSION_IDLE_MINUTES",
            var("PASSERELLE_SESSION_IDLE_MINUTES"),
            1..=24 * 60,
            30,
        )?;
        let max = whole_number(
            "PASSERELLE_SESSION_MAX_HOURS",
            var("PASSERELLE_SESSION_MAX_HOURS"),
            1..=7 * 24,
            12,
        )?;
        if i64::from(idle) > 60 * i64::from(max) {
            bail!(
                "PASSERELLE_SESSION_IDLE_MINUTES ({idle}) is longer than \
                 PASSERELLE_SESSION_MAX_HOURS ({max} h): the idle timeout would never apply"
            );
        }
        let activity_retention_days = whole_number(
            "PASSERELLE_ACTIVITY_RETENTION_DAYS",
            var("PASSERELLE_ACTIVITY_RETENTION_DAYS"),
            1..=3650,
            DEFAULT_ACTIVITY_RETENTION_DAYS,
        )?;
        if activity_retention_days < retention_days {
            bail!(
                "PASSERELLE_ACTIVITY_RETENTION_DAYS ({activity_retention_days}) is shorter than \
                 PASSERELLE_RETENTION_DAYS ({retention_days}): the activity log must be kept \
                 at least as long as the submissions it records"
            );
        }
        Ok(AuthSettings {
            session_idle: SignedDuration::from_mins(i64::from(idle)),
            session_max: SignedDuration::from_hours(i64::from(max)),
            activity_retention_days,
        })
    }
}

/// Where acknowledgements go (`PASSERELLE_ACKNOWLEDGEMENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledgements {
    /// To the person who submitted (production).
    Send,
    /// To the first coordinators' address instead: a staging stack, fed test submissions
    /// that may carry real people's addresses, never writes to the public.
    Coordinators,
}

/// The default of `PASSERELLE_DONE_RETENTION_DAYS`: a handled request is kept a month, for
/// questions that come back, then deleted.
pub const DEFAULT_DONE_RETENTION_DAYS: u32 = 30;

/// A number of days (at least 1) read from the setting `name`, `default` when unset.
fn days_setting(name: &str, value: Option<String>, default: u32) -> anyhow::Result<u32> {
    match value {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=3650).contains(d))
            .ok_or_else(|| {
                anyhow!("{name} must be a whole number of days from 1 to 3650, found `{text}`")
            }),
    }
}

/// The default of `PASSERELLE_NOTIFY_MAX_ATTEMPTS`: with the notifier's backoff (1, 2, 4 ...
/// minutes, at most an hour), the eighth attempt comes about two hours after the first.
pub const DEFAULT_NOTIFY_MAX_ATTEMPTS: u32 = 8;

/// `PASSERELLE_NOTIFY_MAX_ATTEMPTS`: a whole number from 1 to 100.
fn notify_max_attempts(value: Option<String>) -> anyhow::Result<u32> {
    match value {
        None => Ok(DEFAULT_NOTIFY_MAX_ATTEMPTS),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                anyhow!(
                    "PASSERELLE_NOTIFY_MAX_ATTEMPTS must be a whole number from 1 to 100, found `{text}`"
                )
            }),
    }
}

/// `PASSERELLE_ACKNOWLEDGEMENTS`: `send` or `coordinators`, nothing else.
fn acknowledgements(value: Option<String>) -> anyhow::Result<Acknowledgements> {
    match value.as_deref().map(str::trim) {
        None | Some("send") => Ok(Acknowledgements::Send),
        Some("coordinators") => Ok(Acknowledgements::Coordinators),
        Some(other) => bail!(
            "PASSERELLE_ACKNOWLEDGEMENTS=`{other}` is not allowed: write send (to the person) or \
             coordinators (to the first coordinators' address, for staging)"
        ),
    }
}

/// `PASSERELLE_SES_CONFIGURATION_SET`: a name SES accepts (1 to 64 letters, digits, `-`, `_`).
fn ses_configuration_set(value: Option<String>) -> anyhow::Result<Option<String>> {
    let Some(name) = value else { return Ok(None) };
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(Some(name))
    } else {
        bail!(
            "PASSERELLE_SES_CONFIGURATION_SET=`{name}` is not a configuration set name: 1 to 64 \
             letters, digits, - or _ (the stack's SesConfigurationSetName output)"
        )
    }
}

/// The default sender's address (its name is the program's, from site.toml).
pub const DEFAULT_FROM_ADDRESS: &str = "no-reply@passerelle.localhost";

/// The default sender: the program's English name (site.toml) at [`DEFAULT_FROM_ADDRESS`].
pub fn default_from(site: &SiteConfig) -> Mailbox {
    let address = DEFAULT_FROM_ADDRESS.parse().expect("a valid address");
    Mailbox::new(Some(site.program.name.en.clone()), address)
}

/// The default coordinators' address: a placeholder that only exists in the local outbox.
pub const DEFAULT_COORDINATORS: &str = "coordinators@passerelle.localhost";

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env(data_dir: &Path, site: &SiteConfig) -> anyhow::Result<Config> {
        Config::from_lookup(data_dir, site, |name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        data_dir: &Path,
        site: &SiteConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let store = store_from_lookup(data_dir, &lookup)?;
        let mail = mail_config_from_lookup(data_dir, &lookup)?;
        let mail_from = match var("PASSERELLE_MAIL_FROM") {
            Some(from) => from
                .parse::<Mailbox>()
                .map_err(|err| anyhow!("PASSERELLE_MAIL_FROM is not an email address: {err}"))?,
            None => default_from(site),
        };
        let coordinators: Vec<String> = var("PASSERELLE_COORDINATORS")
            .unwrap_or_else(|| DEFAULT_COORDINATORS.to_string())
            .split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        for address in &coordinators {
            address.parse::<Mailbox>().with_context(|| {
                format!("PASSERELLE_COORDINATORS: `{address}` is not an email address")
            })?;
        }
        if coordinators.is_empty() {
            bail!("PASSERELLE_COORDINATORS names no address");
        }
        let site_origins: Vec<String> = var("PASSERELLE_SITE_ORIGIN")
            .unwrap_or_else(|| site.base_url.clone())
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        let Some(public_origin) = site_origins.first().cloned() else {
            bail!("PASSERELLE_SITE_ORIGIN names no origin: write https://HOST");
        };
        let retention_days = match var("PASSERELLE_RETENTION_DAYS") {
            None => 90,
            Some(days) => days
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| {
                    anyhow!(
                        "PASSERELLE_RETENTION_DAYS must be a whole number of days, found `{days}`"
                    )
                })?,
        };
        let done_retention_days = days_setting(
            "PASSERELLE_DONE_RETENTION_DAYS",
            var("PASSERELLE_DONE_RETENTION_DAYS"),
            DEFAULT_DONE_RETENTION_DAYS,
        )?;
        let confirmation_key = match var("PASSERELLE_CONFIRMATION_KEY") {
            Some(text) => ConfirmationKey::new(&text)
                .map_err(|err| anyhow!("PASSERELLE_CONFIRMATION_KEY: {err}"))?,
            None => ConfirmationKey::in_dir(data_dir)?,
        };
        let ack_per_address_per_day =
            crate::ack_limit::parse_setting(lookup(crate::ack_limit::SETTING).as_deref())?;
        Ok(Config {
            auth: AuthSettings::from_lookup(&var, retention_days)?,
            notify_max_attempts: notify_max_attempts(var("PASSERELLE_NOTIFY_MAX_ATTEMPTS"))?,
            notice_answers: notice_answers(var("PASSERELLE_NOTICE_ANSWERS"))?,
            public_origin,
            acknowledgements: acknowledgements(var("PASSERELLE_ACKNOWLEDGEMENTS"))?,
            ses_configuration_set: ses_configuration_set(lookup(
                "PASSERELLE_SES_CONFIGURATION_SET",
            ))?,
            confirmation_key,
            ack_per_address_per_day,
            store,
            mail,
            mail_from,
            reply_to: site.program.email.parse().map_err(|err| {
                anyhow!(
                    "site.toml: [program] email `{}` is not an email address ({err}); \
                     acknowledgements are answered there",
                    site.program.email
                )
            })?,
            coordinators,
            site_origins,
            allow_host_origin: false,
            retention_days,
            done_retention_days,
        })
    }
}

/// `PASSERELLE_MAIL`, the SMTP credentials and `PASSERELLE_SMTP_CA_FILE` through `lookup`.
pub fn mail_config_from_lookup(
    data_dir: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<MailConfig> {
    let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let ca_file = var("PASSERELLE_SMTP_CA_FILE");
    // A CA file with no SMTP server to use it for is a mistake worth stopping for.
    let file = |dir: PathBuf| match &ca_file {
        Some(ca) => Err(anyhow!(
            "PASSERELLE_SMTP_CA_FILE={ca} is set but PASSERELLE_MAIL is not an smtp:// or \
             smtps:// URL: unset it, or name the SMTP server"
        )),
        None => Ok(MailConfig::File(dir)),
    };
    let Some(spec) = var("PASSERELLE_MAIL") else {
        return file(data_dir.join("outbox"));
    };
    match spec.split_once(':') {
        Some(("file", path)) if !path.is_empty() => return file(path.into()),
        Some(("smtp" | "smtps", _)) => {}
        _ => bail!(
            "PASSERELLE_MAIL=`{spec}` is not supported: write file:DIR, smtp://HOST:PORT or smtps://HOST:PORT"
        ),
    }
    let credentials = match (
        var("PASSERELLE_SMTP_SECRET_ID"),
        var("PASSERELLE_SMTP_USERNAME"),
        lookup("PASSERELLE_SMTP_PASSWORD"),
    ) {
        (Some(id), None, None) => SmtpCredentials::Secret(id),
        (None, Some(username), Some(password)) => SmtpCredentials::Plain { username, password },
        (None, None, None) => SmtpCredentials::None,
        (Some(_), _, _) => bail!(
            "set PASSERELLE_SMTP_SECRET_ID or PASSERELLE_SMTP_USERNAME and PASSERELLE_SMTP_PASSWORD, not both"
        ),
        _ => bail!(
            "PASSERELLE_SMTP_USERNAME and PASSERELLE_SMTP_PASSWORD go together: set both or neither"
        ),
    };
    let ca = ca_file
        .map(|file| SmtpCa::load(Path::new(&file)))
        .transpose()?;
    let mut url = smtp_url(&spec)?;
    if ca.is_some() {
        url = require_starttls(&url)?;
    }
    Ok(MailConfig::Smtp(SmtpConfig {
        url,
        credentials,
        ca,
    }))
}

/// An `smtp://` URL without `tls=` made STARTTLS-required (other URLs unchanged).
fn require_starttls(text: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(text)?;
    if url.scheme() == "smtp" && !url.query_pairs().any(|(k, _)| k == "tls") {
        url.query_pairs_mut().append_pair("tls", "required");
    }
    Ok(url.to_string())
}

/// `PASSERELLE_STORE` from the process environment.
pub fn store_from_env(data_dir: &Path) -> anyhow::Result<StoreConfig> {
    store_from_lookup(data_dir, &|name: &str| std::env::var(name).ok())
}

/// `PASSERELLE_STORE` through `lookup`.
pub fn store_from_lookup(
    data_dir: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<StoreConfig> {
    Ok(
        match lookup("PASSERELLE_STORE").filter(|v| !v.trim().is_empty()) {
            None => StoreConfig::Sqlite(data_dir.join("passerelle.sqlite3")),
            Some(spec) => match spec.split_once(':') {
                Some(("sqlite", path)) if !path.is_empty() => StoreConfig::Sqlite(path.into()),
                Some(("dynamodb", table)) if is_table_name(table) => StoreConfig::DynamoDb {
                    table: table.to_string(),
                },
                _ => bail!(
                    "PASSERELLE_STORE=`{spec}` is not supported: write sqlite:PATH or dynamodb:TABLE \
                     (a table name is 3 to 255 letters, digits, `_`, `-` or `.`)"
                ),
            },
        },
    )
}

/// DynamoDB's rule for table names.
fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn site() -> SiteConfig {
        toml::from_str(
            r#"base_url = "https://peer-support.example.ca"
time_zone = "America/Toronto"
quick_exit_url = "https://weather.gc.ca/"
[program]
name = { en = "Peer Support Program", fr = "Programme de soutien par les pairs" }
org_name = { en = "SMSRC", fr = "CSRIS" }
org_short_name = { en = "SMSRC", fr = "CSRIS" }
phone = "1-844-750-1648"
email = "program@example.ca"
"#,
        )
        .unwrap()
    }

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let mut vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // A key of its own, so nothing is written under /data.
        vars.entry("PASSERELLE_CONFIRMATION_KEY".into())
            .or_insert_with(|| "k".repeat(32));
        Config::from_lookup(Path::new("/data"), &site(), |name| vars.get(name).cloned())
    }

    #[test]
    fn a_configuration_set_is_a_name_ses_accepts() {
        assert_eq!(ses_configuration_set(None).unwrap(), None);
        assert_eq!(
            ses_configuration_set(Some("passerelle-production".into())).unwrap(),
            Some("passerelle-production".to_string())
        );
        for bad in ["", "two words", "a\nb", &"x".repeat(65)] {
            let err = ses_configuration_set(Some(bad.to_string())).unwrap_err();
            assert!(
                err.to_string().contains("PASSERELLE_SES_CONFIGURATION_SET"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_confirmation_key_is_the_variable_or_a_file_generated_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        Config::from_lookup(dir.path(), &site(), |_| None).unwrap();
        assert!(dir.path().join(crate::confirmation::KEY_FILE).is_file());
        let err = config(&[("PASSERELLE_CONFIRMATION_KEY", "short")]).unwrap_err();
        assert!(
            err.to_string().contains("PASSERELLE_CONFIRMATION_KEY"),
            "{err}"
        );
    }

    #[test]
    fn defaults_are_embedded() {
        let config = config(&[]).unwrap();
        assert_eq!(
            config.store,
            StoreConfig::Sqlite("/data/passerelle.sqlite3".into())
        );
        assert_eq!(config.mail, MailConfig::File("/data/outbox".into()));
        assert_eq!(config.coordinators, [DEFAULT_COORDINATORS]);
        assert_eq!(config.site_origins, ["https://peer-support.example.ca"]);
        assert_eq!(config.retention_days, 90);
        assert_eq!(config.reply_to.email.to_string(), "program@example.ca");
    }

    #[test]
    fn notification_attempts_and_acknowledgements_are_read_strictly() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.notify_max_attempts, DEFAULT_NOTIFY_MAX_ATTEMPTS);
        assert_eq!(defaults.acknowledgements, Acknowledgements::Send);
        let set = config(&[
            ("PASSERELLE_NOTIFY_MAX_ATTEMPTS", " 3 "),
            ("PASSERELLE_ACKNOWLEDGEMENTS", "coordinators"),
        ])
        .unwrap();
        assert_eq!(set.notify_max_attempts, 3);
        assert_eq!(set.acknowledgements, Acknowledgements::Coordinators);
        assert_eq!(
            config(&[("PASSERELLE_ACKNOWLEDGEMENTS", "send")])
                .unwrap()
                .acknowledgements,
            Acknowledgements::Send
        );
        for (name, bad) in [
            ("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "0"),
            ("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "101"),
            ("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "eight"),
            ("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "-1"),
            ("PASSERELLE_ACKNOWLEDGEMENTS", "coordinators-only"),
            ("PASSERELLE_ACKNOWLEDGEMENTS", "Send"),
            ("PASSERELLE_ACKNOWLEDGEMENTS", "none"),
        ] {
            let err = config(&[(name, bad)]).unwrap_err().to_string();
            assert!(
                err.contains(name) && err.contains(bad),
                "{name}={bad}: {err}"
            );
        }
    }

    #[test]
    fn notices_carry_no_answers_unless_include_is_written() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.notice_answers, NoticeAnswers::Omit);
        assert_eq!(defaults.public_origin, "https://peer-support.example.ca");
        let set = config(&[
            ("PASSERELLE_NOTICE_ANSWERS", "include"),
            (
                "PASSERELLE_SITE_ORIGIN",
                "https://peer-support.example.ca/, https://d111.cloudfront.net",
            ),
        ])
        .unwrap();
        assert_eq!(set.notice_answers, NoticeAnswers::Include);
        assert_eq!(set.public_origin, "https://peer-support.example.ca");
        for bad in ["yes", "Include", "true", "exclude", "answers"] {
            let err = config(&[("PASSERELLE_NOTICE_ANSWERS", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("PASSERELLE_NOTICE_ANSWERS") && err.contains(bad),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_program_email_that_is_no_address_stops_the_start() {
        // Acknowledgements would otherwise go out with no Reply-To, silently.
        let mut site = site();
        site.program.email = "program at example.ca".into();
        let key = "k".repeat(32);
        let err = Config::from_lookup(Path::new("/data"), &site, |name| {
            (name == "PASSERELLE_CONFIRMATION_KEY").then(|| key.clone())
        })
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("site.toml") && message.contains("[program] email"),
            "{message}"
        );
    }

    #[test]
    fn variables_override_defaults() {
        let config = config(&[
            ("PASSERELLE_STORE", "sqlite:/tmp/x.db"),
            ("PASSERELLE_MAIL", "file:/tmp/out"),
            ("PASSERELLE_COORDINATORS", "a@example.ca, b@example.ca"),
            (
                "PASSERELLE_SITE_ORIGIN",
                "https://a.example.ca/,http://127.0.0.1:8000",
            ),
            ("PASSERELLE_RETENTION_DAYS", "30"),
        ])
        .unwrap();
        assert_eq!(config.store, StoreConfig::Sqlite("/tmp/x.db".into()));
        assert_eq!(config.mail, MailConfig::File("/tmp/out".into()));
        assert_eq!(config.coordinators, ["a@example.ca", "b@example.ca"]);
        assert_eq!(
            config.site_origins,
            ["https://a.example.ca", "http://127.0.0.1:8000"]
        );
        assert_eq!(config.retention_days, 30);
    }

    #[test]
    fn production_backends_are_named_by_url() {
        let config = config(&[
            ("PASSERELLE_STORE", "dynamodb:passerelle-staging-Table-1X2Y"),
            (
                "PASSERELLE_MAIL",
                "smtp://email-smtp.ca-central-1.amazonaws.com:587",
            ),
            ("PASSERELLE_SMTP_SECRET_ID", "arn:aws:secretsmanager:x"),
        ])
        .unwrap();
        assert_eq!(
            config.store,
            StoreConfig::DynamoDb {
                table: "passerelle-staging-Table-1X2Y".into()
            }
        );
        let MailConfig::Smtp(smtp) = &config.mail else {
            panic!("{:?}", config.mail)
        };
        // A remote smtp:// URL is STARTTLS-required (SES on 587); a local one may be plain.
        assert_eq!(
            smtp.url,
            "smtp://email-smtp.ca-central-1.amazonaws.com:587?tls=required"
        );
        assert_eq!(
            smtp.credentials,
            SmtpCredentials::Secret("arn:aws:secretsmanager:x".into())
        );
        assert_eq!(
            smtp_url("smtp://127.0.0.1:2525").unwrap(),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            smtp_url("smtps://mail.example.ca").unwrap(),
            "smtps://mail.example.ca"
        );
    }

    #[test]
    fn smtp_passwords_are_never_printed() {
        let config = config(&[
            ("PASSERELLE_MAIL", "smtp://u:hunter2@mail.example.ca:587"),
            ("PASSERELLE_SMTP_USERNAME", "user"),
            ("PASSERELLE_SMTP_PASSWORD", "s3cret"),
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("mail.example.ca"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn unsupported_or_malformed_settings_are_errors() {
        for (name, value) in [
            ("PASSERELLE_STORE", "dynamodb:"),
            ("PASSERELLE_STORE", "dynamodb:no spaces"),
            ("PASSERELLE_STORE", "postgres://x"),
            ("PASSERELLE_MAIL", "smtp://mail.example.ca?tls=none"),
            ("PASSERELLE_MAIL", "ftp://x"),
            ("PASSERELLE_COORDINATORS", "not an address"),
            ("PASSERELLE_RETENTION_DAYS", "ninety"),
        ] {
            assert!(config(&[(name, value)]).is_err(), "{name}={value}");
        }
    }

    #[test]
    fn done_submissions_are_kept_thirty_days_unless_set_and_a_bad_value_names_the_setting() {
        let setting = "PASSERELLE_DONE_RETENTION_DAYS";
        assert_eq!(config(&[]).unwrap().done_retention_days, 30);
        assert_eq!(config(&[(setting, "7")]).unwrap().done_retention_days, 7);
        for bad in ["0", "thirty", "-1", "99999"] {
            let err = config(&[(setting, bad)]).unwrap_err();
            assert!(format!("{err:#}").contains(setting), "{bad}: {err:#}");
        }
    }

    #[test]
    fn the_acknowledgement_cap_is_three_unless_set_and_a_bad_value_stops_the_start() {
        let setting = "PASSERELLE_ACK_PER_ADDRESS_PER_DAY";
        assert_eq!(config(&[]).unwrap().ack_per_address_per_day, 3);
        assert_eq!(
            config(&[(setting, "5")]).unwrap().ack_per_address_per_day,
            5
        );
        let err = config(&[(setting, "lots")]).unwrap_err();
        assert!(format!("{err:#}").contains(setting), "{err:#}");
    }

    /// A throwaway authority's certificate, in PEM.
    fn ca_pem() -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn a_ca_file_is_trusted_and_makes_starttls_required_even_locally() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        // Two authorities in one file, as a bundle would have them.
        std::fs::write(&file, format!("{}{}", ca_pem(), ca_pem())).unwrap();
        let smtp_with_ca = |url: &str| {
            let config = config(&[
                ("PASSERELLE_MAIL", url),
                ("PASSERELLE_SMTP_CA_FILE", file.to_str().unwrap()),
            ])
            .unwrap();
            match config.mail {
                MailConfig::Smtp(smtp) => smtp,
                other => panic!("{other:?}"),
            }
        };
        let local = smtp_with_ca("smtp://localhost:2525");
        assert_eq!(local.url, "smtp://localhost:2525?tls=required");
        assert_eq!(local.ca.as_ref().expect("the CA file").path, file);
        let shown = format!("{local:?}");
        assert!(shown.contains("2 certificate(s)"), "{shown}");
        // smtps:// stays TLS from the start.
        let wrapped = smtp_with_ca("smtps://relay.example.ca:465");
        assert_eq!(wrapped.url, "smtps://relay.example.ca:465");
    }

    #[test]
    fn a_bad_ca_file_is_a_configuration_error_naming_the_variable_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_string()
        };
        let missing = dir.path().join("missing.pem").to_str().unwrap().to_string();
        let cases = [
            (missing, "cannot read it"),
            (dir.path().to_str().unwrap().to_string(), "cannot read it"),
            (write("empty.pem", ""), "holds no certificate"),
            (
                write(
                    "key.pem",
                    &rcgen::KeyPair::generate().unwrap().serialize_pem(),
                ),
                "holds no certificate",
            ),
            (
                write(
                    "broken.pem",
                    "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
                ),
                "is not a valid PEM file",
            ),
            (
                write(
                    "not-a-certificate.pem",
                    "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
                ),
                "cannot be used",
            ),
        ];
        for (file, expected) in cases {
            let err = config(&[
                ("PASSERELLE_MAIL", "smtp://relay.example.ca:587"),
                ("PASSERELLE_SMTP_CA_FILE", &file),
            ])
            .expect_err(&file);
            let message = format!("{err:#}");
            assert!(
                message.contains(&format!("PASSERELLE_SMTP_CA_FILE={file}"))
                    && message.contains(expected),
                "{file}: {message}"
            );
        }
        // A CA file with nothing to use it for.
        let err = config(&[("PASSERELLE_SMTP_CA_FILE", "/etc/ssl/ca.pem")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("PASSERELLE_MAIL is not an smtp://"),
            "{err}"
        );
    }
}
