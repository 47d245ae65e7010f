//! The conformance cases of [`InboxStore`](crate::store::InboxStore): the coordinators'
//! workspace's store operations. `handler/tests/store_sqlite.rs` runs them on SQLite,
//! `handler/tests/services/store.rs` on DynamoDB; both check they run every case of
//! [`INBOX_CASES`] and [`INBOX_DUMP_CASES`].

use super::{Dump, cohort_start, new_submission, stored, t0};
use crate::anonymous;
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use crate::store::inbox::{CohortId, DoneMark, Handling, Progress};
use crate::store::{
    NewNotification, NewSubmission, NotificationKind, Status, Store, SubmitOutcome,
};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use model::Lang;
use model::forms::{Answer, Submission};
use std::collections::BTreeMap;

/// Every inbox case that needs only the store.
pub const INBOX_CASES: [&str; 10] = [
    "the_inbox_lists_a_forms_submissions_newest_first_with_counts",
    "a_submission_is_opened_with_its_handling",
    "deleting_now_removes_the_submission_its_notices_and_its_keys",
    "deleting_a_registration_frees_its_place",
    "the_roster_lists_a_runs_people_in_order_of_arrival",
    "a_submission_marked_done_is_deleted_after_its_days",
    "a_registration_marked_done_early_keeps_its_place_until_its_deletion_day",
    "deleting_a_registration_withdrawn_first_frees_no_second_place",
    "an_activity_entry_keeps_its_date_only_marker",
    "the_activity_log_is_read_page_by_page_newest_first",
];

/// Inbox cases that also read everything the backend keeps.
pub const INBOX_DUMP_CASES: [&str; 2] = [
    "anonymous_feedback_handled_keeps_its_day_only",
    "deleting_now_leaves_nothing_that_names_the_submission",
];

fn toronto() -> TimeZone {
    TimeZone::get("America/Toronto").expect("the program's time zone")
}

fn at_minute(minutes: i64) -> Timestamp {
    t0() + SignedDuration::from_mins(minutes)
}

fn place(id: &str, size: u32, starts: Timestamp) -> Option<PlaceRequest> {
    Some(PlaceRequest {
        offering: "workshop".into(),
        cohort: id.into(),
        starts,
        group_size: size,
        waiting_list: true,
    })
}

fn cohort(id: &str, starts: Timestamp) -> CohortId {
    CohortId {
        offering: "workshop".into(),
        cohort: id.into(),
        starts,
    }
}

/// A form's submissions, newest first, with each one's progress and the counts per progress;
/// a progress filter keeps the counts of all; other forms' submissions are not listed.
pub async fn the_inbox_lists_a_forms_submissions_newest_first_with_counts(store: &impl Store) {
    let mut references = Vec::new();
    for minute in 0..3 {
        let mut new = new_submission("Alex", &format!("k{minute}"));
        new.received_at = at_minute(minute);
        references.push(stored(store, new).await.0);
    }
    let mut feedback = new_submission("x", "other-form");
    feedback.submission.form = "feedback".into();
    stored(store, feedback).await;
    let mark = DoneMark::at(t0(), &toronto(), 30);
    assert!(
        store
            .set_handling(&references[0], Handling::Done(mark))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_handling(&references[1], Handling::InProgress)
            .await
            .unwrap()
    );

    let inbox = store.inbox("registration", None).await.unwrap();
    let listed: Vec<_> = inbox
        .summaries
        .iter()
        .map(|s| s.reference.clone())
        .collect();
    assert_eq!(
        listed,
        [
            references[2].clone(),
            references[1].clone(),
            references[0].clone()
        ]
    );
    let progress: Vec<_> = inbox.summaries.iter().map(|s| s.handling).collect();
    assert_eq!(
        progress,
        [Handling::New, Handling::InProgress, Handling::Done(mark)]
    );
    assert_eq!((inbox.counts.new, inbox.counts.in_progress), (1, 1));
    assert_eq!(inbox.counts.done, 1);
    assert_eq!(inbox.summaries[0].received_at, at_minute(2));
    assert_eq!(inbox.summaries[0].form, "registration");

    let done = store
        .inbox("registration", Some(Progress::Done))
        .await
        .unwrap();
    assert_eq!(done.summaries.len(), 1);
    assert_eq!(done.summaries[0].reference, references[0]);
    assert_eq!(done.counts.total(), 3, "the counts are of every submission");
    assert_eq!(store.inbox("feedback", None).await.unwrap().counts.new, 1);
    assert!(
        store
            .inbox("intake", None)
            .await
            .unwrap()
            .summaries
            .is_empty()
    );
}

