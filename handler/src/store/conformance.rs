//! The behaviour every [`Store`] must have, as one suite run against each backend.
//!
//! Each case takes a fresh, empty store and panics (like a test) when the backend misbehaves.
//! `handler/tests/store_sqlite.rs` runs every case against SQLite, and
//! `handler/tests/services/store.rs` against DynamoDB. [`CASES`] lists them so a backend's test
//! file can check it runs them all; the cases that also read the backend's storage directly
//! (given a [`Dump`] of it) are listed in [`DUMP_CASES`].

pub mod auth;
pub mod inbox;
pub mod places;

use super::{
    AckQuota, NewNotification, NewSubmission, NotificationKind, Status, Store, StoreError,
    SubmitOutcome,
};
use crate::anonymous;
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use model::Lang;
use model::forms::{Answer, Submission};
use std::collections::BTreeMap;
use std::future::Future;

/// The name of every case, in the order they are defined.
pub const CASES: [&str; 11] = [
    "stores_and_returns_a_submission",
    "a_taken_reference_is_refused_and_nothing_is_stored",
    "a_double_submit_is_stored_once",
    "any_earlier_key_identifies_a_duplicate",
    "a_cohort_takes_no_more_than_its_group_size",
    "a_full_cohort_stores_and_queues_nothing",
    "notifications_are_claimed_sent_and_retried",
    "purge_deletes_old_submissions_and_their_notifications",
    "list_returns_a_forms_submissions_oldest_first",
    "concurrent_registrations_never_exceed_the_group_size",
    "a_cohort_with_new_dates_starts_with_every_place_free",
];

/// Cases added with the notifier's Lambda entry (claiming one notification by id). They are
/// listed apart so each backend's test file can adopt them without its `CASES` check failing
/// in between; every backend runs them too.
pub const NOTIFIER_CASES: [&str; 4] = [
    "a_notification_is_claimed_by_id_once",
    "notifications_due_later_wait_for_their_time",
    "the_backlog_is_as_old_as_the_longest_waiting_notification",
    "notifications_given_up_on_are_listed_and_can_be_requeued",
];

/// Cases that read everything the backend keeps, given a function that dumps it.
pub const DUMP_CASES: [&str; 2] = [
    "anonymous_submissions_leave_no_time_and_no_order",
    "acknowledgements_to_one_address_are_capped_per_day",
];

/// One stored row or item, as its backend keeps it: every attribute (column) by name, its value
/// as text. A backend's dump includes what the backend adds on its own, such as SQLite's rowid.
pub type Record = BTreeMap<String, String>;

/// Everything a backend keeps, read straight from its storage (not through [`Store`]).
pub trait Dump {
    /// Every row or item, in whatever order the backend returns them.
    fn dump(&self) -> impl Future<Output = Vec<Record>>;
}

/// A fixed moment, so cases do not depend on the clock.
pub fn t0() -> Timestamp {
    "2025-06-01T16:00:00Z".parse().expect("valid timestamp")
}

fn answers(name: &str) -> Submission {
    Submission {
        form: "registration".into(),
        lang: Lang::Fr,
        answers: BTreeMap::from([
            ("name".to_string(), Answer::Text(name.to_string())),
            (
                "member_status".to_string(),
                Answer::List(vec!["veteran".into()]),
            ),
            ("adult".to_string(), Answer::Confirmed(true)),
        ]),
    }
}

/// A submission named `name` (a made-up first name), keyed by `key`, with two notifications.
pub fn new_submission(name: &str, key: &str) -> NewSubmission {
    NewSubmission {
        reference: Reference::generate(),
        received_at: t0(),
        idempotency_keys: vec![key.to_string()],
        submission: answers(name),
        place: None,
        status: Status::Received,
        notifications: vec![
            NewNotification {
                kind: NotificationKind::Coordinator,
                recipient: "coordinators@example.ca".into(),
            },
            NewNotification {
                kind: NotificationKind::Acknowledgement,
                recipient: "person@example.ca".into(),
            },
        ],
        notify_at: t0(),
        ack_quota: None,
    }
}

/// The first session of the cohort the cases register for: six weeks after [`t0`].
pub fn cohort_start() -> Timestamp {
    t0() + SignedDuration::from_hours(24 * 42)
}

