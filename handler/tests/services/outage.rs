//! DynamoDB unreachable: the person is told, in their language, that nothing was saved and
//! how to reach the program; nothing is queued, so no email goes out.

use crate::env::{Site, unreachable_store};
use crate::support::{OPEN, intake, json, text};
use axum::http::{StatusCode, header};
use handler::delivery::mail::FileMailer;
use handler::delivery::notifier;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_store_outage_answers_503_in_the_persons_language_and_sends_nothing() {
    let outbox = tempfile::tempdir().unwrap();
    let site = Site::new(
        OPEN,
        Arc::new(unreachable_store().await),
        Arc::new(FileMailer::new(outbox.path()).unwrap()),
    );
    for (lang, title, saved) in [
        ("en", "We could not receive your form", "Nothing was saved."),
        (
            "fr",
            "Nous n’avons pas pu recevoir votre formulaire",
            "Rien n’a été enregistré.",
        ),
    ] {
        let started = Instant::now();
        let response = site.post_form("intake", &intake(lang)).await;
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{lang}");
        assert!(
            took < Duration::from_secs(9),
            "answered in {took:?}: must beat the Lambda's 10 s timeout"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let page = text(response).await;
        assert!(page.contains(&format!("<html lang=\"{lang}\"")), "{page}");
        assert!(page.contains(title) && page.contains(saved), "{page}");
        assert!(page.contains("1-844-750-1648"), "{page}");
        assert!(
            !page.contains("Sam Tester") && !page.contains("sam@example.ca"),
            "no answers echoed: {page}"
        );
    }
    // The enhancement script's JSON post: the same, as JSON.
    let mut body = serde_json::Map::new();
    for (name, value) in intake("fr") {
        body.entry(name.to_string())
            .and_modify(|v| {
                *v = match v.take() {
                    serde_json::Value::Array(mut list) => {
                        list.push(value.into());
                        serde_json::Value::Array(list)
                    }
                    first => serde_json::json!([first, value]),
                }
            })
            .or_insert_with(|| value.into());
    }
    let response = site
        .send(
            axum::http::Request::post("/api/forms/intake")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::from(
                    serde_json::Value::Object(body).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let answer = json(response).await;
    assert_eq!(answer["status"], "unavailable");
    assert!(
        answer["message"]["fr"]
            .as_str()
            .unwrap()
            .contains("1-844-750-1648")
    );

    // Nothing was queued: the notifier cannot even read the outbox, and no email exists.
    assert!(notifier::drain(site.state.delivery()).await.is_err());
    assert_eq!(std::fs::read_dir(outbox.path()).unwrap().count(), 0);
}
