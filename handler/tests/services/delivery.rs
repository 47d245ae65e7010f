//! What the notifier does with a relay's refusals (aiosmtpd with refusing_smtp.py): a 5xx gives
//! a notification up after one try, a 4xx keeps it pending with backoff until the attempt cap,
//! and neither stops the sweep from sending the others in the same run.

use crate::env::{Site, SmtpServer, StoredNotice, required, smtp_mailer, stored_notices, table};
use crate::support::{OPEN, intake, location, reference_in};
use axum::http::StatusCode;
use handler::delivery::notifier::{self, Budget, Sweep};
use handler::store::dynamodb::DynamoStore;
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tempfile::TempDir;

/// A relay refusing `refused*@` for good and `later*@` for now, and what it saw.
struct RefusingRelay {
    server: SmtpServer,
    dir: TempDir,
}

impl RefusingRelay {
    fn start() -> RefusingRelay {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/services/refusing_smtp.py");
        let events = dir.path().join("events.jsonl");
        let server = SmtpServer::start_with(move |port, maildir| {
            let mut command = Command::new(required("PASSERELLE_TEST_PYTHON"));
            command
                .arg(&script)
                .arg(port.to_string())
                .arg(maildir)
                .arg(&events);
            command
        });
        RefusingRelay { server, dir }
    }

    fn events(&self) -> PathBuf {
        self.dir.path().join("events.jsonl")
    }

    /// How many times `address` was offered as a recipient.
    fn attempts_at(&self, address: &str) -> usize {
        std::fs::read_to_string(self.events())
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .filter(|event| event["rcpt"] == address)
            .count()
    }
}

/// Posts an intake whose acknowledgement goes to `email`; returns the reference.
async fn submit(site: &Site, email: &str) -> String {
    let pairs: Vec<(&str, &str)> = intake("en")
        .into_iter()
        .map(|(k, v)| if k == "email" { (k, email) } else { (k, v) })
        .collect();
    let response = site.post_form("intake", &pairs).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    reference_in(&location(&response))
}

async fn acknowledgement(store: &DynamoStore, reference: &str) -> StoredNotice {
    stored_notices(store, reference)
        .await
        .into_iter()
        .find(|n| n.kind == "acknowledgement")
        .expect("an acknowledgement")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_gives_up_at_once_a_4xx_waits_and_the_sweep_sends_the_rest() {
    let relay = RefusingRelay::start();
    let store = table("refusals", 90).await;
    let site = Site::with_settings(
        OPEN,
        Arc::new(store.clone()),
        smtp_mailer(&relay.server.url()),
        &[("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "3")],
    );
    // The refused one first, so the others come after a failure in the same sweep.
    let refused = submit(&site, "refused@example.ca").await;
    let later = submit(&site, "later@example.ca").await;
    let fine = submit(&site, "sam@example.ca").await;
    let now = Timestamp::now();

    let sweep = notifier::drain_within(site.state.delivery(), now, Budget::unlimited())
        .await
        .unwrap();
    assert_eq!(
        sweep,
        Sweep {
            sent: 4,
            retrying: 1,
            gave_up: 1
        },
        "three coordinators' notices and one acknowledgement sent"
    );
    let delivered: Vec<String> = relay
        .server
        .messages()
        .into_iter()
        .map(|m| m.rcpt)
        .collect();
    assert_eq!(delivered.len(), 4, "{delivered:?}");
    assert_eq!(
        delivered.iter().filter(|r| *r == &site.coordinator).count(),
        3
    );
    assert!(delivered.contains(&"sam@example.ca".to_string()));

    // 550: given up after one try, kept with its reason (naming no one), never tried again.
    let given_up = acknowledgement(&store, &refused).await;
    assert_eq!(
        (given_up.attempts, given_up.sent, given_up.pending),
        (1, false, false)
    );
    let reason = given_up.last_error.expect("the reason is kept");
    assert!(reason.contains("550"), "{reason}");
    assert!(!reason.contains("refused@example.ca"), "{reason}");
    // 451: pending, tried again after its backoff.
    let waiting = acknowledgement(&store, &later).await;
    assert_eq!(
        (waiting.attempts, waiting.sent, waiting.pending),
        (1, false, true)
    );
    assert!(waiting.last_error.unwrap().contains("451"));
    assert!(acknowledgement(&store, &fine).await.sent);
    // The backlog: the 451 one still waits since it was submitted.
    let age = notifier::report_backlog(site.state.delivery(), now + SignedDuration::from_mins(40))
        .await
        .unwrap();
    assert!((40 * 60..41 * 60).contains(&age), "{age}");

    // Not before its backoff (1 minute); then once per backoff until the cap of 3.
    assert_eq!(
        notifier::drain_at(site.state.delivery(), now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(relay.attempts_at("later@example.ca"), 1);
    for (step, minutes) in [(2, 2), (3, 10)] {
        let at = now + SignedDuration::from_mins(minutes);
        let sweep = notifier::drain_within(site.state.delivery(), at, Budget::unlimited())
            .await
            .unwrap();
        assert_eq!(sweep.sent, 0, "attempt {step}");
        assert_eq!(relay.attempts_at("later@example.ca"), step);
        let notice = acknowledgement(&store, &later).await;
        assert_eq!(notice.attempts, step as u32);
        if step < 3 {
            assert_eq!(sweep.retrying, 1);
            assert!(notice.pending);
        } else {
            assert_eq!(sweep.gave_up, 1, "the cap: given up");
            assert!(!notice.pending && !notice.sent);
            let reason = notice.last_error.unwrap();
            assert!(reason.contains("gave up after 3 attempts") && reason.contains("451"));
            assert!(!reason.contains("later@example.ca"), "{reason}");
        }
    }
    // Given up: never tried again, and no longer counted as waiting.
    let much_later = now + SignedDuration::from_hours(48);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), much_later)
            .await
            .unwrap(),
        0
    );
    assert_eq!(relay.attempts_at("later@example.ca"), 3);
    assert_eq!(relay.attempts_at("refused@example.ca"), 1);
    assert_eq!(
        notifier::report_backlog(site.state.delivery(), much_later)
            .await
            .unwrap(),
        0
    );
}
