//! The `handler` binary: a local server and coordinators' commands, or an AWS Lambda when
//! `AWS_LAMBDA_RUNTIME_API` is set (`PASSERELLE_LAMBDA_ENTRY` = `api` or `notifier`).

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
    /// List the notifications the notifier gave up on (refused by the mail server, or out of
    /// attempts: PASSERELLE_NOTIFY_MAX_ATTEMPTS), from the configured store; with --retry, put
    /// them back in the queue, due at once, once the cause is fixed (the SMTP credentials).
    Failed {
        /// Requeue every one listed.
        #[arg(long)]
        retry: bool,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Write one form's stored submissions as CSV to standard output, from the configured
    /// store (the output holds personal information: keep it safe, delete it when done).
    Export {
        /// The form's id: intake, registration, feedback.
        #[arg(long)]
        form: String,
        /// Only the registrations for this offering (its file name: coffee-chat).
        #[arg(long)]
        offering: Option<String>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Create the DynamoDB table named by PASSERELLE_STORE=dynamodb:TABLE (or --table) with
    /// the production key design, on the configured endpoint (a local server, a first run;
    /// CloudFormation creates it in production).
    CreateTable {
        #[arg(long)]
        table: Option<String>,
        /// Leave out the stream (it only feeds the notifier Lambda): for local benchmarks, as
        /// moto copies every stream record with the table on each transaction.
        #[arg(long)]
        without_stream: bool,
    },
    /// Email EMAIL (an address on PASSERELLE_COORDINATORS) an invitation to the coordinators'
    /// workspace: a link to set up a passkey, single-use, valid 24 hours. With the local
    /// outbox (file:), the message lands there and the link is printed too.
    Invite {
        email: String,
        /// Where the link leads: the site's public origin (PASSERELLE_SITE_ORIGIN) by default;
        /// with the local outbox, the address `site serve` (or `handler serve`) last ran at
        /// with this data folder, or an error asking for --origin.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Delete the submissions older than PASSERELLE_RETENTION_DAYS (90), and those marked done
    /// more than PASSERELLE_DONE_RETENTION_DAYS (30) ago, from the configured store. DynamoDB's TTL does this on its own; the embedded store relies on this command
    /// (and on the local server's hourly pass).
    Purge {
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
        return handler::lambda::run(handler::lambda::Entry::from_env()?).await;
    }
    tracing_subscriber::fmt().with_env_filter(filter).init();
    match Cli::parse().command {
        Command::Serve {
            root,
            site_dir,
            data_dir,
            port,
            now,
        } => serve(options(root, site_dir, data_dir), port, now).await,
        Command::Notify { root, data_dir } => notify(options(root, None, data_dir)).await,
        Command::Failed {
            retry,
            root,
            data_dir,
        } => failed(options(root, None, data_dir), retry).await,
        Command::Export {
            form,
            offering,
            root,
            data_dir,
        } => export(options(root, None, data_dir), &form, offering.as_deref()).await,
        Command::CreateTable {
            table,
            without_stream,
        } => create_table(table, without_stream).await,
        Command::Purge { root, data_dir } => purge(options(root, None, data_dir)).await,
        Command::Invite {
            email,
            origin,
            root,
            data_dir,
        } => invite(options(root, None, data_dir), &email, origin).await,
    }
}

/// `handler serve`: /api/ on 127.0.0.1 until Ctrl-C.
async fn serve(mut options: LocalOptions, port: u16, now: Option<String>) -> anyhow::Result<()> {
    if let Some(text) = now {
        let config = model::SiteConfig::load(&options.root.join("site.toml"))
            .map_err(|d| anyhow::anyhow!("{d}"))?;
        let tz = config.tz();
        options.now = Some(local::parse_now(&text, &tz)?);
    }
    // The notices link to the workspace here, at the host name passkeys need.
    options.public_origin = Some(format!("http://localhost:{port}"));
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

/// `handler notify`: gives free places to the people waiting, sends what is due, once, and
/// logs the backlog's age.
async fn notify(options: LocalOptions) -> anyhow::Result<()> {
    let state = local::state(&options, false)?;
    let delivery = state.delivery();
    handler::delivery::notifier::fill_waiting_lists(delivery, delivery.now()).await?;
    let sent = handler::delivery::notifier::drain(state.delivery()).await?;
    handler::delivery::notifier::report_backlog(state.delivery(), jiff::Timestamp::now()).await?;
    println!("{sent} notification(s) sent");
    Ok(())
}

/// `handler failed [--retry]`: lists the notifications given up on, or requeues them.
async fn failed(options: LocalOptions, retry: bool) -> anyhow::Result<()> {
    let state = local::state(&options, false)?;
    let listed = if retry {
        handler::delivery::notifier::requeue_failed(state.delivery(), jiff::Timestamp::now())
            .await?
    } else {
        state.store().failed_notifications().await?
    };
    for failed in &listed {
        println!(
            "{} {} attempts={} {}",
            failed.id,
            failed.kind.as_str(),
            failed.attempts,
            failed.reason
        );
    }
    let done = if retry { "requeued" } else { "given up on" };
    eprintln!("{} notification(s) {done}", listed.len());
    Ok(())
}

/// `handler export`: one form's submissions as CSV on standard output.
async fn export(options: LocalOptions, form: &str, offering: Option<&str>) -> anyhow::Result<()> {
    let state = local::state(&options, false)?;
    let content = state.content();
    let def = content.form(form).ok_or_else(|| {
        let known: Vec<&str> = content.forms.iter().map(|f| f.id.as_str()).collect();
        anyhow::anyhow!(
            "there is no form `{form}`: write one of {}",
            known.join(", ")
        )
    })?;
    let submissions = state.store().list(form).await?;
    let rows = handler::export::write_csv(
        std::io::stdout().lock(),
        def,
        &submissions,
        offering,
        &content.tz,
    )?;
    eprintln!("{rows} submission(s) exported");
    Ok(())
}

/// `handler create-table`: the DynamoDB table with the production key design.
async fn create_table(table: Option<String>, without_stream: bool) -> anyhow::Result<()> {
    let table = match table {
        Some(table) => table,
        None => match handler::config::store_from_env(&PathBuf::from(".passerelle"))? {
            handler::config::StoreConfig::DynamoDb { table } => table,
            _ => anyhow::bail!("name the table: --table NAME, or PASSERELLE_STORE=dynamodb:NAME"),
        },
    };
    let store = handler::store::dynamodb::DynamoStore::from_env(&table, 90);
    if store.create_table_with(!without_stream).await? {
        let stream = if without_stream {
            "no stream"
        } else {
            "stream"
        };
        println!("created table {table} (keys pk/sk, index gsi1, {stream}, TTL on expires_at)");
    } else {
        println!("table {table} already exists; nothing changed");
    }
    Ok(())
}

/// `handler purge`: deletes the submissions past retention.
async fn purge(options: LocalOptions) -> anyhow::Result<()> {
    let state = local::state(&options, false)?;
    let days = state.config().retention_days;
    let before = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let deleted = state.store().purge(before).await?;
    println!("{deleted} submission(s) older than {days} days deleted");
    let done = state.store().purge_done(jiff::Timestamp::now()).await?;
    let done_days = state.config().done_retention_days;
    println!("{done} submission(s) marked done more than {done_days} days ago deleted");
    Ok(())
}

/// `handler invite EMAIL`: the first invitation (then coordinators invite each other).
async fn invite(options: LocalOptions, email: &str, origin: Option<String>) -> anyhow::Result<()> {
    let state = local::state(&options, false)?;
    let config = state.config();
    let outbox = match &config.mail {
        handler::config::MailConfig::File(dir) => Some(dir.clone()),
        handler::config::MailConfig::Smtp(_) => None,
    };
    let origin = local::invitation_origin(
        origin,
        outbox.is_some(),
        &options.data_dir,
        &config.public_origin,
    )?;
    let invited = handler::auth::invitation::invite(&state, email, &origin, "operator").await?;
    match outbox {
        Some(dir) => {
            println!(
                "Invitation for {} written to the outbox {}",
                invited.to,
                dir.display()
            );
            println!("Link (single-use, 24 hours): {}", invited.link);
        }
        None => println!(
            "Invitation emailed to {} ({})",
            invited.to,
            local::describe_mail(&config.mail)
        ),
    }
    Ok(())
}
