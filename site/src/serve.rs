//! `site serve`: build, serve on 127.0.0.1, rebuild on change, reload the browser. A build
//! error replaces every page with the error (so the editor sees it where they look) and the
//! server keeps running; the next good build brings the site back.

use crate::build::{self, LIVE_RELOAD_SCRIPT, Options};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tower_http::services::ServeDir;

/// What `serve` needs to know.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub out: PathBuf,
    pub port: u16,
    pub build: Options,
    /// Whether `now` was fixed with `--now` (the handler then uses the same clock).
    pub fixed_now: bool,
}

/// Shared between the watcher and the web server.
#[derive(Clone)]
struct Shared {
    /// The last build's error, shown instead of pages until the next good build.
    error: Arc<RwLock<Option<String>>>,
    reload: broadcast::Sender<()>,
    csp: Option<HeaderValue>,
    /// What the last build wrote, so the next one rewrites only what changed.
    written: Arc<std::sync::Mutex<HashMap<PathBuf, Vec<u8>>>>,
}

/// Builds, serves on 127.0.0.1:`options.port`, watches. Returns on Ctrl+C or a fatal error.
pub async fn serve(options: ServeOptions, api: Router) -> anyhow::Result<()> {
    let address = SocketAddr::from(([127, 0, 0, 1], options.port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {address}: {err}"))?;
    println!("Serving on http://{address}/ (Ctrl+C to stop)");
    serve_on(listener, options, api, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Builds, serves on `listener`, rebuilds on change, until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    api: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (reload, _) = broadcast::channel(16);
    let shared = Shared {
        error: Arc::new(RwLock::new(None)),
        reload,
        csp: read_csp(&options.root),
        written: Arc::default(),
    };
    // Start from an empty folder: files left from another site must not be served.
    if options.out.exists() {
        std::fs::remove_dir_all(&options.out)?;
    }
    rebuild(&options, &shared);

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

    let app = Router::new()
        .route(LIVE_RELOAD_SCRIPT, get(live_reload_script))
        .route("/_passerelle/events", get(events))
        .with_state(shared.clone())
        .merge(api)
        .fallback_service(
            ServeDir::new(&options.out)
                .append_index_html_on_directories(true)
                .not_found_service(not_found_service(options.out.clone())),
        )
        .layer(middleware::from_fn_with_state(shared, show_build_error));
    // Live-reload connections never end by themselves: after the shutdown signal, give open
    // requests a moment, then stop regardless.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut graceful = stop_rx.clone();
    let mut deadline = stop_rx;
    tokio::select! {
        result = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = graceful.changed().await;
        }) => result?,
        () = async move {
            let _ = deadline.changed().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        } => {}
    }
    drop(watcher);
    Ok(())
}

fn rebuild(options: &ServeOptions, shared: &Shared) {
    let started = Instant::now();
    let result = build::generate(&options.root, &options.build);
    let message = match result {
        Ok(output) => {
            for warning in &output.warnings.0 {
                eprintln!("{warning}");
            }
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
            Some(diagnostics.to_string())
        }
    };
    *shared.error.write().expect("lock") = message;
    let _ = shared.reload.send(());
}

/// The Content-Security-Policy from `infra/csp.txt`, the one the production CDN sends.
fn read_csp(root: &Path) -> Option<HeaderValue> {
    let text = std::fs::read_to_string(root.join("infra/csp.txt")).ok()?;
    HeaderValue::from_str(text.trim()).ok()
}

async fn show_build_error(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let wants_page = path.ends_with('/') || path.ends_with(".html");
    let error = shared.error.read().expect("lock").clone();
    let mut response = match error {
        Some(message) if wants_page && !path.starts_with("/api/") => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(error_page(&message)),
        )
            .into_response(),
        _ => next.run(request).await,
    };
    let headers = response.headers_mut();
    if let Some(csp) = &shared.csp {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
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

async fn live_reload_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        "// Live reload for `site serve` only: reload when the site is rebuilt.\n\
         new EventSource('/_passerelle/events').addEventListener('reload', function () {\n\
         \x20 window.location.reload();\n});\n",
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
        async move {
            let path = request.uri().path();
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
            (StatusCode::NOT_FOUND, Html(body))
        }
    })
}
