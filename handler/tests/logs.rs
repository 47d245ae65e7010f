//! What the handler logs. Its own test binary: tracing caches per call site whether anyone
//! listens, and tests on other threads of a shared binary (with no subscriber) can make this
//! thread's capture miss the line.

mod support;

use axum::http::StatusCode;
use std::sync::Arc;
use support::*;

/// What the handler logs while `f` runs (this thread's events, as `handler serve` prints them).
async fn logged<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let value = f.await;
    drop(guard);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (value, text)
}

/// The log says a submission was stored, with its reference, except for anonymous feedback,
/// whose log line would otherwise give it a time.
#[tokio::test]
async fn the_log_names_references_but_never_anonymous_ones() {
    let site = TestSite::new(OPEN);
    let (response, log) = logged(site.post_form("intake", &intake("en"))).await;
    let reference = reference_in(&location(&response));
    assert!(
        log.contains("submission") && log.contains(&format!("reference={reference}")),
        "{log}"
    );
    assert!(
        !log.contains("Sam Tester") && !log.contains("sam@example.ca"),
        "{log}"
    );

    let feedback = [
        ("lang", "en"),
        ("service", "chat"),
        ("rating", "very-good"),
        ("comments", "Thursday was good."),
    ];
    let (response, log) = logged(site.post_form("feedback", &feedback)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = site.state.store().list("feedback").await.unwrap();
    assert!(
        log.contains("form=feedback") && log.contains("reference=-"),
        "{log}"
    );
    assert!(!log.contains(stored[0].reference.as_str()), "{log}");
    assert!(!log.contains("Thursday"), "{log}");
}
