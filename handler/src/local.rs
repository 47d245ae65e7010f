//! Running the handler on this machine: the embedded SQLite store and the `.eml` outbox by
//! default, both created on first run under the data folder, or the backends that
//! `PASSERELLE_STORE` and `PASSERELLE_MAIL` name (see [`crate::config`]). `site serve` calls
//! [`app`] and merges the router with its static files, on one port; the Lambda builds its state
//! here too.

use crate::config::{Config, MailConfig, StoreConfig};
use crate::content::{ContentSource, SitePages};
use crate::delivery::Delivery;
use crate::delivery::mail::{FileMailer, Mailer};
use crate::delivery::notifier;
use crate::delivery::smtp::SmtpMailer;
use crate::routes::router;
use crate::state::AppState;
use crate::store::Store;
use crate::store::dynamodb::DynamoStore;
use crate::store::sqlite::SqliteStore;
use anyhow::{Context as _, anyhow};
use jiff::Zoned;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the local handler finds the site and keeps its data.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// The site's folder: `site.toml`, `content/`, `templates/`.
    pub root: PathBuf,
    /// The built site (`dist/`), whose pages hold the forms.
    pub site_dir: PathBuf,
    /// The embedded data: the SQLite file and `outbox/` (default `<root>/.passerelle`).
    pub data_dir: PathBuf,
    /// A fixed clock for previews and tests: decides which cohorts are open.
    pub now: Option<Zoned>,
    /// The address this server is used at (`site serve`, `handler serve`:
    /// `http://localhost:PORT`, the host name passkeys need), which the coordinators' notice
    /// links to; `None` (the Lambda, the commands): the site's public address
    /// ([`Config::public_origin`]).
    pub public_origin: Option<String>,
}

impl LocalOptions {
    /// The defaults for a site in `root`: `<root>/dist` and `<root>/.passerelle`, real time.
    pub fn new(root: impl Into<PathBuf>) -> LocalOptions {
        let root = root.into();
        LocalOptions {
            site_dir: root.join("dist"),
            data_dir: root.join(".passerelle"),
            root,
            now: None,
            public_origin: None,
        }
    }
}

/// The router for everything under `/api/`, with its state, and the notifier running as a
/// tokio task (must be called inside a tokio runtime).
pub async fn app(options: LocalOptions) -> anyhow::Result<axum::Router> {
    let state = state(&options, true)?;
    notifier::spawn(state.delivery().clone());
    if let Some(origin) = &options.public_origin {
        // For `handler invite`, whose links must lead here (the port this server uses).
        let file = options.data_dir.join(SERVED_AT);
        std::fs::write(&file, origin).with_context(|| format!("writing {}", file.display()))?;
    }
    let config = state.config();
    tracing::info!(
        store = %describe_store(&config.store),
        mail = %describe_mail(&config.mail),
        "form handler ready"
    );
    Ok(router(state))
}

/// The file in the data folder where a local server (`site serve`, `handler serve`) writes
/// the address it is used at, for `handler invite`.
pub const SERVED_AT: &str = "served-at";

/// Where `handler invite`'s link leads: `given` (`--origin`); else, with the local outbox,
/// the address the local server of this data folder was last started at (its [`SERVED_AT`]
/// file); else `public_origin` ([`Config::public_origin`]). With the outbox and neither, an
/// error that says what to give.
pub fn invitation_origin(
    given: Option<String>,
    outbox: bool,
    data_dir: &Path,
    public_origin: &str,
) -> anyhow::Result<String> {
    if let Some(origin) = given {
        return Ok(origin);
    }
    if outbox {
        let served = std::fs::read_to_string(data_dir.join(SERVED_AT)).ok();
        return served
            .map(|origin| origin.trim().to_string())
            .filter(|origin| !origin.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no local server has run with the data folder {}: start `site serve` \
                     first, or give --origin http://localhost:PORT (the address the workspace \
                     is used at)",
                    data_dir.display()
                )
            });
    }
    Ok(public_origin.to_string())
}

/// The handler's state for `options`, without the notifier. `local` also allows posts whose
/// origin is the request's own host (the local server, whatever its port).
pub fn state(options: &LocalOptions, local: bool) -> anyhow::Result<AppState> {
    state_with(options, local, |name| std::env::var(name).ok())
}

