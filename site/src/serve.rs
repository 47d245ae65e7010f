//! `site serve`: build, serve on 127.0.0.1, rebuild on change, reload the browser. A build
//! error replaces every page with the error (so the editor sees it where they look) and the
//! server keeps running; the next good build brings the site back.

use crate::build::{self, LIVE_RELOAD_SCRIPT, Options};
use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use jiff::Zoned;
use model::Diagnostics;
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tower_http::services::ServeDir;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// What `serve` needs to know.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub out: PathBuf,
    pub port: u16,
    /// The moment offering states are computed for, fixed with `--now` (the handler then uses
    /// the same clock). Without it every rebuild uses the time it runs, as the handler does.
    pub now: Option<Zoned>,
    pub timeouts: Timeouts,
}

/// How long the local server waits on a client before it gives up on it.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To receive a request's head; also how long an idle kept-alive connection stays open
    /// (the timer starts as soon as the server waits for the next request).
    pub header: Duration,
    /// To receive a request's body and answer it (408 Request Timeout after).
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(10),
            body: Duration::from_secs(30),
        }
    }
}

/// The security headers production sends besides the CSP (infra/template.yaml,
/// `SecurityHeadersPolicy`; a test keeps the two equal), so pages behave here as they will there.
/// HSTS is left out: the local server is plain HTTP.
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), \
         fullscreen=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), \
         midi=(), payment=(), serial=(), usb=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Shared between the watcher and the web server.
#[derive(Clone)]
struct Shared {
    /// The last build's error, shown instead of pages until the next good build.
    error: Arc<RwLock<Option<String>>>,
    /// The last good build's warnings as text ("" when none), shown over every page.
    warnings: Arc<RwLock<String>>,
    reload: broadcast::Sender<()>,
    csp: HeaderValue,
    /// The `Host` values this server answers to: 127.0.0.1, localhost and [::1] with its port.
    /// Any other name reaching it is DNS rebinding (a site whose name resolves to 127.0.0.1).
    hosts: Arc<[String]>,
    /// Where the built site is, for the 404 pages.
    out: PathBuf,
    /// What the last build wrote, so the next one rewrites only what changed.
    written: Arc<std::sync::Mutex<HashMap<PathBuf, Vec<u8>>>>,
}

/// Builds, serves on 127.0.0.1:`options.port`, watches. Returns on Ctrl+C or a fatal error.
pub async fn serve(options: ServeOptions, api: Router) -> anyhow::Result<()> {
    let address = SocketAddr::from(([127, 0, 0, 1], options.port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {address}: {err}"))?;
    let port = listener.local_addr()?.port();
    println!("Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)");
    // Passkeys need a host name, not an address: the workspace is used at localhost.
    println!("Coordinators' workspace: http://localhost:{port}/coordination/en/sign-in");
    serve_on(listener, options, api, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Builds, serves on `listener`, rebuilds on change, until `shutdown` completes. Stops before
/// serving anything if `infra/csp.txt` cannot be read: pages are never served without it.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    api: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (reload, _) = broadcast::channel(16);
    let port = listener.local_addr()?.port();
    let shared = Shared {
        error: Arc::new(RwLock::new(None)),
        warnings: Arc::default(),
        reload,
        csp: read_csp(&options.root)?,
        hosts: ["127.0.0.1", "localhost", "[::1]"]
            .map(|host| format!("{host}:{port}"))
            .into(),
        out: options.out.clone(),
        written: Arc::default(),
    };
    // Start from an empty folder: files left from another site must not be served.
    if options.out.exists() {
        std::fs::remove_dir_all(&options.out)?;
    }
    rebuild(&options, &shared);
    let watcher = watch_and_rebuild(&options, &shared)?;
    let app = app(&options, api, shared);
    // Live-reload connections never end by themselves: after the shutdown signal, give open
    // requests a moment, then stop regardless.
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    accept(listener, app, options.timeouts, stop_rx).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(watcher);
    Ok(())
}

/// Rebuilds whenever the content, templates, static files or site.toml change.
fn watch_and_rebuild(
    options: &ServeOptions,
    shared: &Shared,
) -> anyhow::Result<notify::RecommendedWatcher> {
    let watcher_options = options.clone();
    let watcher_shared = shared.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Reading files during a build raises access events: only changes may trigger a rebuild,
    // or every build would trigger the next.
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            let _ = tx.send(());
        }
    })?;
    for watched in ["content", "templates", "static", "site.toml"] {
        let path = options.root.join(watched);
        if path.exists() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Editors save in several steps (write, rename, chmod): wait for the burst to end.
            tokio::time::sleep(Duration::from_millis(20)).await;
            while rx.try_recv().is_ok() {}
            let options = watcher_options.clone();
            let shared = watcher_shared.clone();
            let _ = tokio::task::spawn_blocking(move || rebuild(&options, &shared)).await;
        }
    });
    Ok(watcher)
}