/// One submission, with its answers, its place and its handling; progress set back to new
/// forgets the done day; an unknown reference is none, and setting its progress says so.
pub async fn a_submission_is_opened_with_its_handling(store: &impl Store) {
    let mut new = new_submission("Alex", "k1");
    new.place = place("english", 5, cohort_start());
    let (reference, status) = stored(store, new.clone()).await;
    assert_eq!(status, Status::Registered);
    let opened = store.handled(&reference).await.unwrap().expect("kept");
    assert_eq!(opened.stored.submission, new.submission);
    assert_eq!(opened.offering.as_deref(), Some("workshop"));
    assert_eq!(opened.cohort.as_deref(), Some("english"));
    assert_eq!(opened.handling, Handling::New);

    let mark = DoneMark::at(t0(), &toronto(), 30);
    store
        .set_handling(&reference, Handling::Done(mark))
        .await
        .unwrap();
    let opened = store.handled(&reference).await.unwrap().unwrap();
    assert_eq!(opened.handling, Handling::Done(mark));
    assert_eq!(mark.on, jiff::civil::date(2025, 6, 1));
    store.set_handling(&reference, Handling::New).await.unwrap();
    let opened = store.handled(&reference).await.unwrap().unwrap();
    assert_eq!(opened.handling, Handling::New);

    let unknown = Reference::parse("AAAAAAAA").unwrap();
    assert!(store.handled(&unknown).await.unwrap().is_none());
    assert!(
        !store
            .set_handling(&unknown, Handling::InProgress)
            .await
            .unwrap()
    );
}

/// Delete now: the submission, its queued notices and its idempotency key go for good (the
/// same answers sent again are a new submission, not a "duplicate" of nothing); others stay.
pub async fn deleting_now_removes_the_submission_its_notices_and_its_keys(store: &impl Store) {
    let (gone, _) = stored(store, new_submission("Alex", "same-key")).await;
    let (kept, _) = stored(store, new_submission("Robin", "k2")).await;
    store
        .set_handling(&gone, Handling::InProgress)
        .await
        .unwrap();
    assert!(store.delete_now(&gone).await.unwrap());
    assert!(store.get(&gone).await.unwrap().is_none());
    assert!(store.handled(&gone).await.unwrap().is_none());
    assert!(!store.delete_now(&gone).await.unwrap(), "already gone");
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    assert!(due.iter().all(|n| n.reference == kept), "{due:?}");
    assert_eq!(due.len(), 2);
    let inbox = store.inbox("registration", None).await.unwrap();
    assert_eq!(inbox.counts.total(), 1);
    let again = store
        .submit(new_submission("Alex", "same-key"))
        .await
        .unwrap();
    assert!(
        matches!(again, SubmitOutcome::Stored { .. }),
        "a deleted submission's key names nothing: {again:?}"
    );
}

/// A registration deleted now gives its place back: the next person registers.
pub async fn deleting_a_registration_frees_its_place(store: &impl Store) {
    let mut first = new_submission("Alex", "k1");
    first.place = place("english", 1, cohort_start());
    let (first, status) = stored(store, first).await;
    assert_eq!(status, Status::Registered);
    let mut waiting = new_submission("Robin", "k2");
    waiting.place = place("english", 1, cohort_start());
    assert_eq!(stored(store, waiting).await.1, Status::Waitlisted);
    store
        .add_withdrawal_link("hash-deleted", &first, t0(), cohort_start())
        .await
        .unwrap();
    assert!(store.delete_now(&first).await.unwrap());
    assert!(
        store
            .withdrawal_link("hash-deleted")
            .await
            .unwrap()
            .is_none(),
        "its withdrawal link goes with it"
    );
    let mut next = new_submission("Sam", "k3");
    next.place = place("english", 1, cohort_start());
    assert_eq!(stored(store, next).await.1, Status::Registered);
    let mut last = new_submission("Kim", "k4");
    last.place = place("english", 1, cohort_start());
    assert_eq!(
        stored(store, last).await.1,
        Status::Waitlisted,
        "freed once"
    );
}