/// [`state`] with the settings read through `lookup` (the Lambda adds the secrets it read).
pub fn state_with(
    options: &LocalOptions,
    local: bool,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<AppState> {
    let content = ContentSource::load(&options.root)
        .with_context(|| format!("loading the site in {}", options.root.display()))?;
    let mut config = Config::from_lookup(&options.data_dir, &content.get().site, lookup)?;
    config.allow_host_origin = local;
    served_at(&mut config, options);
    // Passkeys are bound to the site's host name: a wrong one stops the start, not a sign-in.
    crate::auth::passkey::check_relying_party(&config)?;
    let store = open_store_for(&config)?;
    let mailer = open_mailer(&config.mail)?;
    assemble(
        content,
        SitePages::new(&options.site_dir),
        store,
        mailer,
        config,
        options.now.clone(),
    )
}

/// What the notifier needs, and nothing of the router's: the content (for the emails' words),
/// the settings, the store and the mailer, with the settings read through `lookup`. The
/// notifier's Lambda starts from this; it needs neither the built pages nor the
/// confirmation-link key.
pub fn delivery_with(
    options: &LocalOptions,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Delivery> {
    let content = ContentSource::load(&options.root)
        .with_context(|| format!("loading the site in {}", options.root.display()))?;
    let mut config = Config::from_lookup(&options.data_dir, &content.get().site, lookup)?;
    served_at(&mut config, options);
    let store = open_store_for(&config)?;
    let mailer = open_mailer(&config.mail)?;
    Ok(Delivery::new(Arc::new(content), store, mailer, config))
}

/// A local server's own address replaces the public one in the notices' links.
fn served_at(config: &mut Config, options: &LocalOptions) {
    if let Some(origin) = &options.public_origin {
        config.public_origin = origin.trim_end_matches('/').to_string();
    }
}

/// The router's state and the notifier's, from the same pieces: the delivery shares the
/// content, the store and the settings, and the router's state holds it to wake it. `now`
/// fixes the clock of the offerings' states (previews and tests).
pub fn assemble(
    content: ContentSource,
    pages: SitePages,
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    config: Config,
    now: Option<Zoned>,
) -> anyhow::Result<AppState> {
    let content = Arc::new(content);
    let delivery = Delivery::new(
        Arc::clone(&content),
        Arc::clone(&store),
        mailer,
        config.clone(),
    )
    .with_offerings_now(now.as_ref().map(Zoned::timestamp));
    Ok(AppState::new(content, pages, store, config, now, delivery))
}

/// The store a configuration names (DynamoDB items expire after its retention period).
pub fn open_store_for(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match &config.store {
        StoreConfig::DynamoDb { table } => Ok(Arc::new(
            DynamoStore::from_env(table, config.retention_days)
                .with_activity_retention_days(config.auth.activity_retention_days),
        )),
        StoreConfig::Sqlite(path) => Ok(Arc::new(
            SqliteStore::open(path)
                .with_context(|| format!("opening {}", path.display()))?
                .with_activity_retention_days(config.auth.activity_retention_days),
        )),
    }
}

/// The store a configuration names. A DynamoDB store opened here keeps items for the default
/// 90 days; [`open_store_for`] applies `PASSERELLE_RETENTION_DAYS`.
pub fn open_store(config: &StoreConfig) -> anyhow::Result<Arc<dyn Store>> {
    match config {
        StoreConfig::Sqlite(path) => Ok(Arc::new(
            SqliteStore::open(path).with_context(|| format!("opening {}", path.display()))?,
        )),
        StoreConfig::DynamoDb { table } => Ok(Arc::new(DynamoStore::from_env(table, 90))),
    }
}

/// The mailer a configuration names.
pub fn open_mailer(config: &MailConfig) -> anyhow::Result<Arc<dyn Mailer>> {
    match config {
        MailConfig::File(dir) => Ok(Arc::new(
            FileMailer::new(dir).with_context(|| format!("creating {}", dir.display()))?,
        )),
        MailConfig::Smtp(smtp) => Ok(Arc::new(SmtpMailer::new(smtp.clone()))),
    }
}

/// The store, for a log line ("SQLite .passerelle/passerelle.sqlite3", "DynamoDB table T").
pub fn describe_store(store: &StoreConfig) -> String {
    match store {
        StoreConfig::Sqlite(path) => format!("SQLite {}", path.display()),
        StoreConfig::DynamoDb { table } => format!("DynamoDB table {table}"),
    }
}

/// The mail transport, for a log line (never a password).
pub fn describe_mail(mail: &MailConfig) -> String {
    match mail {
        MailConfig::File(dir) => format!(".eml files in {}", dir.display()),
        MailConfig::Smtp(smtp) => {
            let url = url::Url::parse(&smtp.url).ok();
            let host = url
                .as_ref()
                .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
                .unwrap_or_else(|| "?".into());
            match &smtp.ca {
                Some(ca) => format!("SMTP {host} (also trusting {})", ca.path.display()),
                None => format!("SMTP {host}"),
            }
        }
    }
}

/// Reads `--now`: a full zoned time (`2025-06-01T12:00-04:00[America/Toronto]`), a local
/// date-time in the site's zone (`2025-06-01T12:00`), or a date (its start).
pub fn parse_now(text: &str, tz: &TimeZone) -> anyhow::Result<Zoned> {
    model::datetime::parse_moment(text, tz).map_err(|err| anyhow!(err))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invitation_leads_to_where_the_local_server_runs_or_asks_for_origin() {
        use super::{SERVED_AT, invitation_origin};
        let dir = tempfile::tempdir().unwrap();
        let site = "https://peer-support.example.ca";
        let missing = invitation_origin(None, true, dir.path(), site).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("--origin http://localhost:PORT")
        );
        std::fs::write(dir.path().join(SERVED_AT), "http://localhost:4242").unwrap();
        let served = invitation_origin(None, true, dir.path(), site).unwrap();
        assert_eq!(served, "http://localhost:4242");
        let given = Some("http://localhost:9".to_string());
        assert_eq!(
            invitation_origin(given, true, dir.path(), site).unwrap(),
            "http://localhost:9"
        );
        let smtp = invitation_origin(None, false, dir.path(), site).unwrap();
        assert_eq!(smtp, "https://peer-support.example.ca");
    }

    use super::*;

    #[test]
    fn now_accepts_local_times_dates_and_zoned_times() {
        let tz = TimeZone::get("America/Toronto").unwrap();
        let local = parse_now("2025-06-01T12:00", &tz).unwrap();
        assert_eq!(local.offset().seconds(), -4 * 3600);
        assert_eq!(parse_now("2025-06-01", &tz).unwrap().hour(), 0);
        assert!(parse_now("2025-06-01T12:00-04:00[America/Toronto]", &tz).is_ok());
        assert!(parse_now("tomorrow", &tz).is_err());
    }
}
