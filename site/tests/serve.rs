//! `site serve` against a copy of the fixture site, over real TCP on 127.0.0.1: it keeps running
//! through a broken edit, answers only to its own names, sends production's headers, never
//! serves without its CSP, recomputes offering states per rebuild, and bounds slow clients.

use axum::routing::post;
use site::serve::{SECURITY_HEADERS, ServeOptions, Timeouts, serve_on};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the valid fixture site with a CSP file.
fn fixture_site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid"),
        root.path(),
    );
    std::fs::create_dir_all(root.path().join("infra")).unwrap();
    std::fs::write(root.path().join("infra/csp.txt"), "default-src 'self'\n").unwrap();
    root
}

fn options(root: &Path, timeouts: Timeouts) -> ServeOptions {
    ServeOptions {
        root: root.to_path_buf(),
        out: root.join(".passerelle/site"),
        port: 0,
        now: None,
        timeouts,
    }
}

/// A running server: its port, and what stops it.
struct Server {
    port: u16,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    async fn start(options: ServeOptions, api: axum::Router) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(listener, options, api, async {
            let _ = stopped.await;
        }));
        wait_for(port, "/en/", 200).await;
        Server { port, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// One HTTP/1.1 exchange: the status, the whole response, and its headers (names lowercased).
struct Answer {
    status: u16,
    text: String,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn exchange(port: u16, request: &str) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        text: response,
        headers,
    }
}