fn place(cohort: &str, group_size: u32, waiting_list: bool) -> Option<PlaceRequest> {
    Some(PlaceRequest {
        offering: "workshop".into(),
        cohort: cohort.into(),
        starts: cohort_start(),
        group_size,
        waiting_list,
    })
}

async fn stored(store: &impl Store, new: NewSubmission) -> (Reference, Status) {
    match store.submit(new).await.expect("submit") {
        SubmitOutcome::Stored {
            reference, status, ..
        } => (reference, status),
        other => panic!("expected Stored, got {other:?}"),
    }
}

/// A stored submission can be read back by its reference, exactly as given.
pub async fn stores_and_returns_a_submission(store: &impl Store) {
    let new = new_submission("Alex", "k1");
    let reference = new.reference.clone();
    let (got, status) = stored(store, new.clone()).await;
    assert_eq!(got, reference);
    assert_eq!(status, Status::Received);
    let back = store.get(&reference).await.unwrap().expect("stored");
    assert_eq!(back.submission, new.submission);
    assert_eq!(back.status, Status::Received);
    assert_eq!(back.received_at, t0());
    let unknown = Reference::parse("AAAAAAAA").unwrap();
    assert!(store.get(&unknown).await.unwrap().is_none());
}

/// Two submissions cannot share a reference; the second is refused whole.
pub async fn a_taken_reference_is_refused_and_nothing_is_stored(store: &impl Store) {
    let first = new_submission("Alex", "k1");
    let mut second = new_submission("Robin", "k2");
    second.reference = first.reference.clone();
    stored(store, first).await;
    assert!(matches!(
        store.submit(second).await,
        Err(StoreError::ReferenceTaken)
    ));
    assert_eq!(store.list("registration").await.unwrap().len(), 1);
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 2, "only the first submission's notifications");
}

/// The same submission sent twice is stored once and both get the first reference.
pub async fn a_double_submit_is_stored_once(store: &impl Store) {
    let first = new_submission("Alex", "same");
    let (reference, _) = stored(store, first).await;
    let again = store.submit(new_submission("Alex", "same")).await.unwrap();
    assert_eq!(
        again,
        SubmitOutcome::Duplicate {
            reference,
            status: Status::Received,
            acknowledged: true,
        }
    );
    assert_eq!(store.list("registration").await.unwrap().len(), 1);
}

/// A submission is a duplicate when any of its keys (such as the previous time window's) was
/// recorded.
pub async fn any_earlier_key_identifies_a_duplicate(store: &impl Store) {
    let (reference, _) = stored(store, new_submission("Alex", "window-1")).await;
    let mut later = new_submission("Alex", "window-2");
    later.idempotency_keys = vec!["window-2".into(), "window-1".into()];
    assert_eq!(
        store.submit(later).await.unwrap(),
        SubmitOutcome::Duplicate {
            reference,
            status: Status::Received,
            acknowledged: true,
        }
    );
}

/// Places are counted per cohort; once full, people go on the waiting list if they asked,
/// and other cohorts are unaffected.
pub async fn a_cohort_takes_no_more_than_its_group_size(store: &impl Store) {
    let mut statuses = Vec::new();
    for (i, waiting_list) in [false, false, true, false].into_iter().enumerate() {
        let mut new = new_submission("Alex", &format!("k{i}"));
        new.place = place("english", 2, waiting_list);
        statuses.push(match store.submit(new).await.unwrap() {
            SubmitOutcome::Stored { status, .. } => Some(status),
            SubmitOutcome::Full => None,
            other => panic!("unexpected {other:?}"),
        });
    }
    assert_eq!(
        statuses,
        [
            Some(Status::Registered),
            Some(Status::Registered),
            Some(Status::Waitlisted),
            None
        ]
    );
    let mut other = new_submission("Robin", "other");
    other.place = place("french", 2, false);
    assert_eq!(stored(store, other).await.1, Status::Registered);
}

