//! The `site` command: build, serve, check and scaffold the bilingual site.

use clap::{Parser, Subcommand};
use jiff::Zoned;
use jiff::tz::TimeZone;
use site::build::{self, Options};
use site::scaffold;
use site::serve::{self, ServeOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "site",
    version,
    about = "Build, serve and check a bilingual Passerelle site (its program: site.toml)"
)]
struct Cli {
    /// The site's folder (holding site.toml, content/, templates/, static/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into a folder (cleaned first).
    Build {
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Compute offering states at this moment instead of now: 2025-06-01T12:00 (site time
        /// zone), 2025-06-01, or 2025-06-01T12:00:00-04:00.
        #[arg(long)]
        now: Option<String>,
        /// Build for this public address instead of site.toml's base_url (deploy.sh passes
        /// the stack's): https://host, without a path or trailing slash.
        #[arg(long, value_parser = parse_base_url)]
        base_url: Option<String>,
    },
    /// Build, serve on 127.0.0.1 with working forms, rebuild and reload on every change.
    Serve {
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Where the served site is written (default: .passerelle/site under the root).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Compute offering states (pages and forms) at this moment; without it, each rebuild
        /// uses the time it runs.
        #[arg(long)]
        now: Option<String>,
    },
    /// Report every problem in the content, with file and line; write nothing.
    Check {
        #[arg(long)]
        now: Option<String>,
        /// `text` for people; `github` prints each problem as a GitHub Actions annotation
        /// (`::error file=...,line=...::...`), so a pull request shows it on the line.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Fail on warnings too (a translation that fell behind, plain-language advice).
        #[arg(long)]
        deny_warnings: bool,
        /// Also print each page's readability score (advice, never a failure).
        #[arg(long)]
        report: bool,
    },
    /// Record that a translation is up to date with its counterpart, after a translator's
    /// review: the page (or offering, or form) then warns in `site check` when the text it
    /// translates changes.
    Translated {
        /// The translated page, relative to the site's root, such as
        /// content/fr/activites/atelier.md, or a file holding both languages, such as
        /// content/offerings/workshop.toml.
        file: PathBuf,
    },
    /// Create the English and French files of a new page.
    New {
        #[arg(value_enum)]
        kind: scaffold::Kind,
        /// The page's English path under content/en/, such as activities/book-club.
        slug: String,
        /// The French page's name, such as club-de-lecture (default: the English name). Its
        /// folder is the French section that translates the English one.
        #[arg(long)]
        fr_slug: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root;
    match cli.command {
        Command::Build { out, now, base_url } => build_site(&root, &out, now, base_url),
        Command::Check {
            now,
            format,
            deny_warnings,
            report: readability,
        } => check(&root, now, format, deny_warnings, readability),
        Command::Serve { port, out, now } => serve_site(root, port, out, now),
        Command::Translated { file } => {
            println!("{}", site::translations::mark_translated(&root, &file)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            kind,
            slug,
            fr_slug,
        } => new_page(&root, kind, &slug, fr_slug.as_deref()),
    }
}

/// `site build`: every page into `out` (relative to the root unless absolute).
fn build_site(
    root: &Path,
    out: &Path,
    now: Option<String>,
    base_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    let options = Options {
        now: resolve_now(root, now.as_deref())?,
        live_reload: false,
        base_url,
    };
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        root.join(out)
    };
    match build::build(root, &out, &options) {
        Ok(report) => {
            for warning in &report.warnings.0 {
                eprintln!("{warning}");
            }
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("{err}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `site check`: every problem with file and line, nothing written; warnings fail only with
/// `--deny-warnings`; `--report` first prints readability per page.
fn check(
    root: &Path,
    now: Option<String>,
    format: ReportFormat,
    deny_warnings: bool,
    readability: bool,
) -> anyhow::Result<ExitCode> {
    if readability {
        let (library, _) = site::content::load(root).map_err(|d| anyhow::anyhow!("{d}"))?;
        println!("{}", site::plain_language::report(&library));
    }
    let options = Options {
        now: resolve_now(root, now.as_deref())?,
        live_reload: false,
        base_url: None,
    };
    match build::generate(root, &options) {
        Ok(output) => {
            report(format, &output.warnings);
            let pages: usize = output.pages_per_lang.values().sum();
            if deny_warnings && !output.warnings.is_empty() {
                eprintln!(
                    "{} warning(s) in {pages} pages, and --deny-warnings makes them fail",
                    output.warnings.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            if output.warnings.is_empty() {
                println!("No problems found in {pages} pages.");
            } else {
                println!("No errors found in {pages} pages.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            report(format, &diagnostics);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `site serve`: build, serve with working forms, rebuild and reload on every change.
fn serve_site(
    root: PathBuf,
    port: u16,
    out: Option<PathBuf>,
    now: Option<String>,
) -> anyhow::Result<ExitCode> {
    let now = match now {
        Some(text) => Some(resolve_now(&root, Some(&text))?),
        None => None,
    };
    let out = out.unwrap_or_else(|| root.join(".passerelle/site"));
    let options = ServeOptions {
        root: root.clone(),
        out: out.clone(),
        port,
        now: now.clone(),
        timeouts: serve::Timeouts::default(),
    };
    init_logging();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let api = site_api(&root, &out, now, port).await?;
        serve::serve(options, api).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `site new`: the English and French files of a new page, dated in the site's time zone.
fn new_page(
    root: &Path,
    kind: scaffold::Kind,
    slug: &str,
    fr_slug: Option<&str>,
) -> anyhow::Result<ExitCode> {
    // The site's date, as pages show it, not the machine's.
    let today = resolve_now(root, None)?
        .date()
        .strftime("%Y-%m-%d")
        .to_string();
    for path in scaffold::create(root, kind, slug, fr_slug, &today)? {
        println!("created {}", path.display());
    }
    println!("Replace every TODO, then run `site check`.");
    Ok(ExitCode::SUCCESS)
}

/// The form handler, mounted at /api/ on the same port as the pages.
/// The data folder (SQLite file, .eml outbox) is `<root>/.passerelle` unless
/// `PASSERELLE_DATA_DIR` names another.
#[cfg(feature = "forms")]
async fn site_api(
    root: &Path,
    out: &Path,
    now: Option<Zoned>,
    port: u16,
) -> anyhow::Result<axum::Router> {
    let mut options = handler::local::LocalOptions::new(root);
    options.site_dir = out.to_path_buf();
    // The coordinators' notices link to the workspace here, at the host name passkeys need.
    options.public_origin = Some(format!("http://localhost:{port}"));
    if let Some(dir) = std::env::var_os("PASSERELLE_DATA_DIR") {
        options.data_dir = dir.into();
    }
    options.now = now;
    handler::local::app(options).await
}

/// Without the `forms` feature, `serve` has no form handler.
#[cfg(not(feature = "forms"))]
async fn site_api(
    _root: &Path,
    _out: &Path,
    _now: Option<Zoned>,
    _port: u16,
) -> anyhow::Result<axum::Router> {
    Ok(axum::Router::new())
}

/// Logs for `serve` (the form handler's: reference, form, status, latency; never personal data).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// `--now` in the site's time zone, or the current moment.
fn resolve_now(root: &Path, now: Option<&str>) -> anyhow::Result<Zoned> {
    let config =
        model::SiteConfig::load(&root.join("site.toml")).map_err(|d| anyhow::anyhow!("{d}"))?;
    let tz = config.tz();
    parse_now(now, &tz)
}

fn parse_now(now: Option<&str>, tz: &TimeZone) -> anyhow::Result<Zoned> {
    match now {
        None => Ok(jiff::Timestamp::now().to_zoned(tz.clone())),
        Some(text) => {
            model::datetime::parse_moment(text, tz).map_err(|err| anyhow::anyhow!("--now {err}"))
        }
    }
}

/// How `site check` prints what it found.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Text,
    Github,
}

/// Prints `diagnostics` for a person (stderr), and with `github` also as annotations (stdout).
fn report(format: ReportFormat, diagnostics: &model::Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    if format == ReportFormat::Github {
        for diagnostic in &diagnostics.0 {
            println!("{}", diagnostic.github_annotation());
        }
    }
    eprintln!("{diagnostics}");
}

/// `--base-url`: an https origin (host and optional port), nothing after it.
fn parse_base_url(text: &str) -> Result<String, String> {
    let text = text.trim_end_matches('/');
    let host = text
        .strip_prefix("https://")
        .ok_or_else(|| format!("{text:?} must start with https://"))?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} must be https:// followed by a host name only, such as https://soutien.example.ca"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_base_url;

    #[test]
    fn a_base_url_is_an_https_origin_without_a_trailing_slash() {
        assert_eq!(
            parse_base_url("https://soutien.example.ca/").unwrap(),
            "https://soutien.example.ca"
        );
        assert_eq!(
            parse_base_url("https://d111.cloudfront.net").unwrap(),
            "https://d111.cloudfront.net"
        );
        for bad in [
            "http://soutien.example.ca",
            "https://",
            "https://soutien.example.ca/fr",
            "https://a b",
            "soutien.example.ca",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad} was accepted");
        }
    }
}
