//! What the handler logs. Its own test binary: tracing caches per call site whether anyone
//! listens, and tests on other threads of a shared binary (with no subscriber) can make this
//! thread's capture miss the line.

mod support;

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
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

/// The log says a submission was stored, with its reference. Anonymous feedback gets no line
/// at all: a line written when it arrives would date the feedback that the store keeps with its
/// date only, and place it between the timed lines of others' submissions.
#[tokio::test]
async fn the_log_names_references_and_says_nothing_when_feedback_arrives() {
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

    // Feedback at 10:00 and 15:00 between intakes at 9:00, 12:00 and 18:00: the log holds the
    // intakes' lines and nothing that falls between them.
    let feedback = [
        ("lang", "en"),
        ("service", "chat"),
        ("rating", "very-good"),
        ("comments", "Thursday was good."),
    ];
    let day = "2025-06-02T00:00:00-04:00".parse::<Timestamp>().unwrap();
    let (_, log) = logged(async {
        for (hour, form) in [
            (9, "intake"),
            (10, "feedback"),
            (12, "intake"),
            (15, "feedback"),
            (18, "intake"),
        ] {
            site.state
                .set_clock(move || day + SignedDuration::from_hours(hour));
            let mut answers = intake("en");
            let name = format!("Person {hour}");
            answers.retain(|(n, _)| *n != "name");
            answers.push(("name", &name));
            let answers = if form == "intake" {
                answers
            } else {
                feedback.to_vec()
            };
            let response = site.post_form(form, &answers).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{form} at {hour}");
        }
    })
    .await;
    assert_eq!(site.state.store().list("feedback").await.unwrap().len(), 2);
    assert_eq!(log.lines().count(), 3, "{log}");
    assert_eq!(log.matches("form=intake").count(), 3, "{log}");
    assert!(
        !log.contains("feedback") && !log.contains("Thursday"),
        "{log}"
    );
}

/// The form's path segment is the sender's text: a `%0a` in it must not forge a log line, nor a
/// `%1b` write terminal escapes. An unknown form is logged as a placeholder.
#[tokio::test]
async fn an_unknown_form_is_logged_as_a_placeholder() {
    let site = TestSite::new(OPEN);
    let forged = "x%0a2025-06-01T16:00:00.000000Z%20%20INFO%20handler::app:%20submission%20form=intake%1b[2J";
    let (response, log) = logged(site.post_form(forged, &intake("en"))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains("form=(unknown)") && log.contains("status=\"unknown_form\""),
        "{log}"
    );
    assert!(
        !log.contains("form=intake") && !log.contains('\u{1b}'),
        "{log}"
    );
}

/// In AWS the table's stream announces feedback's notice the moment it is stored, and the
/// notifier finds it not yet due (it waits for the next morning): that batch writes no line,
/// which would date the feedback.
#[tokio::test]
async fn the_stream_batch_announcing_feedback_writes_no_line() {
    let site = TestSite::new(OPEN);
    let feedback = [("lang", "en"), ("service", "chat"), ("rating", "good")];
    let (response, _) = logged(site.post_form("feedback", &feedback)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = site.state.store().list("feedback").await.unwrap();
    let pk = format!("SUB#{}", stored[0].reference);
    let event = serde_json::json!({ "Records": [{
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": { "pk": { "S": pk }, "sk": { "S": "NOTE#000" } },
            "NewImage": {
                "pk": { "S": pk },
                "sk": { "S": "NOTE#000" },
                "gsi1pk": { "S": "PENDING" }
            },
            "SequenceNumber": "111",
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    }]});
    let (answer, log) = logged(handler::lambda::notify(
        &site.state,
        &event,
        Timestamp::now(),
    ))
    .await;
    assert_eq!(answer.unwrap()["batchItemFailures"], serde_json::json!([]));
    assert!(log.is_empty(), "{log}");
    assert!(site.outbox().is_empty(), "not due before the morning batch");
}