/// The pages, live reload and the form handler, behind the host check and the headers.
fn app(options: &ServeOptions, api: Router, shared: Shared) -> Router {
    Router::new()
        .route(LIVE_RELOAD_SCRIPT, get(live_reload_script))
        .route("/_passerelle/events", get(events))
        .route(WARNINGS_PATH, get(warnings))
        .with_state(shared.clone())
        .merge(api)
        .fallback_service(
            ServeDir::new(&options.out)
                .append_index_html_on_directories(true)
                .not_found_service(not_found_service(options.out.clone())),
        )
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            no_scheme_relative_redirects,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            show_build_error,
        ))
        .layer(RequestBodyTimeoutLayer::new(options.timeouts.body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.timeouts.body,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            served_hosts_only,
        ))
        .layer(middleware::from_fn_with_state(shared, security_headers))
}

/// Serves HTTP/1.1 connections until `stop` turns true. Unlike `axum::serve`, it bounds how
/// long a client may take to send a request's head (and how long it may stay idle between
/// requests), so a slow or stalled client cannot hold connections open.
async fn accept(
    listener: tokio::net::TcpListener,
    app: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Some(timeouts.header));
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait, the condition may pass.
                    tracing::warn!("cannot accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
}

/// The options of one build: `--now`, or the moment the build starts.
fn build_options(options: &ServeOptions) -> Result<Options, Diagnostics> {
    let now = match &options.now {
        Some(now) => now.clone(),
        None => {
            let config = model::SiteConfig::load(&options.root.join("site.toml"))
                .map_err(|d| Diagnostics(vec![d]))?;
            jiff::Timestamp::now().to_zoned(config.tz())
        }
    };
    Ok(Options {
        now,
        live_reload: true,
        base_url: None,
    })
}

fn rebuild(options: &ServeOptions, shared: &Shared) {
    let started = Instant::now();
    let result = build_options(options).and_then(|build| build::generate(&options.root, &build));
    let message = match result {
        Ok(output) => {
            for warning in &output.warnings.0 {
                eprintln!("{warning}");
            }
            *shared.warnings.write().expect("lock") = if output.warnings.is_empty() {
                String::new()
            } else {
                output.warnings.to_string()
            };
            let mut written = shared.written.lock().expect("lock");
            match build::write_changed(&output, &options.out, &mut written) {
                Ok(changed) => {
                    let pages: usize = output.pages_per_lang.values().sum();
                    println!(
                        "Built {pages} pages, wrote {changed} changed files (rebuild {} ms)",
                        started.elapsed().as_millis()
                    );
                    None
                }
                Err(err) => {
                    let message =
                        format!("cannot write the site to {}: {err}", options.out.display());
                    eprintln!("{message}");
                    Some(message)
                }
            }
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            // The error page lists the warnings beside the errors: no panel over it.
            shared.warnings.write().expect("lock").clear();
            Some(diagnostics.to_string())
        }
    };
    *shared.error.write().expect("lock") = message;
    let _ = shared.reload.send(());
}

/// The Content-Security-Policy from `infra/csp.txt`, the one the production CDN sends. Serving
/// without it would hide, here, the pages it breaks there: a missing, empty or malformed file
/// stops `serve` with a message naming it.
fn read_csp(root: &Path) -> anyhow::Result<HeaderValue> {
    let path = root.join("infra/csp.txt");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read the Content-Security-Policy from {} (`site serve` sends it with every \
             page, as production does; restore the file)",
            path.display()
        )
    })?;
    let policy = text.trim();
    if policy.is_empty() {
        anyhow::bail!(
            "{} is empty: it must hold the Content-Security-Policy, on one line",
            path.display()
        );
    }
    HeaderValue::from_str(policy).map_err(|_| {
        anyhow::anyhow!(
            "{} is not a valid header value: write the Content-Security-Policy on one line of \
             plain ASCII",
            path.display()
        )
    })
}