async fn get(port: u16, path: &str) -> Answer {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// Polls until `path` answers `status`, or fails after a few seconds.
async fn wait_for(port: u16, path: &str, status: u16) -> String {
    wait_until(port, path, |answer| answer.status == status).await
}

/// Polls until `path`'s answer satisfies `done`, or fails after a few seconds.
async fn wait_until(port: u16, path: &str, done: impl Fn(&Answer) -> bool) -> String {
    for _ in 0..100 {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
            drop(stream);
            let answer = get(port, path).await;
            if done(&answer) {
                return answer.text;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never gave the expected answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_edit_shows_in_the_browser_and_the_server_keeps_running() {
    let root = fixture_site();
    let server = Server::start(
        options(root.path(), Timeouts::default()),
        axum::Router::new(),
    )
    .await;
    let port = server.port;

    let page = wait_for(port, "/en/activities/", 200).await;
    assert!(page.contains("/_passerelle/livereload.js"), "{page}");
    let answer = get(port, "/en/").await;
    assert_eq!(
        answer.header("content-security-policy"),
        Some("default-src 'self'")
    );
    let answer = get(port, "/fr/nowhere/").await;
    assert_eq!(answer.status, 404);
    assert!(answer.text.contains("<html lang=\"fr\""), "{}", answer.text);

    let page_file = root.path().join("content/en/activities/_index.md");
    let good = std::fs::read_to_string(&page_file).unwrap();
    std::fs::write(&page_file, good.replace("in_nav = true", "in_nav = yes")).unwrap();
    let error = wait_for(port, "/en/activities/", 500).await;
    assert!(
        error.contains("content/en/activities/_index.md:6"),
        "{error}"
    );
    // The error page carries the same headers as the pages it replaces.
    let answer = get(port, "/en/activities/").await;
    assert_eq!(
        answer.header("content-security-policy"),
        Some("default-src 'self'")
    );

    std::fs::write(
        &page_file,
        good.replace("Workshops and chats.", "Workshops, chats."),
    )
    .unwrap();
    let fixed = wait_for(port, "/en/activities/", 200).await;
    assert!(fixed.contains("Workshops, chats."), "{fixed}");

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_show_over_the_pages_and_never_stop_the_site() {
    let root = fixture_site();
    let server = Server::start(
        options(root.path(), Timeouts::default()),
        axum::Router::new(),
    )
    .await;
    let port = server.port;
    wait_for(port, "/en/activities/", 200).await;
    let none = get(port, "/_passerelle/warnings").await;
    assert_eq!(none.header("content-length"), Some("0"), "{}", none.text);
    let script = get(port, "/_passerelle/livereload.js").await.text;
    assert!(
        script.contains("fetch('/_passerelle/warnings')"),
        "{script}"
    );

    let page_file = root.path().join("content/en/activities/_index.md");
    let good = std::fs::read_to_string(&page_file).unwrap();
    let long: Vec<String> = (0..40).map(|i| format!("word{i}")).collect();
    std::fs::write(&page_file, format!("{good}\nThese {}.\n", long.join(" "))).unwrap();
    let warnings = wait_until(port, "/_passerelle/warnings", |answer| {
        answer.text.contains("this sentence has 41 words")
    })
    .await;
    assert!(
        warnings.contains("content/en/activities/_index.md:"),
        "{warnings}"
    );
    assert!(
        warnings.contains("content/fr/activites/_index.md:") && warnings.contains("has changed"),
        "the French page fell behind: {warnings}"
    );
    // The page is still served, built from the new text.
    let page = get(port, "/en/activities/").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("word39"), "{}", page.text);

    // With an error too (in the French page), the error page lists the warnings beside it.
    let french = root.path().join("content/fr/activites/_index.md");
    let text = std::fs::read_to_string(&french).unwrap();
    std::fs::write(&french, text.replace("in_nav = true", "in_nav = yes")).unwrap();
    let error = wait_for(port, "/en/activities/", 500).await;
    assert!(
        error.contains("content/fr/activites/_index.md:6: error:")
            && error.contains("this sentence has 41 words"),
        "{error}"
    );

    server.stop().await;
}

/// A route standing for the form handler: what reaches it was let through.
fn echo_api() -> axum::Router {
    axum::Router::new().route("/api/echo", post(|body: String| async move { body }))
}

fn post_request(host: &str, body_len: usize, body: &str) -> String {
    format!(
        "POST /api/echo HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\
         Sec-Fetch-Site: same-origin\r\nContent-Type: text/plain\r\n\
         Content-Length: {body_len}\r\nConnection: close\r\n\r\n{body}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_servers_own_names_are_answered_so_dns_rebinding_gets_nothing() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), Timeouts::default()), echo_api()).await;
    let port = server.port;
    // A page at evil.example whose name now resolves to 127.0.0.1: the browser sends its own
    // name, and calls the post same-origin.
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        "127.0.0.1:1".to_string(),
        "127.0.0.1".to_string(),
    ] {
        let answer = exchange(port, &post_request(&host, 2, "hi")).await;
        assert_eq!(answer.status, 421, "{host}: {}", answer.text);
        assert!(!answer.text.ends_with("hi"), "{}", answer.text);
        let page = exchange(
            port,
            &format!("GET /en/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(page.status, 421, "{host}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let answer = exchange(port, &post_request(&host, 2, "hi")).await;
        assert_eq!(answer.status, 200, "{host}: {}", answer.text);
        assert!(answer.text.ends_with("hi"), "{}", answer.text);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_productions_security_headers() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), Timeouts::default()), echo_api()).await;
    for path in ["/en/", "/fr/nowhere/", "/_passerelle/livereload.js"] {
        let answer = get(server.port, path).await;
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
        assert!(
            answer
                .header("permissions-policy")
                .is_some_and(|p| p.contains("camera=()") && p.contains("geolocation=()")),
            "{path}: {:?}",
            answer.headers
        );
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(answer.header(name), Some(value), "{path}: {name}");
        }
    }
    let refused = exchange(server.port, &post_request("evil.example:1", 0, "")).await;
    assert_eq!(refused.header("x-frame-options"), Some("DENY"));
    server.stop().await;
}

/// The value of `key:` in the production template's security headers, with YAML's folded
/// (`>-`) lines joined by spaces.
fn production_header(template: &str, key: &str) -> String {
    let at = template
        .find(key)
        .unwrap_or_else(|| panic!("{key} not in infra/template.yaml"));
    let rest = &template[at + key.len()..];
    let first = rest.lines().next().unwrap().trim();
    if first != ">-" {
        return first.trim_end_matches(", Override: true }").to_string();
    }
    rest.lines()
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("Override"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_local_servers_headers_are_productions() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let policy = &template[template.find("SecurityHeadersPolicy:").unwrap()..];
    let expected = [
        ("x-content-type-options", "nosniff".to_string()),
        (
            "x-frame-options",
            production_header(policy, "FrameOptions: { FrameOption:"),
        ),
        (
            "referrer-policy",
            production_header(policy, "ReferrerPolicy: { ReferrerPolicy:"),
        ),
        (
            "permissions-policy",
            production_header(policy, "- Header: Permissions-Policy\n              Value:"),
        ),
        (
            "cross-origin-opener-policy",
            production_header(
                policy,
                "- Header: Cross-Origin-Opener-Policy\n              Value:",
            ),
        ),
        (
            "cross-origin-resource-policy",
            production_header(
                policy,
                "- Header: Cross-Origin-Resource-Policy\n              Value:",
            ),
        ),
    ];
    let actual: Vec<(&str, String)> = SECURITY_HEADERS
        .iter()
        .map(|(n, v)| (*n, v.to_string()))
        .collect();
    assert_eq!(actual, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_with_a_message_naming_the_csp_file_when_it_is_missing_or_empty() {
    for content in [
        None,
        Some(""),
        Some("default-src 'self'\nscript-src 'self'\n\u{1}"),
    ] {
        let root = fixture_site();
        let csp = root.path().join("infra/csp.txt");
        match content {
            None => std::fs::remove_file(&csp).unwrap(),
            Some(text) => std::fs::write(&csp, text).unwrap(),
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let result = tokio::time::timeout(
            Duration::from_secs(10),
            serve_on(
                listener,
                options(root.path(), Timeouts::default()),
                axum::Router::new(),
                std::future::pending(),
            ),
        )
        .await
        .expect("serve stops by itself");
        let message = format!("{:#}", result.unwrap_err());
        assert!(message.contains("infra/csp.txt"), "{message}");
        assert!(!root.path().join(".passerelle/site").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_slash_never_redirects_to_another_site() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), Timeouts::default()), echo_api()).await;
    // `/en` is redirected to `/en/`, but `//en` must not become `//en/`: a browser reads
    // that as the site `en`.
    let plain = get(server.port, "/en").await;
    assert_eq!(plain.header("location"), Some("/en/"));
    for path in ["//en", "//evil.example", "///evil.example"] {
        let answer = get(server.port, path).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
        assert_eq!(answer.header("location"), None, "{path}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_now_each_rebuild_computes_offering_states_at_its_own_time() {
    let root = fixture_site();
    let tz = model::datetime::time_zone("America/Toronto").unwrap();
    let deadline = jiff::Timestamp::now().to_zoned(tz) + jiff::SignedDuration::from_secs(3);
    let offering = root.path().join("content/offerings/workshop.toml");
    let text = std::fs::read_to_string(&offering)
        .unwrap()
        .replace(
            "registration_deadline = 2025-06-27",
            &format!(
                "registration_deadline = {}",
                deadline.strftime("%Y-%m-%dT%H:%M:%S")
            ),
        )
        .replace("2025-07-", &format!("{}-07-", deadline.year() + 1));
    std::fs::write(&offering, text).unwrap();
    let server = Server::start(
        options(root.path(), Timeouts::default()),
        axum::Router::new(),
    )
    .await;
    let page = wait_for(server.port, "/en/activities/", 200).await;
    assert!(page.contains("(Registration open)"), "{page}");

    // After the deadline, an edit rebuilds the site: the deadline has passed for it too.
    let wait = deadline.timestamp().duration_since(jiff::Timestamp::now());
    tokio::time::sleep(Duration::try_from(wait).unwrap_or_default() + Duration::from_millis(1200))
        .await;
    let page_file = root.path().join("content/en/activities/_index.md");
    let good = std::fs::read_to_string(&page_file).unwrap();
    std::fs::write(
        &page_file,
        good.replace("Workshops and chats.", "Workshops."),
    )
    .unwrap();
    wait_until(server.port, "/en/activities/", |answer| {
        answer.text.contains("Workshops.")
    })
    .await;
    let page = get(server.port, "/en/activities/").await.text;
    assert!(page.contains("(Registration closed)"), "{page}");
    server.stop().await;
}

/// Timeouts short enough for a test.
fn short_timeouts() -> Timeouts {
    Timeouts {
        header: Duration::from_millis(400),
        body: Duration::from_millis(400),
    }
}

/// Reads until the server closes the connection; returns what it sent and how long it took.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .ok();
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_request_head_is_cut_off() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), short_timeouts()), echo_api()).await;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    stream
        .write_all(format!("GET /en/ HTTP/1.1\r\nHost: {}\r\n", server.host()).as_bytes())
        .await
        .unwrap();
    let (received, took) = until_closed(&mut stream).await;
    assert!(!received.contains("200 OK"), "{received}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), short_timeouts()), echo_api()).await;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    stream
        .write_all(
            format!(
                "GET /_passerelle/livereload.js HTTP/1.1\r\nHost: {}\r\n\r\n",
                server.host()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let (received, took) = until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 200 OK"), "{received}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_request_body_gets_408() {
    let root = fixture_site();
    let server = Server::start(options(root.path(), short_timeouts()), echo_api()).await;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    stream
        .write_all(post_request(&server.host(), 100, "only ten b").as_bytes())
        .await
        .unwrap();
    let (received, took) = until_closed(&mut stream).await;
    assert!(
        received.starts_with("HTTP/1.1 408 Request Timeout"),
        "{received}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    server.stop().await;
}

/// The coordinators' workspace is the handler's, as `/api/` is: served by it on the same port,
/// and never replaced by the build's error page (a broken edit must not lock coordinators out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_is_the_handlers_even_while_the_build_is_broken() {
    let root = fixture_site();
    let workspace = axum::Router::new().route(
        "/coordination/en/",
        axum::routing::get(|| async { "the workspace" }),
    );
    let server = Server::start(options(root.path(), Timeouts::default()), workspace).await;
    let port = server.port;
    wait_for(port, "/en/activities/", 200).await;
    let page_file = root.path().join("content/en/activities/_index.md");
    let good = std::fs::read_to_string(&page_file).unwrap();
    std::fs::write(&page_file, good.replace("in_nav = true", "in_nav = yes")).unwrap();
    wait_for(port, "/en/activities/", 500).await;
    let answer = get(port, "/coordination/en/").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.text.ends_with("the workspace"), "{}", answer.text);
    server.stop().await;
}
