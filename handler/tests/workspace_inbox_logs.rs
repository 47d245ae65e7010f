//! What the handler logs while coordinators use the inbox pages: never an answer. Its own test
//! binary, as tests/logs.rs: tracing caches per call site whether anyone listens.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::auth::testing::signed_in;
use std::sync::Arc;
use support::*;

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

#[tokio::test]
async fn viewing_changing_exporting_and_deleting_log_no_answer() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);

    let site = TestSite::with_settings(OPEN, &[("PASSERELLE_COORDINATORS", "alex@example.ca")]);
    let session = signed_in(&site.state, "alex@example.ca").await;
    let response = site.post_form("intake", &intake("en")).await;
    let reference = reference_in(&location(&response));
    let get = |uri: String| {
        Request::get(uri)
            .header(header::COOKIE, &session.cookie)
            .body(Body::empty())
            .unwrap()
    };
    let post = |uri: String, body: String, fetch_site: &str| {
        Request::post(uri)
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", fetch_site)
            .body(Body::from(body))
            .unwrap()
    };
    let base = format!("/coordination/en/submissions/{reference}");
    let csrf = format!("csrf={}", session.csrf);
    for request in [
        get("/coordination/en/".into()),
        get(base.clone()),
        post(
            format!("{base}/progress"),
            format!("{csrf}&progress=done"),
            "same-origin",
        ),
        post(
            format!("{base}/progress"),
            format!("{csrf}&progress=done"),
            "cross-site",
        ),
        post(
            format!("{base}/progress"),
            "csrf=wrong&progress=new".into(),
            "same-origin",
        ),
        get("/coordination/en/export?form=intake".into()),
        get("/coordination/en/registrations".into()),
        post(format!("{base}/delete"), csrf.clone(), "same-origin"),
        get("/coordination/en/activity".into()),
    ] {
        let status = site.send(request).await.status();
        assert!(status != StatusCode::INTERNAL_SERVER_ERROR);
    }
    drop(guard);
    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("refused"),
        "the refusals are logged: {logged}"
    );
    for answer in [
        "Sam Tester",
        "sam@example.ca",
        "613-555-0100",
        "A group of peers my age",
        "veteran",
    ] {
        assert!(!logged.contains(answer), "{answer} in the logs:\n{logged}");
    }
}
