//! `site serve` keeps running through a broken edit: the error shows in the browser page, and
//! the next good save brings the site back.

use site::build::Options;
use site::serve::{ServeOptions, serve_on};
use std::path::Path;
use std::time::Duration;

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

async fn get(port: u16, path: &str) -> (u16, String, Option<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let csp = response
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-security-policy:")
        })
        .map(|l| l.split_once(':').unwrap().1.trim().to_string());
    (status, response, csp)
}

/// Polls until `path` answers `status`, or fails after a few seconds.
async fn wait_for(port: u16, path: &str, status: u16) -> String {
    for _ in 0..100 {
        let (s, body, _) = get(port, path).await;
        if s == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never answered {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_edit_shows_in_the_browser_and_the_server_keeps_running() {
    let root = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid"),
        root.path(),
    );
    std::fs::create_dir_all(root.path().join("infra")).unwrap();
    std::fs::write(root.path().join("infra/csp.txt"), "default-src 'self'\n").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tz = model::datetime::time_zone("America/Toronto").unwrap();
    let options = ServeOptions {
        root: root.path().to_path_buf(),
        out: root.path().join(".passerelle/site"),
        port,
        build: Options {
            now: jiff::Timestamp::now().to_zoned(tz),
            live_reload: true,
            base_url: None,
        },
        fixed_now: false,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_on(listener, options, axum::Router::new(), async {
        let _ = stopped.await;
    }));

    let page = wait_for(port, "/en/activities/", 200).await;
    assert!(page.contains("/_passerelle/livereload.js"), "{page}");
    let (_, _, csp) = get(port, "/en/").await;
    assert_eq!(csp.as_deref(), Some("default-src 'self'"));
    let (status, body, _) = get(port, "/fr/nowhere/").await;
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"fr\""), "{body}");

    let page_file = root.path().join("content/en/activities/_index.md");
    let good = std::fs::read_to_string(&page_file).unwrap();
    std::fs::write(&page_file, good.replace("in_nav = true", "in_nav = yes")).unwrap();
    let error = wait_for(port, "/en/activities/", 500).await;
    assert!(
        error.contains("content/en/activities/_index.md:6"),
        "{error}"
    );

    std::fs::write(
        &page_file,
        good.replace("Workshops and chats.", "Workshops, chats."),
    )
    .unwrap();
    let fixed = wait_for(port, "/en/activities/", 200).await;
    assert!(fixed.contains("Workshops, chats."), "{fixed}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