/// Places are counted per cohort and first start: the same offering and cohort id with a
/// later first session (an offering file reused for the next run) starts with every place
/// free, and the earlier dates stay full.
pub async fn a_cohort_with_new_dates_starts_with_every_place_free(store: &impl Store) {
    let mut first = new_submission("Alex", "k1");
    first.place = place("english", 1, false);
    assert_eq!(stored(store, first).await.1, Status::Registered);
    let mut same_dates = new_submission("Robin", "k2");
    same_dates.place = place("english", 1, false);
    assert_eq!(store.submit(same_dates).await.unwrap(), SubmitOutcome::Full);

    let mut new_dates = new_submission("Robin", "k3");
    new_dates.place = place("english", 1, false);
    if let Some(place) = new_dates.place.as_mut() {
        place.starts = cohort_start() + SignedDuration::from_hours(24 * 70);
    }
    assert_eq!(stored(store, new_dates).await.1, Status::Registered);
    let mut again = new_submission("Sam", "k4");
    again.place = place("english", 1, false);
    assert_eq!(store.submit(again).await.unwrap(), SubmitOutcome::Full);
}

/// A refusal because the cohort is full leaves no trace: no submission, no notification.
pub async fn a_full_cohort_stores_and_queues_nothing(store: &impl Store) {
    let mut first = new_submission("Alex", "k1");
    first.place = place("english", 1, false);
    first.notifications.clear();
    stored(store, first).await;
    let mut second = new_submission("Robin", "k2");
    second.place = place("english", 1, false);
    assert_eq!(store.submit(second).await.unwrap(), SubmitOutcome::Full);
    assert_eq!(store.list("registration").await.unwrap().len(), 1);
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    assert!(due.is_empty(), "{due:?}");
}

