//! The `handler` binary: a local server, or an AWS Lambda when `AWS_LAMBDA_RUNTIME_API` is set.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use handler::local::{self, LocalOptions};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Passerelle's form handler.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve /api/ on 127.0.0.1 (the site's pages are served by `site serve`).
    Serve {
        /// The site's folder (site.toml, content/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The built site (default: <root>/dist).
        #[arg(long)]
        site_dir: Option<PathBuf>,
        /// Where the SQLite file and the outbox live (default: <root>/.passerelle).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long, default_value_t = 8081)]
        port: u16,
        /// A fixed clock, as 2025-06-01T12:00 in the site's time zone (previews, tests).
        #[arg(long)]
        now: Option<String>,
    },
    /// Send the notifications that are due, once, and exit.
    Notify {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print one form's stored submissions as JSON lines (for coordinators; holds personal
    /// information: keep the output safe).
    Export {
        /// The form's id: intake, registration, feedback.
        #[arg(long)]
        form: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn options(root: PathBuf, site_dir: Option<PathBuf>, data_dir: Option<PathBuf>) -> LocalOptions {
    let mut options = LocalOptions::new(root);
    if let Some(dir) = site_dir {
        options.site_dir = dir;
    }
    if let Some(dir) = data_dir {
        options.data_dir = dir;
    }
    options
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .without_time()
            .init();
        return run_lambda().await;
    }
    tracing_subscriber::fmt().with_env_filter(filter).init();
    match Cli::parse().command {
        Command::Serve {
            root,
            site_dir,
            data_dir,
            port,
            now,
        } => {
            let mut options = options(root, site_dir, data_dir);
            if let Some(text) = now {
                let config = model::SiteConfig::load(&options.root.join("site.toml"))
                    .map_err(|d| anyhow::anyhow!("{d}"))?;
                let tz = config.tz().map_err(anyhow::Error::msg)?;
                options.now = Some(local::parse_now(&text, &tz)?);
            }
            let app = local::app(options).await?;
            let address = SocketAddr::from(([127, 0, 0, 1], port));
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("binding {address}"))?;
            tracing::info!("form handler on http://{address}/api/");
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            Ok(())
        }
        Command::Notify { root, data_dir } => {
            let state = local::state(&options(root, None, data_dir), false)?;
            let sent = handler::notifier::drain(&state).await?;
            println!("{sent} notification(s) sent");
            Ok(())
        }
        Command::Export {
            form,
            root,
            data_dir,
        } => {
            let state = local::state(&options(root, None, data_dir), false)?;
            for stored in state.store().list(&form).await? {
                let line = serde_json::json!({
                    "reference": stored.reference,
                    "status": stored.status,
                    "received_at": stored.received_at.to_string(),
                    "lang": stored.submission.lang,
                    "answers": stored.submission.answers,
                });
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// The Lambda: the same router, the site's files deployed beside the binary.
/// `PASSERELLE_ROOT` (default `.`) holds site.toml and content/; `PASSERELLE_SITE_DIR`
/// (default `<root>/dist`) the built pages; the embedded store defaults to /tmp until the
/// production backends arrive. No background notifier runs between invocations: a scheduled
/// invocation of `handler notify` (or its production successor) sends the outbox.
async fn run_lambda() -> anyhow::Result<()> {
    let root = PathBuf::from(std::env::var("PASSERELLE_ROOT").unwrap_or_else(|_| ".".into()));
    let site_dir = std::env::var_os("PASSERELLE_SITE_DIR").map(PathBuf::from);
    let options = options(root, site_dir, Some(PathBuf::from("/tmp/passerelle")));
    let state = local::state(&options, false)?;
    lambda_http::run(handler::router(state))
        .await
        .map_err(|err| anyhow::anyhow!("the Lambda runtime stopped: {err}"))
}
