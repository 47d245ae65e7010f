//! The handler's settings, from environment variables with embedded defaults.
//!
//! | Variable                    | Default                                     | Meaning |
//! |-----------------------------|---------------------------------------------|---------|
//! | `PASSERELLE_STORE`          | `sqlite:<data dir>/passerelle.sqlite3`      | where submissions are stored: `sqlite:PATH` or `dynamodb:TABLE` |
//! | `PASSERELLE_MAIL`           | `file:<data dir>/outbox`                    | how email is sent: `file:DIR` (`.eml` files), or an `smtp://` / `smtps://` URL |
//! | `PASSERELLE_SMTP_SECRET_ID` | none                                        | Secrets Manager secret holding `{"username","password"}` for SMTP |
//! | `PASSERELLE_SMTP_USERNAME`, `PASSERELLE_SMTP_PASSWORD` | none             | SMTP credentials (instead of the secret) |
//! | `PASSERELLE_MAIL_FROM`      | `Peer Support Program <no-reply@passerelle.localhost>` | the sender |
//! | `PASSERELLE_COORDINATORS`   | `coordinators@passerelle.localhost`         | comma-separated addresses notified of each submission |
//! | `PASSERELLE_SITE_ORIGIN`    | `base_url` of `site.toml`                   | comma-separated origins allowed to post |
//! | `PASSERELLE_RETENTION_DAYS` | `90`                                        | submissions older than this are deleted (DynamoDB: the TTL) |
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

use anyhow::{Context as _, anyhow, bail};
use lettre::message::Mailbox;
use model::SiteConfig;
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
    pub reply_to: Option<Mailbox>,
    pub coordinators: Vec<String>,
    /// Origins allowed to post (`https://peer-support.example.ca`).
    pub site_origins: Vec<String>,
    /// Also allow the origin named by the request's own `Host` (the local server, whatever its
    /// port).
    pub allow_host_origin: bool,
    pub retention_days: u32,
}

/// The default sender.
pub const DEFAULT_FROM: &str = "Peer Support Program <no-reply@passerelle.localhost>";
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
        let mail = match var("PASSERELLE_MAIL") {
            None => MailConfig::File(data_dir.join("outbox")),
            Some(spec) => match spec.split_once(':') {
                Some(("file", path)) if !path.is_empty() => MailConfig::File(path.into()),
                Some(("smtp" | "smtps", _)) => {
                    let credentials = match (
                        var("PASSERELLE_SMTP_SECRET_ID"),
                        var("PASSERELLE_SMTP_USERNAME"),
                        lookup("PASSERELLE_SMTP_PASSWORD"),
                    ) {
                        (Some(id), None, None) => SmtpCredentials::Secret(id),
                        (None, Some(username), Some(password)) => {
                            SmtpCredentials::Plain { username, password }
                        }
                        (None, None, None) => SmtpCredentials::None,
                        (Some(_), _, _) => bail!(
                            "set PASSERELLE_SMTP_SECRET_ID or PASSERELLE_SMTP_USERNAME and PASSERELLE_SMTP_PASSWORD, not both"
                        ),
                        _ => bail!(
                            "PASSERELLE_SMTP_USERNAME and PASSERELLE_SMTP_PASSWORD go together: set both or neither"
                        ),
                    };
                    MailConfig::Smtp(SmtpConfig {
                        url: smtp_url(&spec)?,
                        credentials,
                    })
                }
                _ => bail!(
                    "PASSERELLE_MAIL=`{spec}` is not supported: write file:DIR, smtp://HOST:PORT or smtps://HOST:PORT"
                ),
            },
        };
        let mail_from = var("PASSERELLE_MAIL_FROM")
            .unwrap_or_else(|| DEFAULT_FROM.to_string())
            .parse::<Mailbox>()
            .map_err(|err| anyhow!("PASSERELLE_MAIL_FROM is not an email address: {err}"))?;
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
        let site_origins = var("PASSERELLE_SITE_ORIGIN")
            .unwrap_or_else(|| site.base_url.clone())
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
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
        Ok(Config {
            store,
            mail,
            mail_from,
            reply_to: site.program.email.parse().ok(),
            coordinators,
            site_origins,
            allow_host_origin: false,
            retention_days,
        })
    }
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
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(Path::new("/data"), &site(), |name| vars.get(name).cloned())
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
        assert_eq!(
            config.reply_to.unwrap().email.to_string(),
            "program@example.ca"
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
}