/// Notifications are claimed for a lease, sent once, and retried at the time given.
pub async fn notifications_are_claimed_sent_and_retried(store: &impl Store) {
    let (reference, _) = stored(store, new_submission("Alex", "k1")).await;
    let lease = SignedDuration::from_mins(5);
    let claimed = store.claim_due(t0(), lease, 100).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        claimed
            .iter()
            .all(|n| n.reference == reference && n.attempts == 0)
    );
    let kinds: Vec<NotificationKind> = claimed.iter().map(|n| n.kind).collect();
    assert!(kinds.contains(&NotificationKind::Coordinator));
    assert!(kinds.contains(&NotificationKind::Acknowledgement));

    // Claimed ones are not handed to a second notifier during the lease...
    let during = t0() + SignedDuration::from_mins(1);
    assert!(
        store
            .claim_due(during, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // ...but come back if the first notifier died without a word.
    let after = t0() + SignedDuration::from_mins(6);
    let again = store.claim_due(after, lease, 100).await.unwrap();
    assert_eq!(again.len(), 2);

    let (sent, failed) = (&again[0], &again[1]);
    store.mark_sent(&sent.id, after).await.unwrap();
    let retry_at = after + SignedDuration::from_mins(2);
    store
        .mark_failed(&failed.id, Some(retry_at), "connection refused")
        .await
        .unwrap();
    let before_retry = after + SignedDuration::from_mins(1);
    assert!(
        store
            .claim_due(before_retry, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store.claim_due(retry_at, lease, 100).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].id, failed.id);
    assert_eq!(retried[0].attempts, 1);

    // Abandoned (a message that can never be sent): never claimed again.
    store
        .mark_failed(&retried[0].id, None, "address refused")
        .await
        .unwrap();
    let much_later = t0() + SignedDuration::from_hours(48);
    assert!(
        store
            .claim_due(much_later, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

/// One notification claimed by its id (as the DynamoDB stream names it): once, only when due
/// and unsent, and not while another notifier holds it.
pub async fn a_notification_is_claimed_by_id_once(store: &impl Store) {
    stored(store, new_submission("Alex", "k1")).await;
    let lease = SignedDuration::from_mins(5);
    // Learn the ids (claim_due), then let the lease lapse so both are due again.
    let ids: Vec<String> = store
        .claim_due(t0(), lease, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids.len(), 2);
    let later = t0() + SignedDuration::from_mins(10);
    let first = store
        .claim(&ids[0], later, lease)
        .await
        .unwrap()
        .expect("due and unsent: claimed");
    assert_eq!(first.id, ids[0]);
    assert_eq!(first.attempts, 0);
    // A second notifier (the sweep, or a retried stream batch) gets nothing during the lease.
    assert!(store.claim(&ids[0], later, lease).await.unwrap().is_none());
    assert!(
        store
            .claim_due(later, lease, 100)
            .await
            .unwrap()
            .iter()
            .all(|n| n.id != ids[0])
    );
    // Sent: never claimed again, not even after the lease.
    store.mark_sent(&ids[0], later).await.unwrap();
    let much_later = t0() + SignedDuration::from_hours(1);
    assert!(
        store
            .claim(&ids[0], much_later, lease)
            .await
            .unwrap()
            .is_none()
    );
    // Not yet due (a retry later): not claimed before its time.
    store
        .mark_failed(&ids[1], Some(much_later), "connection refused")
        .await
        .unwrap();
    assert!(store.claim(&ids[1], later, lease).await.unwrap().is_none());
    let retried = store.claim(&ids[1], much_later, lease).await.unwrap();
    assert_eq!(retried.map(|n| n.attempts), Some(1));
}

/// Notifications queued for later (anonymous feedback's morning batch) are neither swept nor
/// claimed by id before their time, then are.
pub async fn notifications_due_later_wait_for_their_time(store: &impl Store) {
    let mut later = new_submission("Alex", "k1");
    let morning = t0() + SignedDuration::from_hours(17);
    later.notify_at = morning;
    stored(store, later).await;
    let lease = SignedDuration::from_mins(5);
    let before = morning - SignedDuration::from_mins(1);
    assert!(store.claim_due(t0(), lease, 100).await.unwrap().is_empty());
    assert!(
        store
            .claim_due(before, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.claim_due(morning, lease, 100).await.unwrap();
    assert_eq!(due.len(), 2);
    // By id (the stream announces them at once): not before their time either.
    let id = due[0].id.clone();
    store
        .mark_failed(&id, Some(morning), "retry")
        .await
        .unwrap();
    assert!(store.claim(&id, before, lease).await.unwrap().is_none());
    assert!(store.claim(&id, morning, lease).await.unwrap().is_some());
}

/// The backlog's age: the first due time of the longest-waiting notification, which claims
/// and retries do not move; not counting those due later, sent, or given up on.
pub async fn the_backlog_is_as_old_as_the_longest_waiting_notification(store: &impl Store) {
    let lease = SignedDuration::from_mins(5);
    assert_eq!(store.oldest_waiting(t0()).await.unwrap(), None);
    let (first, _) = stored(store, new_submission("Alex", "k1")).await;
    let mut second = new_submission("Robin", "k2");
    second.received_at = t0() + SignedDuration::from_mins(10);
    second.notify_at = second.received_at;
    stored(store, second).await;
    let mut tomorrow = new_submission("Sam", "k3");
    tomorrow.notify_at = t0() + SignedDuration::from_hours(17);
    stored(store, tomorrow).await;
    assert_eq!(store.oldest_waiting(t0()).await.unwrap(), Some(t0()));

    // Claimed, and the first submission's failed and retried later: still waiting since t0.
    let at = t0() + SignedDuration::from_mins(20);
    let claimed = store.claim_due(at, lease, 100).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let (early, late): (Vec<_>, Vec<_>) = claimed.iter().partition(|n| n.reference == first);
    assert_eq!((early.len(), late.len()), (2, 2));
    assert_eq!(store.oldest_waiting(at).await.unwrap(), Some(t0()));
    for n in &early {
        let retry = at + SignedDuration::from_mins(30);
        store
            .mark_failed(&n.id, Some(retry), "451 try later")
            .await
            .unwrap();
    }
    assert_eq!(store.oldest_waiting(at).await.unwrap(), Some(t0()));

    // The first submission's notifications given up on and the second's sent: nothing waits,
    // until the one due tomorrow is due.
    for n in &early {
        store.mark_failed(&n.id, None, "550 refused").await.unwrap();
    }
    for n in &late {
        store.mark_sent(&n.id, at).await.unwrap();
    }
    assert_eq!(store.oldest_waiting(at).await.unwrap(), None);
    let morning = t0() + SignedDuration::from_hours(18);
    assert_eq!(
        store.oldest_waiting(morning).await.unwrap(),
        Some(t0() + SignedDuration::from_hours(17))
    );
}

/// A notification given up on is listed with its reason (a retried one, a sent one are not),
/// and can be put back in the queue once: then it is due again, its attempts from zero.
pub async fn notifications_given_up_on_are_listed_and_can_be_requeued(store: &impl Store) {
    let lease = SignedDuration::from_mins(5);
    assert!(store.failed_notifications().await.unwrap().is_empty());
    let (reference, _) = stored(store, new_submission("Alex", "k1")).await;
    stored(store, new_submission("Robin", "k2")).await;
    let claimed = store.claim_due(t0(), lease, 100).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let (mine, others): (Vec<_>, Vec<_>) = claimed.iter().partition(|n| n.reference == reference);
    let gave_up = &mine[0];
    store
        .mark_failed(&gave_up.id, Some(t0()), "451 try later")
        .await
        .unwrap();
    let gave_up = store
        .claim(&gave_up.id, t0(), lease)
        .await
        .unwrap()
        .expect("due again");
    store
        .mark_failed(
            &gave_up.id,
            None,
            "gave up after 2 attempts: 535 login refused",
        )
        .await
        .unwrap();
    store.mark_sent(&mine[1].id, t0()).await.unwrap();
    let retry = t0() + SignedDuration::from_mins(30);
    store
        .mark_failed(&others[0].id, Some(retry), "451 try later")
        .await
        .unwrap();

    let failed = store.failed_notifications().await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].id, gave_up.id);
    assert_eq!(failed[0].reference, reference);
    assert_eq!(failed[0].kind, gave_up.kind);
    assert_eq!(failed[0].attempts, 2);
    assert_eq!(
        failed[0].reason,
        "gave up after 2 attempts: 535 login refused"
    );
    // Only a notification given up on can be requeued.
    let later = t0() + SignedDuration::from_hours(2);
    assert!(!store.requeue(&mine[1].id, later).await.unwrap(), "sent");
    assert!(
        !store.requeue(&others[0].id, later).await.unwrap(),
        "queued"
    );
    assert!(store.requeue(&gave_up.id, later).await.unwrap());
    assert!(!store.requeue(&gave_up.id, later).await.unwrap(), "once");
    assert!(store.failed_notifications().await.unwrap().is_empty());
    let before = later - SignedDuration::from_mins(1);
    assert!(
        store
            .claim(&gave_up.id, before, lease)
            .await
            .unwrap()
            .is_none()
    );
    let again = store.claim(&gave_up.id, later, lease).await.unwrap();
    assert_eq!(again.map(|n| n.attempts), Some(0));
}

/// Retention: submissions older than the cut-off go, with their pending notifications.
pub async fn purge_deletes_old_submissions_and_their_notifications(store: &impl Store) {
    let mut old = new_submission("Alex", "old");
    old.received_at = t0() - SignedDuration::from_hours(24 * 91);
    let old_reference = old.reference.clone();
    stored(store, old).await;
    let (recent, _) = stored(store, new_submission("Robin", "recent")).await;
    let deleted = store
        .purge(t0() - SignedDuration::from_hours(24 * 90))
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(store.get(&old_reference).await.unwrap().is_none());
    assert!(store.get(&recent).await.unwrap().is_some());
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    assert!(due.iter().all(|n| n.reference == recent), "{due:?}");
    assert_eq!(due.len(), 2);
}

/// A coordinator's export: one form's submissions, oldest first.
pub async fn list_returns_a_forms_submissions_oldest_first(store: &impl Store) {
    let mut later = new_submission("Robin", "k2");
    later.received_at = t0() + SignedDuration::from_mins(1);
    let (later_ref, _) = stored(store, later).await;
    let (first_ref, _) = stored(store, new_submission("Alex", "k1")).await;
    let mut feedback = new_submission("x", "k3");
    feedback.submission.form = "feedback".into();
    stored(store, feedback).await;
    let listed: Vec<Reference> = store
        .list("registration")
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.reference)
        .collect();
    assert_eq!(listed, [first_ref, later_ref]);
}

/// 50 people register at once, through several handles, for a cohort of 10: exactly 10 get a
/// place, those who asked are waitlisted, the others are refused, and none is lost.
pub async fn concurrent_registrations_never_exceed_the_group_size<S: Store + Clone>(handles: &[S]) {
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = handles[i % handles.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut new = new_submission(&format!("Person {i}"), &format!("key-{i}"));
            new.place = place("english", 10, i % 2 == 0);
            store.submit(new).await
        }));
    }
    let (mut registered, mut waitlisted, mut full) = (0, 0, 0);
    for task in tasks {
        match task.await.expect("task").expect("submit") {
            SubmitOutcome::Stored {
                status: Status::Registered,
                ..
            } => registered += 1,
            SubmitOutcome::Stored {
                status: Status::Waitlisted,
                ..
            } => waitlisted += 1,
            SubmitOutcome::Full => full += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(registered, 10);
    assert_eq!(
        registered + waitlisted + full,
        50,
        "every person got an answer"
    );
    let kept = handles[0].list("registration").await.unwrap();
    assert_eq!(
        kept.len(),
        registered + waitlisted,
        "every stored one is kept"
    );
    assert_eq!(
        kept.iter()
            .filter(|s| s.status == Status::Registered)
            .count(),
        10
    );
}

/// Anonymous feedback stored among timed submissions leaves nothing that dates it finer than its
/// day or places it among them: two pieces of feedback with the same answers, one at 8 am among
/// the morning's registrations and one at 7 pm among the evening's, leave the same rows and
/// attributes once their random reference (and page key) is set aside. A rowid, a counter, a key
/// derived from the time or a notice due at a time that depends on the hour would tell them
/// apart.
pub async fn anonymous_submissions_leave_no_time_and_no_order(
    store: &impl Store,
    dump: &impl Dump,
) {
    let tz = TimeZone::get("America/Toronto").expect("the program's time zone");
    let at = |time: &str| -> Timestamp {
        format!("2025-06-02T{time}:00")
            .parse::<jiff::civil::DateTime>()
            .and_then(|local| local.to_zoned(tz.clone()))
            .expect("a local time")
            .timestamp()
    };
    let timed = |name: &str, time: &str| {
        let mut new = new_submission(name, &format!("key-{name}"));
        new.received_at = at(time);
        new.notify_at = new.received_at;
        new
    };
    let feedback = |time: &str, page_key: Option<&str>| {
        let answers = Submission {
            form: "feedback".into(),
            lang: Lang::En,
            answers: BTreeMap::from([
                ("service".to_string(), Answer::Text("chat".into())),
                ("rating".to_string(), Answer::Text("very-good".into())),
            ]),
        };
        let stamp = anonymous::stamp(true, &answers, page_key, at(time), &tz);
        NewSubmission {
            reference: Reference::generate(),
            received_at: stamp.received_at,
            idempotency_keys: stamp.idempotency_keys,
            submission: answers,
            place: None,
            status: Status::Received,
            notifications: vec![NewNotification {
                kind: NotificationKind::Coordinator,
                recipient: "coordinators@example.ca".into(),
            }],
            notify_at: stamp.notify_at,
            ack_quota: None,
        }
    };
    let (morning, morning_keyed) = (feedback("08:00", None), feedback("08:30", Some("page-1")));
    let (evening, evening_keyed) = (feedback("19:00", None), feedback("19:30", Some("page-2")));
    for new in [
        timed("Alex", "07:00"),
        morning.clone(),
        morning_keyed.clone(),
        timed("Robin", "10:00"),
        timed("Sam", "15:00"),
        evening.clone(),
        evening_keyed.clone(),
        timed("Kim", "21:00"),
    ] {
        stored(store, new).await;
    }
    assert_eq!(store.list("feedback").await.unwrap().len(), 4);

    let records = dump.dump().await;
    // The records of one submission (those that name its reference), with its reference and the
    // given page keys' hashes replaced by placeholders, sorted.
    let traces = |new: &NewSubmission, page_key: Option<&str>| -> Vec<String> {
        // The key the page's key gives at another moment: if keys depended on the time, the
        // stored one would not be this one, and would show.
        let masks = crate::idempotency::keys(true, &new.submission, page_key, t0());
        let mut found: Vec<String> = records
            .iter()
            .filter(|r| r.values().any(|v| v.contains(new.reference.as_str())))
            .map(|record| {
                let mut text = format!("{record:?}").replace(new.reference.as_str(), "<ref>");
                for key in page_key.map(|_| &masks).into_iter().flatten() {
                    text = text.replace(key.as_str(), "<key>");
                }
                text
            })
            .collect();
        found.sort();
        found
    };
    let (morning, evening) = (traces(&morning, None), traces(&evening, None));
    assert!(
        morning.len() >= 2,
        "the submission and its notice: {morning:#?}"
    );
    assert_eq!(
        morning, evening,
        "feedback without a page key, 8 am and 7 pm: nothing may tell them apart"
    );
    let morning = traces(&morning_keyed, Some("page-1"));
    let evening = traces(&evening_keyed, Some("page-2"));
    assert!(morning.len() >= 2, "{morning:#?}");
    assert_eq!(
        morning, evening,
        "feedback with a page key, 8:30 am and 7:30 pm: nothing may tell them apart"
    );
}

/// An address gets at most its day's share of acknowledgements: past it, the submission and
/// the coordinators' notice are stored and queued, the acknowledgement is not. Another day (or
/// address) has its own count, and the store keeps the count under the quota's key, never the
/// address.
pub async fn acknowledgements_to_one_address_are_capped_per_day(
    store: &impl Store,
    dump: &impl Dump,
) {
    let quota = |key: &str| AckQuota {
        key: key.to_string(),
        limit: 2,
        expires_at: t0() + SignedDuration::from_hours(48),
    };
    let mut acknowledged = Vec::new();
    for i in 0..3 {
        let mut new = new_submission("Alex", &format!("k{i}"));
        new.ack_quota = Some(quota("0123abcd-day-one"));
        match store.submit(new).await.unwrap() {
            SubmitOutcome::Stored {
                acknowledged: a, ..
            } => acknowledged.push(a),
            other => panic!("expected Stored, got {other:?}"),
        }
    }
    assert_eq!(acknowledged, [true, true, false]);
    // The third sent again: a duplicate, still without an acknowledgement.
    let mut again = new_submission("Alex", "k2");
    again.ack_quota = Some(quota("0123abcd-day-one"));
    assert!(matches!(
        store.submit(again).await.unwrap(),
        SubmitOutcome::Duplicate {
            acknowledged: false,
            ..
        }
    ));
    assert_eq!(
        store.list("registration").await.unwrap().len(),
        3,
        "none lost"
    );
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    let count = |kind| due.iter().filter(|n| n.kind == kind).count();
    assert_eq!(count(NotificationKind::Coordinator), 3);
    assert_eq!(count(NotificationKind::Acknowledgement), 2);

    // Another day's key: its own count.
    let mut next_day = new_submission("Alex", "k3");
    next_day.ack_quota = Some(quota("0123abcd-day-two"));
    assert!(matches!(
        store.submit(next_day).await.unwrap(),
        SubmitOutcome::Stored {
            acknowledged: true,
            ..
        }
    ));
    // No cap asked, no acknowledgement asked.
    let mut uncapped = new_submission("Robin", "k4");
    uncapped.ack_quota = None;
    assert!(matches!(
        store.submit(uncapped).await.unwrap(),
        SubmitOutcome::Stored {
            acknowledged: true,
            ..
        }
    ));
    let mut coordinators_only = new_submission("Sam", "k5");
    coordinators_only.notifications.pop();
    coordinators_only.ack_quota = Some(quota("0123abcd-day-one"));
    assert!(matches!(
        store.submit(coordinators_only).await.unwrap(),
        SubmitOutcome::Stored {
            acknowledged: false,
            ..
        }
    ));

    // The count's record holds the key, a number and an expiry: no address.
    let records = dump.dump().await;
    let counts: Vec<_> = records
        .iter()
        .filter(|r| r.values().any(|v| v.contains("0123abcd-day-one")))
        .collect();
    assert_eq!(counts.len(), 1, "{records:#?}");
    assert!(
        counts[0].values().all(|v| !v.contains('@')),
        "{:#?}",
        counts[0]
    );
    let expiry = [
        (t0() + SignedDuration::from_hours(48)).as_millisecond(),
        (t0() + SignedDuration::from_hours(48)).as_second(),
    ]
    .map(|n| n.to_string());
    assert!(
        counts[0].values().any(|v| expiry.contains(v)),
        "the count expires: {:#?}",
        counts[0]
    );
}
