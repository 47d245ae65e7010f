//! The registration race through the whole handler: 50 people post at once for a session of
//! 10 places, the handler backed by DynamoDB.

use crate::env::{Site, one_race_at_a_time, table};
use crate::support::{OPEN, location, pairs, registration};
use axum::http::StatusCode;
use handler::delivery::mail::FileMailer;
use handler::store::Status;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_people_race_for_ten_places_and_exactly_ten_get_one() {
    let _race = one_race_at_a_time().await;
    let outbox = tempfile::tempdir().unwrap();
    let store = table("race", 90).await;
    let site = Arc::new(Site::new(
        OPEN,
        Arc::new(store),
        Arc::new(FileMailer::new(outbox.path()).unwrap()),
    ));
    let mut tasks = Vec::new();
    for n in 0..50 {
        let site = Arc::clone(&site);
        tasks.push(tokio::spawn(async move {
            let mut answers = registration("workshop:english", &format!("p{n}@example.ca"));
            let waitlist = n % 2 == 0;
            if waitlist {
                answers.push(("waitlist".into(), "yes".into()));
            }
            let response = site.post_form("registration", &pairs(&answers)).await;
            (
                waitlist,
                response.status(),
                response
                    .headers()
                    .get("location")
                    .map(|_| location(&response)),
            )
        }));
    }
    let (mut registered, mut waitlisted, mut full) = (0, 0, 0);
    for task in tasks {
        let (asked_waitlist, status, url) = task.await.unwrap();
        match (status, url) {
            (StatusCode::SEE_OTHER, Some(url)) if url.ends_with("status=registered") => {
                registered += 1
            }
            (StatusCode::SEE_OTHER, Some(url)) if url.ends_with("status=waitlisted") => {
                assert!(asked_waitlist, "waitlisted without asking");
                waitlisted += 1
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None) => {
                assert!(
                    !asked_waitlist,
                    "refused though they asked for the waiting list"
                );
                full += 1
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(registered, 10, "exactly ten places taken");
    assert_eq!(registered + waitlisted + full, 50, "everyone got an answer");
    let stored = site.state.store().list("registration").await.unwrap();
    assert_eq!(
        stored.len(),
        registered + waitlisted,
        "every accepted one is stored"
    );
    assert_eq!(
        stored
            .iter()
            .filter(|s| s.status == Status::Registered)
            .count(),
        10
    );
}