/// The workspace deletes a registration in two steps (its place handed on through
/// `change_place`, then `delete_now`); done again after the first step alone (the second
/// failed), the deletion frees no second place: the withdrawn registration holds none.
pub async fn deleting_a_registration_withdrawn_first_frees_no_second_place(store: &impl Store) {
    let mut people = Vec::new();
    for (minute, (name, key)) in [("Alex", "k1"), ("Robin", "k2"), ("Sam", "k3")]
        .into_iter()
        .enumerate()
    {
        let mut person = new_submission(name, key);
        person.received_at = at_minute(minute as i64);
        person.place = place("english", 1, cohort_start());
        people.push(stored(store, person).await);
    }
    let statuses: Vec<Status> = people.iter().map(|(_, status)| *status).collect();
    assert_eq!(
        statuses,
        [Status::Registered, Status::Waitlisted, Status::Waitlisted]
    );
    let change = crate::store::places::PlaceChange {
        reference: people[0].0.clone(),
        action: crate::store::places::PlaceAction::Withdraw,
        group_size: 1,
        promote: true,
        at: t0() + SignedDuration::from_hours(1),
        notify_at: t0() + SignedDuration::from_hours(1),
        notices: super::places::notices(),
    };
    store.change_place(change).await.unwrap();
    assert!(store.delete_now(&people[0].0).await.unwrap());
    let roster = store
        .roster("registration", &cohort("english", cohort_start()))
        .await
        .unwrap();
    let registered: Vec<_> = roster.registered.iter().map(|p| &p.reference).collect();
    assert_eq!(
        registered,
        [&people[1].0],
        "the first waiting got the place"
    );
    let mut late = new_submission("Kim", "k4");
    late.place = place("english", 1, cohort_start());
    assert_eq!(
        stored(store, late).await.1,
        Status::Waitlisted,
        "no second place"
    );
}

/// An activity entry's "date only" marker is stored with it: an entry about anonymous
/// feedback keeps its day only, and one made at midnight exactly is not taken for one.
pub async fn an_activity_entry_keeps_its_date_only_marker(store: &impl Store) {
    use crate::store::auth::{Activity, ActivityEntry};
    let midnight = jiff::civil::date(2025, 6, 2)
        .to_zoned(toronto())
        .expect("a day's start")
        .timestamp();
    for (reference, date_only) in [("K7MW4XTA", false), ("P3RT9KXA", true)] {
        let entry = ActivityEntry {
            at: midnight,
            actor: "alex@example.ca".into(),
            date_only,
            action: Activity::Viewed {
                reference: Reference::parse(reference).expect("a reference"),
            },
        };
        store.log_activity(entry).await.unwrap();
    }
    let mut read: Vec<(String, bool)> = store
        .activity(10)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| match entry.action {
            Activity::Viewed { reference } => (reference.to_string(), entry.date_only),
            other => panic!("{other:?}"),
        })
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            ("K7MW4XTA".to_string(), false),
            ("P3RT9KXA".to_string(), true)
        ]
    );
}

/// The activity log reads page by page, newest first: every entry once, in order, and the
/// last page says there is nothing older.
pub async fn the_activity_log_is_read_page_by_page_newest_first(store: &impl Store) {
    use crate::store::auth::{Activity, ActivityEntry};
    for minute in 0..7 {
        let entry = ActivityEntry {
            at: at_minute(minute),
            actor: format!("person{minute}@example.ca"),
            date_only: false,
            action: Activity::SignedIn,
        };
        store.log_activity(entry).await.unwrap();
    }
    let (mut read, mut older) = (Vec::new(), None::<String>);
    for pages in 1.. {
        let page = store.activity_page(older.as_deref(), 3).await.unwrap();
        assert!(page.entries.len() <= 3);
        read.extend(page.entries.into_iter().map(|e| e.actor));
        older = page.older;
        if let Some(key) = &older {
            assert!(crate::store::inbox::is_activity_key(key), "{key}");
        } else {
            assert_eq!(pages, 3);
            break;
        }
    }
    let expected: Vec<String> = (0..7)
        .rev()
        .map(|m| format!("person{m}@example.ca"))
        .collect();
    assert_eq!(read, expected);
}

