//! What the handler logs. Its own test binary: tracing caches per call site whether anyone
//! listens, and tests on other threads of a shared binary (with no subscriber) can make this
//! thread's capture miss the line.

mod support;

use axum::http::StatusCode;
use handler::delivery::notifier;
use jiff::{SignedDuration, Timestamp};
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

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// What the handler logs while `f` runs (this thread's events, as `handler serve` prints them).
async fn logged<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let value = f.await;
    drop(guard);
    (value, buffer.text())
}

/// What the handler logs while `f` runs, as the Lambda prints it (JSON lines, as set up in
/// src/main.rs), one JSON value per line: what CloudWatch's metric filters read.
async fn logged_json<T>(f: impl std::future::Future<Output = T>) -> (T, Vec<serde_json::Value>) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let value = f.await;
    drop(guard);
    let lines = buffer
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (value, lines)
}

/// A relay that refuses every message for good, quoting the recipient as real ones do.
struct RefusingMailer;

impl handler::delivery::mail::Mailer for RefusingMailer {
    fn send(
        &self,
        message: lettre::Message,
    ) -> handler::store::BoxFuture<'_, Result<(), handler::delivery::mail::MailError>> {
        let to = message.envelope().to()[0].to_string();
        Box::pin(async move {
            Err(handler::delivery::mail::MailError::Permanent(format!(
                "SMTP: permanent error (550): 5.1.1 <{to}>: user unknown"
            )))
        })
    }
}

/// A notification given up on is one `notification_failed` line with its kind and reason
/// (naming no one), and each sweep says how old the backlog is: in the Lambda's JSON, the
/// fields infra/template.yaml's metric filters select (`$.fields.message`,
/// `$.fields.oldest_pending_age_seconds`).
#[tokio::test]
async fn a_notification_given_up_on_and_the_backlog_are_logged_for_the_alarms() {
    let site = TestSite::with_mailer(OPEN, Arc::new(RefusingMailer));
    let response = site.post_form("intake", &intake("en")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let now = Timestamp::now();
    let (_, lines) = logged_json(async {
        notifier::drain_at(site.state.delivery(), now)
            .await
            .unwrap();
        notifier::report_backlog(site.state.delivery(), now)
            .await
            .unwrap();
    })
    .await;
    let failed: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == notifier::FAILED_EVENT)
        .collect();
    assert_eq!(failed.len(), 2, "{lines:#?}");
    let kinds: Vec<&str> = failed
        .iter()
        .map(|l| l["fields"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"coordinator") && kinds.contains(&"acknowledgement"));
    for line in &failed {
        assert_eq!(line["level"], "ERROR");
        let reason = line["fields"]["reason"].as_str().unwrap();
        assert!(reason.contains("550"), "{reason}");
    }
    let backlog: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == notifier::BACKLOG_EVENT)
        .collect();
    assert_eq!(backlog.len(), 1, "{lines:#?}");
    assert_eq!(backlog[0]["fields"]["oldest_pending_age_seconds"], 0);
    let all = serde_json::to_string(&lines).unwrap();
    for personal in ["Sam Tester", "sam@example.ca", "613-555-0100"] {
        assert!(!all.contains(personal), "{all}");
    }

    // As `handler serve` prints them: the fixed token first, then the fields.
    let site = TestSite::with_mailer(OPEN, Arc::new(RefusingMailer));
    site.post_form("intake", &intake("fr")).await;
    let (_, log) = logged(notifier::drain_at(site.state.delivery(), Timestamp::now())).await;
    let line = log
        .lines()
        .find(|l| l.contains("acknowledgement"))
        .expect("a line");
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("notification_failed reference="), "{line}");
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
        site.state.delivery(),
        &event,
        Timestamp::now(),
    ))
    .await;
    assert_eq!(answer.unwrap()["batchItemFailures"], serde_json::json!([]));
    assert!(log.is_empty(), "{log}");
    assert!(site.outbox().is_empty(), "not due before the morning batch");

    // Nor when the invocation is out of time and hands the record back unclaimed.
    let short = handler::delivery::notifier::Budget::until(std::time::Instant::now());
    let (answer, log) = logged(handler::lambda::notify_within(
        site.state.delivery(),
        &event,
        Timestamp::now(),
        short,
    ))
    .await;
    assert_eq!(
        answer.unwrap()["batchItemFailures"],
        serde_json::json!([{ "itemIdentifier": "111" }])
    );
    assert!(log.is_empty(), "{log}");
}

/// The local loop deletes expired submissions on its own clock. A purge set off by the wake
/// that a submission sends would write "expired submissions deleted" at the very moment
/// anonymous feedback arrives, and date it.
#[tokio::test]
async fn purging_keeps_its_own_clock_so_no_line_follows_the_arrival_of_feedback() {
    let site = TestSite::new(OPEN);
    let intervals = notifier::Intervals {
        poll: std::time::Duration::from_secs(60),
        purge_every: std::time::Duration::from_millis(200),
    };
    let feedback = [
        ("lang", "en"),
        ("service", "chat"),
        ("rating", "very-good"),
        ("comments", ""),
    ];
    let (_, log) = logged(async {
        let running = notifier::spawn_with(site.state.delivery().clone(), intervals);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // An intake received 400 days ago: past retention, for the next purge to delete.
        site.state
            .set_clock(|| Timestamp::now() - SignedDuration::from_hours(24 * 400));
        site.post_form("intake", &intake("en")).await;
        site.state.set_clock(Timestamp::now);
        // Ten of its 200 ms ticks: on a loaded machine too, the purge comes on its clock.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        tracing::info!("MARK feedback arrives");
        let response = site.post_form("feedback", &feedback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        running.abort();
    })
    .await;
    let (before, after) = log.split_once("MARK feedback arrives").expect("the mark");
    assert!(
        before.contains("expired submissions deleted"),
        "the purge ran on its clock before the feedback: {log}"
    );
    assert!(
        !after.contains("expired submissions deleted"),
        "a line followed the feedback: {log}"
    );
}

/// A coordinator deletes a submission while its notices are being sent (claimed, not yet
/// read): there is nothing left to send and nothing went wrong, so nothing is sent, nothing is
/// given up on, and no `notification_failed` line trips the alarm (review m9); at most a debug
/// line.
#[tokio::test]
async fn a_submission_deleted_while_its_notices_are_sent_is_dropped_quietly() {
    let site = TestSite::new(OPEN);
    let response = site.post_form("intake", &intake("en")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reference = handler::Reference::parse(&reference_in(&location(&response))).unwrap();
    let now = Timestamp::now();
    let store = site.state.store();
    let claimed = store.claim_due(now, notifier::LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 2, "the notice and the acknowledgement");
    assert!(store.delete_now(&reference).await.unwrap());
    let (outcomes, lines) = logged_json(async {
        let mut outcomes = Vec::new();
        for notification in &claimed {
            outcomes.push(
                notifier::send_claimed(site.state.delivery(), notification, now)
                    .await
                    .unwrap(),
            );
        }
        outcomes
    })
    .await;
    assert!(
        outcomes.iter().all(|o| *o == notifier::Outcome::NotClaimed),
        "{outcomes:?}"
    );
    for line in &lines {
        assert_ne!(
            line["fields"]["message"],
            notifier::FAILED_EVENT,
            "{lines:#?}"
        );
        assert!(
            line["level"] == "DEBUG" || line["level"] == "TRACE",
            "{lines:#?}"
        );
    }
    assert!(site.outbox().is_empty(), "nothing sent");
    assert!(store.failed_notifications().await.unwrap().is_empty());
}
