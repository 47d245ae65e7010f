//! The handler's settings, from environment variables with embedded defaults.
//!
//! | Variable                    | Default                                     | Meaning |
//! |-----------------------------|---------------------------------------------|---------|
//! | `PASSERELLE_STORE`          | `sqlite:<data dir>/passerelle.sqlite3`      | where submissions are stored |
//! | `PASSERELLE_MAIL`           | `file:<data dir>/outbox`                    | how email is sent (`file:DIR` writes `.eml` files) |
//! | `PASSERELLE_MAIL_FROM`      | `Peer Support Program <no-reply@passerelle.localhost>` | the sender |
//! | `PASSERELLE_COORDINATORS`   | `coordinators@passerelle.localhost`         | comma-separated addresses notified of each submission |
//! | `PASSERELLE_SITE_ORIGIN`    | `base_url` of `site.toml`                   | comma-separated origins allowed to post |
//! | `PASSERELLE_RETENTION_DAYS` | `90`                                        | submissions older than this are deleted |
//!
//! The data dir is `<root>/.passerelle` for `handler serve` and `site serve`. Production
//! backends (`dynamodb:TABLE`, `smtp://...`) come with a later issue; naming one today is an
//! error rather than a silent fallback.

use anyhow::{Context as _, anyhow, bail};
use lettre::message::Mailbox;
use model::SiteConfig;
use std::path::{Path, PathBuf};

/// Where submissions are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
}

/// How email is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailConfig {
    /// Each message written as an `.eml` file in this folder.
    File(PathBuf),
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
        let store = match var("PASSERELLE_STORE") {
            None => StoreConfig::Sqlite(data_dir.join("passerelle.sqlite3")),
            Some(spec) => match spec.split_once(':') {
                Some(("sqlite", path)) if !path.is_empty() => StoreConfig::Sqlite(path.into()),
                _ => bail!(
                    "PASSERELLE_STORE=`{spec}` is not supported: write sqlite:PATH (production stores come later)"
                ),
            },
        };
        let mail = match var("PASSERELLE_MAIL") {
            None => MailConfig::File(data_dir.join("outbox")),
            Some(spec) => match spec.split_once(':') {
                Some(("file", path)) if !path.is_empty() => MailConfig::File(path.into()),
                _ => bail!(
                    "PASSERELLE_MAIL=`{spec}` is not supported: write file:DIR (SMTP comes later)"
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
    fn unsupported_or_malformed_settings_are_errors() {
        for (name, value) in [
            ("PASSERELLE_STORE", "dynamodb:table"),
            ("PASSERELLE_MAIL", "smtp://x"),
            ("PASSERELLE_COORDINATORS", "not an address"),
            ("PASSERELLE_RETENTION_DAYS", "ninety"),
        ] {
            assert!(config(&[(name, value)]).is_err(), "{name}={value}");
        }
    }
}