/// Answers only requests addressed to this server by one of its own names (DNS rebinding
/// defence: another site's name pointed at 127.0.0.1 would otherwise be same-origin here).
async fn served_hosts_only(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if host.is_some_and(|host| shared.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))) {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "This server answers only to http://{}/ (or localhost).\n",
            shared.hosts[0]
        ),
    )
        .into_response()
}

/// A redirect to `//name/...` would send the browser to another site (a scheme-relative
/// address): the file server makes one for `//name` (adding the slash). Such a path is no page.
async fn no_scheme_relative_redirects(
    State(shared): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or("/");
    if location.starts_with("//") || location.starts_with("/\\") {
        return not_found_page(&shared.out, &path).await;
    }
    response
}

async fn show_build_error(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let wants_page = path.ends_with('/') || path.ends_with(".html");
    let error = shared.error.read().expect("lock").clone();
    match error {
        Some(message)
            if wants_page && !path.starts_with("/api/") && !path.starts_with("/coordination/") =>
        {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(error_page(&message)),
            )
                .into_response()
        }
        _ => next.run(request).await,
    }
}

/// The CSP and the other headers production sends, on every response.
async fn security_headers(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, shared.csp.clone());
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn error_page(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build error</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <script src=\"{LIVE_RELOAD_SCRIPT}\" defer></script></head>\
         <body><main><h1>The site could not be built</h1>\
         <p>Fix the problems below and save: this page reloads by itself.</p>\
         <pre>{escaped}</pre></main></body></html>\n"
    )
}

/// Where the live-reload script reads the last build's warnings (plain text, empty if none).
const WARNINGS_PATH: &str = "/_passerelle/warnings";

async fn warnings(State(shared): State<Shared>) -> impl IntoResponse {
    let text = shared.warnings.read().expect("lock").clone();
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}

/// Reloads the page when the site is rebuilt, and shows the build's warnings (a translation
/// behind, plain-language advice) in a panel over the page: they never stop a build, so this is
/// where an editor sees them. Styles are set through the CSSOM, which the CSP allows.
async fn live_reload_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        "// Live reload for `site serve` only: reload when the site is rebuilt.\n\
         new EventSource('/_passerelle/events').addEventListener('reload', function () {\n\
         \x20 window.location.reload();\n});\n\
         fetch('/_passerelle/warnings').then(function (r) { return r.text(); }).then(function (text) {\n\
         \x20 if (!text) { return; }\n\
         \x20 var panel = document.createElement('aside');\n\
         \x20 panel.setAttribute('aria-label', 'Warnings from site check');\n\
         \x20 var details = document.createElement('details');\n\
         \x20 var summary = document.createElement('summary');\n\
         \x20 summary.textContent = 'site check: ' + text.trim().split('\\n').pop();\n\
         \x20 var pre = document.createElement('pre');\n\
         \x20 pre.textContent = text;\n\
         \x20 pre.style.whiteSpace = 'pre-wrap';\n\
         \x20 pre.style.maxHeight = '40vh';\n\
         \x20 pre.style.overflow = 'auto';\n\
         \x20 details.append(summary, pre);\n\
         \x20 panel.append(details);\n\
         \x20 panel.style.position = 'fixed';\n\
         \x20 panel.style.bottom = '0';\n\
         \x20 panel.style.left = '0';\n\
         \x20 panel.style.right = '0';\n\
         \x20 panel.style.padding = '0.5rem 1rem';\n\
         \x20 panel.style.background = '#fff4ce';\n\
         \x20 panel.style.color = '#000';\n\
         \x20 panel.style.borderTop = '3px solid #8a6d00';\n\
         \x20 document.body.append(panel);\n\
         });\n",
    )
}

async fn events(
    State(shared): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(shared.reload.subscribe()).filter_map(|tick| {
        tick.ok()
            .map(|()| Ok(Event::default().event("reload").data("1")))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Serves the 404 page of the language in the path, with status 404.
fn not_found_service(out: PathBuf) -> axum::routing::MethodRouter {
    axum::routing::any(move |request: Request<Body>| {
        let out = out.clone();
        async move { not_found_page(&out, request.uri().path()).await }
    })
}

/// The 404 page of the language `path` is in (the bilingual one outside both), status 404.
async fn not_found_page(out: &Path, path: &str) -> Response {
    let page = if path.starts_with("/fr/") {
        "fr/404.html"
    } else if path.starts_with("/en/") {
        "en/404.html"
    } else {
        "404.html"
    };
    let body = tokio::fs::read_to_string(out.join(page))
        .await
        .unwrap_or_default();
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}