/// Delete now leaves nothing that names the submission: not its item or row, its notices,
/// its idempotency record, its withdrawal link, nor its handling.
pub async fn deleting_now_leaves_nothing_that_names_the_submission(
    store: &impl Store,
    dump: &impl Dump,
) {
    let mut person = new_submission("Alex", "the-key");
    person.place = place("english", 2, cohort_start());
    let (gone, status) = stored(store, person).await;
    assert_eq!(status, Status::Registered);
    store
        .add_withdrawal_link("hash-gone", &gone, t0(), cohort_start())
        .await
        .unwrap();
    store
        .set_handling(&gone, Handling::InProgress)
        .await
        .unwrap();
    assert!(store.delete_now(&gone).await.unwrap());
    let traces: Vec<_> = dump
        .dump()
        .await
        .into_iter()
        .filter(|r| r.values().any(|v| v.contains(gone.as_str())))
        .collect();
    assert!(traces.is_empty(), "{traces:?}");
}

/// A cohort's roster: the registered and the waiting, each in order of arrival, and the places
/// left; another cohort's people (another id, or the same id with another start) are not on it.
pub async fn the_roster_lists_a_runs_people_in_order_of_arrival(store: &impl Store) {
    let mut people = Vec::new();
    for minute in 0..4 {
        let mut new = new_submission("Person", &format!("k{minute}"));
        new.received_at = at_minute(minute);
        new.place = place("english", 2, cohort_start());
        people.push(stored(store, new).await.0);
    }
    let mut french = new_submission("Kim", "french");
    french.place = place("french", 2, cohort_start());
    stored(store, french).await;
    let later_start = cohort_start() + SignedDuration::from_hours(24 * 70);
    let mut next = new_submission("Lee", "next-cohort");
    next.place = place("english", 2, later_start);
    stored(store, next).await;

    let roster = store
        .roster("registration", &cohort("english", cohort_start()))
        .await
        .unwrap();
    let names = |list: &[crate::store::inbox::SubmissionSummary]| -> Vec<Reference> {
        list.iter().map(|s| s.reference.clone()).collect()
    };
    assert_eq!(names(&roster.registered), people[..2]);
    assert_eq!(names(&roster.waiting), people[2..]);
    assert_eq!(roster.places_left(2), 0);
    assert_eq!(roster.places_left(5), 3);
    let next = store
        .roster("registration", &cohort("english", later_start))
        .await
        .unwrap();
    assert_eq!(next.registered.len(), 1);
    assert!(next.waiting.is_empty());
    let other_form = store
        .roster("intake", &cohort("english", cohort_start()))
        .await
        .unwrap();
    assert!(other_form.registered.is_empty());
}

/// Retention of handled submissions: marked done, a submission is deleted at the start of the
/// day its done retention ends, with its notices; one not done stays.
pub async fn a_submission_marked_done_is_deleted_after_its_days(store: &impl Store) {
    let (done, _) = stored(store, new_submission("Alex", "k1")).await;
    let (open, _) = stored(store, new_submission("Robin", "k2")).await;
    let mark = DoneMark::at(t0(), &toronto(), 30);
    store
        .set_handling(&done, Handling::Done(mark))
        .await
        .unwrap();
    let before = mark.delete_at - SignedDuration::from_secs(1);
    assert_eq!(store.purge_done(before).await.unwrap(), 0);
    assert!(store.get(&done).await.unwrap().is_some());
    assert_eq!(store.purge_done(mark.delete_at).await.unwrap(), 1);
    assert!(store.get(&done).await.unwrap().is_none());
    assert!(store.get(&open).await.unwrap().is_some());
    let due = store
        .claim_due(t0(), SignedDuration::from_mins(5), 100)
        .await
        .unwrap();
    assert!(due.iter().all(|n| n.reference == open), "{due:?}");
}

/// A registration marked done before its cohort is over ([`DoneMark::after`]) stays on the
/// roster holding its place until its deletion day, 30 days after the cohort's last session;
/// then it goes with its notices.
pub async fn a_registration_marked_done_early_keeps_its_place_until_its_deletion_day(
    store: &impl Store,
) {
    let mut first = new_submission("Alex", "k1");
    first.place = place("english", 1, cohort_start());
    let (first, status) = stored(store, first).await;
    assert_eq!(status, Status::Registered);
    let last_session_ends = cohort_start() + SignedDuration::from_hours(24 * 14);
    let mark = DoneMark::after(t0(), Some(last_session_ends), &toronto(), 30);
    assert!(mark.delete_at > last_session_ends + SignedDuration::from_hours(24 * 29));
    store
        .set_handling(&first, Handling::Done(mark))
        .await
        .unwrap();
    let a_month_later = t0() + SignedDuration::from_hours(24 * 31);
    assert_eq!(store.purge_done(a_month_later).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_done(mark.delete_at - SignedDuration::from_secs(1))
            .await
            .unwrap(),
        0
    );
    let roster = store
        .roster("registration", &cohort("english", cohort_start()))
        .await
        .unwrap();
    assert_eq!(
        roster.registered.len(),
        1,
        "still on the roster: {roster:?}"
    );
    let mut next = new_submission("Robin", "k2");
    next.place = place("english", 1, cohort_start());
    assert_eq!(
        stored(store, next).await.1,
        Status::Waitlisted,
        "its place held"
    );
    assert_eq!(store.purge_done(mark.delete_at).await.unwrap(), 1);
    assert!(store.get(&first).await.unwrap().is_none());
}

fn feedback(at: Timestamp, tz: &TimeZone) -> NewSubmission {
    let answers = Submission {
        form: "feedback".into(),
        lang: Lang::En,
        answers: BTreeMap::from([("rating".to_string(), Answer::Text("good".into()))]),
    };
    let stamp = anonymous::stamp(true, &answers, None, at, tz);
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
}

/// Anonymous feedback handled by a coordinator still leaves its day only: two pieces of one
/// day, marked in progress and done at different hours, leave the same records once their
/// random references are set aside, and the inbox lists a day's feedback by reference, never
/// in order of arrival.
pub async fn anonymous_feedback_handled_keeps_its_day_only(store: &impl Store, dump: &impl Dump) {
    let tz = toronto();
    let local = |time: &str| -> Timestamp {
        format!("2025-06-02T{time}:00")
            .parse::<jiff::civil::DateTime>()
            .and_then(|dt| dt.to_zoned(tz.clone()))
            .expect("a local time")
            .timestamp()
    };
    let (morning, evening) = (feedback(local("08:00"), &tz), feedback(local("19:00"), &tz));
    let (early, late) = (morning.reference.clone(), evening.reference.clone());
    stored(store, morning).await;
    stored(store, evening).await;
    for (reference, time) in [(&early, "09:10"), (&late, "20:40")] {
        let done = Handling::set(Progress::Done, local(time), None, &tz, 30);
        store.set_handling(reference, done).await.unwrap();
    }
    let inbox = store.inbox("feedback", None).await.unwrap();
    let mut by_reference = vec![early.clone(), late.clone()];
    by_reference.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let listed: Vec<Reference> = inbox
        .summaries
        .iter()
        .map(|s| s.reference.clone())
        .collect();
    assert_eq!(
        listed, by_reference,
        "a day's feedback in order of reference"
    );

    let records = dump.dump().await;
    let traces = |reference: &Reference| -> Vec<String> {
        let mut found: Vec<String> = records
            .iter()
            .filter(|r| r.values().any(|v| v.contains(reference.as_str())))
            .map(|r| format!("{r:?}").replace(reference.as_str(), "<ref>"))
            .collect();
        found.sort();
        found
    };
    let (early, late) = (traces(&early), traces(&late));
    assert!(early.len() >= 2, "{early:#?}");
    assert_eq!(
        early, late,
        "handled at 9:10 and at 20:40: nothing may tell them apart"
    );
}
