//! The conformance cases of [`PlaceStore`](crate::store::places::PlaceStore): withdrawals,
//! the waiting list advancing, changes by hand, a raised group size, and their races. Each
//! backend's test file runs every case of [`CASES`] and [`RACE_CASES`]
//! (handler/tests/store_places.rs, handler/tests/services/places.rs).

use super::{cohort_start, new_submission, t0};
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use crate::store::places::{
    CohortPlaces, PlaceAction, PlaceChange, PlaceOutcome, PromotionNotices,
};
use crate::store::{
    NewNotification, NotificationKind, Status, Store, StoredSubmission, SubmitOutcome,
};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The cases on one store handle, in the order they are defined.
pub const CASES: [&str; 6] = [
    "a_withdrawal_gives_the_place_to_the_first_person_waiting",
    "a_withdrawal_link_works_once_and_until_the_cohort_starts",
    "a_place_freed_by_someone_waiting_or_after_the_start_goes_to_no_one",
    "a_coordinator_promotes_out_of_turn_and_marks_people_not_attending",
    "a_raised_group_size_gives_its_new_places_to_the_people_waiting_in_order",
    "a_withdrawal_queues_its_notices_with_it",
];

/// The cases that run on several handles at once (as several processes would).
pub const RACE_CASES: [&str; 2] = [
    "concurrent_withdrawals_promote_the_first_people_waiting_in_order",
    "concurrent_withdrawals_and_registrations_never_exceed_the_group_size",
];

const OFFERING: &str = "workshop";
const COHORT: &str = "spring";

fn place(group_size: u32) -> PlaceRequest {
    PlaceRequest {
        offering: OFFERING.into(),
        cohort: COHORT.into(),
        starts: cohort_start(),
        group_size,
        waiting_list: true,
    }
}

fn cohort(group_size: u32) -> CohortPlaces {
    CohortPlaces {
        form: "registration".into(),
        offering: OFFERING.into(),
        cohort: COHORT.into(),
        cohort_key: place(group_size).cohort_key(),
        group_size,
    }
}

/// The notices queued here: a promoted person gets one email; a withdrawal, one notice to
/// the coordinators.
pub fn notices() -> PromotionNotices {
    Arc::new(|moved: &StoredSubmission| {
        let (kind, recipient) = match moved.status {
            Status::Registered => (NotificationKind::Promotion, "person@example.ca"),
            Status::Withdrawn => (NotificationKind::Withdrawal, "coordinators@example.ca"),
            _ => return Vec::new(),
        };
        vec![NewNotification {
            kind,
            recipient: recipient.into(),
        }]
    })
}

/// Registers `name` for the cohort of `group_size` places, `n` seconds after [`t0`] (so the
/// waiting list's order is the order of `n`); returns its reference and status.
pub async fn register(
    store: &impl Store,
    name: &str,
    n: i64,
    group_size: u32,
) -> (Reference, Status) {
    let mut new = new_submission(name, &format!("key-{name}"));
    new.received_at = t0() + SignedDuration::from_secs(n);
    new.notify_at = new.received_at;
    new.place = Some(place(group_size));
    new.status = Status::Registered;
    match store.submit(new).await.expect("stored") {
        SubmitOutcome::Stored {
            reference, status, ..
        } => (reference, status),
        other => panic!("{name} was not stored: {other:?}"),
    }
}

fn change(reference: &Reference, action: PlaceAction, group_size: u32) -> PlaceChange {
    PlaceChange {
        reference: reference.clone(),
        action,
        group_size,
        promote: true,
        at: t0() + SignedDuration::from_hours(1),
        notify_at: t0() + SignedDuration::from_hours(1),
        notices: notices(),
    }
}

/// Each registration's status in the cohort, by reference.
pub async fn statuses(store: &impl Store) -> BTreeMap<String, Status> {
    store
        .list("registration")
        .await
        .expect("listed")
        .into_iter()
        .map(|s| (s.reference.to_string(), s.status))
        .collect()
}

async fn count(store: &impl Store, status: Status) -> usize {
    statuses(store)
        .await
        .values()
        .filter(|s| **s == status)
        .count()
}

/// The promotion notices queued, by reference (claimed, so each is seen once).
pub async fn promotion_notices(store: &impl Store) -> BTreeMap<String, usize> {
    let later = t0() + SignedDuration::from_hours(2);
    let claimed = store
        .claim_due(later, SignedDuration::from_mins(5), 1000)
        .await
        .expect("claimed");
    let mut counts = BTreeMap::new();
    for note in claimed
        .into_iter()
        .filter(|n| n.kind == NotificationKind::Promotion)
    {
        *counts.entry(note.reference.to_string()).or_insert(0) += 1;
    }
    counts
}

pub async fn a_withdrawal_gives_the_place_to_the_first_person_waiting(store: &impl Store) {
    let (a, _) = register(store, "Alex", 0, 2).await;
    register(store, "Blake", 1, 2).await;
    let (c, status) = register(store, "Casey", 2, 2).await;
    assert_eq!(status, Status::Waitlisted);
    let (d, _) = register(store, "Dana", 3, 2).await;
    let outcome = store
        .change_place(change(&a, PlaceAction::Withdraw, 2))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        PlaceOutcome::Changed {
            status: Status::Withdrawn,
            promoted: Some(c.clone())
        }
    );
    let now = statuses(store).await;
    assert_eq!(now[a.as_str()], Status::Withdrawn);
    assert_eq!(now[c.as_str()], Status::Registered);
    assert_eq!(now[d.as_str()], Status::Waitlisted);
    assert_eq!(count(store, Status::Registered).await, 2);
    let notices = promotion_notices(store).await;
    assert_eq!(notices, BTreeMap::from([(c.to_string(), 1)]));
    // Withdrawn already: nothing more happens, nobody else is promoted.
    let again = store
        .change_place(change(&a, PlaceAction::Withdraw, 2))
        .await
        .unwrap();
    assert_eq!(
        again,
        PlaceOutcome::AlreadyDone {
            status: Status::Withdrawn
        }
    );
    assert_eq!(statuses(store).await[d.as_str()], Status::Waitlisted);
}

pub async fn a_withdrawal_link_works_once_and_until_the_cohort_starts(store: &impl Store) {
    let (a, _) = register(store, "Alex", 0, 1).await;
    let (b, _) = register(store, "Blake", 1, 1).await;
    store
        .add_withdrawal_link("hash-a", &a, t0(), cohort_start())
        .await
        .unwrap();
    store
        .add_withdrawal_link("hash-b", &b, t0(), cohort_start())
        .await
        .unwrap();
    let link = store.withdrawal_link("hash-a").await.unwrap().unwrap();
    assert_eq!((link.reference.clone(), link.used), (a.clone(), false));
    assert_eq!(link.valid_until, cohort_start());
    assert_eq!(store.withdrawal_link("no-such-hash").await.unwrap(), None);
    let by_link = |hash: &str, reference: &Reference| {
        change(
            reference,
            PlaceAction::WithdrawByLink {
                token_hash: hash.into(),
            },
            1,
        )
    };
    // Another registration's link, or an unknown one, withdraws nobody.
    assert_eq!(
        store.change_place(by_link("hash-b", &a)).await.unwrap(),
        PlaceOutcome::NotFound
    );
    assert_eq!(
        store.change_place(by_link("forged", &a)).await.unwrap(),
        PlaceOutcome::NotFound
    );
    let outcome = store.change_place(by_link("hash-a", &a)).await.unwrap();
    assert_eq!(
        outcome,
        PlaceOutcome::Changed {
            status: Status::Withdrawn,
            promoted: Some(b.clone())
        }
    );
    assert!(store.withdrawal_link("hash-a").await.unwrap().unwrap().used);
    // Used once: the second use does nothing.
    assert_eq!(
        store.change_place(by_link("hash-a", &a)).await.unwrap(),
        PlaceOutcome::AlreadyDone {
            status: Status::Withdrawn
        }
    );
    // Once the cohort has started, the link no longer works.
    let mut late = by_link("hash-b", &b);
    late.at = cohort_start();
    assert_eq!(
        store.change_place(late).await.unwrap(),
        PlaceOutcome::LinkExpired
    );
    assert_eq!(statuses(store).await[b.as_str()], Status::Registered);
}

pub async fn a_place_freed_by_someone_waiting_or_after_the_start_goes_to_no_one(
    store: &impl Store,
) {
    let (a, _) = register(store, "Alex", 0, 1).await;
    let (b, _) = register(store, "Blake", 1, 1).await;
    let (c, _) = register(store, "Casey", 2, 1).await;
    // Leaving the waiting list frees no place.
    let outcome = store
        .change_place(change(&b, PlaceAction::Withdraw, 1))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        PlaceOutcome::Changed {
            status: Status::Withdrawn,
            promoted: None
        }
    );
    // After the first session, a place freed stays free.
    let mut after_start = change(&a, PlaceAction::NotAttending, 1);
    after_start.promote = false;
    assert_eq!(
        store.change_place(after_start).await.unwrap(),
        PlaceOutcome::Changed {
            status: Status::NotAttending,
            promoted: None
        }
    );
    let now = statuses(store).await;
    assert_eq!(now[c.as_str()], Status::Waitlisted);
    assert_eq!(count(store, Status::Registered).await, 0);
    assert!(promotion_notices(store).await.is_empty());
    // Not attending applies to a registered person only.
    assert_eq!(
        store
            .change_place(change(&c, PlaceAction::NotAttending, 1))
            .await
            .unwrap(),
        PlaceOutcome::AlreadyDone {
            status: Status::Waitlisted
        }
    );
}

pub async fn a_coordinator_promotes_out_of_turn_and_marks_people_not_attending(store: &impl Store) {
    let (a, _) = register(store, "Alex", 0, 2).await;
    let (b, _) = register(store, "Blake", 1, 2).await;
    let (c, _) = register(store, "Casey", 2, 2).await;
    let (d, _) = register(store, "Dana", 3, 2).await;
    // Dana, second in line, gets a place by hand: three people in a group of two.
    assert_eq!(
        store
            .change_place(change(&d, PlaceAction::Promote, 2))
            .await
            .unwrap(),
        PlaceOutcome::Changed {
            status: Status::Registered,
            promoted: None
        }
    );
    assert_eq!(count(store, Status::Registered).await, 3);
    // Blake is not attending: two remain, as many as the group size, so Casey still waits.
    assert_eq!(
        store
            .change_place(change(&b, PlaceAction::NotAttending, 2))
            .await
            .unwrap(),
        PlaceOutcome::Changed {
            status: Status::NotAttending,
            promoted: None
        }
    );
    // Alex is not attending either: now a place is free, and it is Casey's.
    assert_eq!(
        store
            .change_place(change(&a, PlaceAction::NotAttending, 2))
            .await
            .unwrap(),
        PlaceOutcome::Changed {
            status: Status::NotAttending,
            promoted: Some(c.clone())
        }
    );
    assert_eq!(count(store, Status::Registered).await, 2);
    // A registered person cannot be promoted.
    assert_eq!(
        store
            .change_place(change(&c, PlaceAction::Promote, 2))
            .await
            .unwrap(),
        PlaceOutcome::AlreadyDone {
            status: Status::Registered
        }
    );
    // The cohort counts two places taken: a newcomer waits.
    assert_eq!(register(store, "Eden", 4, 2).await.1, Status::Waitlisted);
}

pub async fn a_raised_group_size_gives_its_new_places_to_the_people_waiting_in_order(
    store: &impl Store,
) {
    register(store, "Alex", 0, 2).await;
    register(store, "Blake", 1, 2).await;
    let (c, _) = register(store, "Casey", 2, 2).await;
    let (d, _) = register(store, "Dana", 3, 2).await;
    let (e, _) = register(store, "Eden", 4, 2).await;
    let at = t0() + SignedDuration::from_hours(1);
    assert!(
        store
            .fill_places(&cohort(2), at, notices())
            .await
            .unwrap()
            .is_empty()
    );
    let promoted = store.fill_places(&cohort(4), at, notices()).await.unwrap();
    assert_eq!(promoted, vec![c.clone(), d.clone()]);
    let now = statuses(store).await;
    assert_eq!(now[e.as_str()], Status::Waitlisted);
    assert_eq!(count(store, Status::Registered).await, 4);
    assert_eq!(
        promotion_notices(store).await,
        BTreeMap::from([(c.to_string(), 1), (d.to_string(), 1)])
    );
    assert!(
        store
            .fill_places(&cohort(4), at, notices())
            .await
            .unwrap()
            .is_empty()
    );
    // The counted places agree: the group is full for a newcomer.
    assert_eq!(register(store, "Finn", 5, 4).await.1, Status::Waitlisted);
}

/// 10 places taken, 5 waiting; 3 withdrawals by link at once, on different handles.
/// A withdrawal queues what its notices decide for the person withdrawn (review m13), in the
/// same step, once: registered or waiting, by link or by a coordinator; not attending and a
/// withdrawal that finds nothing to do queue nothing.
pub async fn a_withdrawal_queues_its_notices_with_it(store: &impl Store) {
    let (a, _) = register(store, "Alex", 0, 1).await;
    let (b, status) = register(store, "Blake", 1, 1).await;
    assert_eq!(status, Status::Waitlisted);
    let (c, _) = register(store, "Casey", 2, 1).await;
    let later = t0() + SignedDuration::from_hours(2);
    let lease = SignedDuration::from_mins(5);
    // The registrations' own notifications, out of the way.
    store.claim_due(later, lease, 1000).await.expect("claimed");
    let withdrawn_by = |reference: &Reference, action| {
        let change = change(reference, action, 1);
        async move { store.change_place(change).await.expect("changed") }
    };
    // Blake, waiting, withdraws; Alex is marked not attending (Casey gets the place); Alex,
    // not attending, cannot withdraw; Casey is withdrawn by a coordinator.
    let outcome = withdrawn_by(&b, PlaceAction::Withdraw).await;
    assert!(
        matches!(outcome, PlaceOutcome::Changed { .. }),
        "{outcome:?}"
    );
    withdrawn_by(&a, PlaceAction::NotAttending).await;
    let outcome = withdrawn_by(&a, PlaceAction::Withdraw).await;
    assert!(
        matches!(outcome, PlaceOutcome::AlreadyDone { .. }),
        "{outcome:?}"
    );
    withdrawn_by(&c, PlaceAction::Withdraw).await;
    withdrawn_by(&c, PlaceAction::Withdraw).await;
    let claimed = store.claim_due(later, lease, 1000).await.expect("claimed");
    let mut queued: Vec<(String, NotificationKind)> = claimed
        .into_iter()
        .map(|n| (n.reference.to_string(), n.kind))
        .collect();
    queued.sort_by_key(|(reference, kind)| (reference.clone(), kind.as_str()));
    let mut expected = vec![
        (b.to_string(), NotificationKind::Withdrawal),
        (c.to_string(), NotificationKind::Promotion),
        (c.to_string(), NotificationKind::Withdrawal),
    ];
    expected.sort_by_key(|(reference, kind)| (reference.clone(), kind.as_str()));
    assert_eq!(queued, expected);
}

pub async fn concurrent_withdrawals_promote_the_first_people_waiting_in_order<S: Store + Clone>(
    handles: &[S],
) {
    let store = &handles[0];
    let mut registered = Vec::new();
    for i in 0..10 {
        let (reference, status) = register(store, &format!("R{i}"), i, 10).await;
        assert_eq!(status, Status::Registered);
        registered.push(reference);
    }
    let mut waiting = Vec::new();
    for i in 0..5 {
        let (reference, status) = register(store, &format!("W{i}"), 10 + i, 10).await;
        assert_eq!(status, Status::Waitlisted);
        waiting.push(reference);
    }
    for (i, reference) in registered.iter().take(3).enumerate() {
        store
            .add_withdrawal_link(&format!("hash-{i}"), reference, t0(), cohort_start())
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let handle = handles[i % handles.len()].clone();
            let reference = registered[i].clone();
            tokio::spawn(async move {
                let action = PlaceAction::WithdrawByLink {
                    token_hash: format!("hash-{i}"),
                };
                handle.change_place(change(&reference, action, 10)).await
            })
        })
        .collect();
    let mut promoted = Vec::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            PlaceOutcome::Changed {
                status: Status::Withdrawn,
                promoted: Some(reference),
            } => promoted.push(reference),
            other => panic!("a withdrawal did not promote: {other:?}"),
        }
    }
    promoted.sort();
    let mut first_three = waiting[..3].to_vec();
    first_three.sort();
    assert_eq!(
        promoted, first_three,
        "the first three waiting, no one else"
    );
    let now = statuses(store).await;
    assert_eq!(count(store, Status::Registered).await, 10);
    assert_eq!(now[waiting[3].as_str()], Status::Waitlisted);
    assert_eq!(now[waiting[4].as_str()], Status::Waitlisted);
    let notices = promotion_notices(store).await;
    let expected: BTreeMap<String, usize> =
        waiting[..3].iter().map(|r| (r.to_string(), 1)).collect();
    assert_eq!(notices, expected, "each promoted person gets one message");
    // A link used twice does nothing the second time.
    let again = PlaceAction::WithdrawByLink {
        token_hash: "hash-0".into(),
    };
    assert_eq!(
        store
            .change_place(change(&registered[0], again, 10))
            .await
            .unwrap(),
        PlaceOutcome::AlreadyDone {
            status: Status::Withdrawn
        }
    );
    assert_eq!(statuses(store).await, now);
    assert!(promotion_notices(store).await.is_empty());
}

/// 20 withdrawals and registrations at once never leave more people registered than places,
/// and nobody is promoted twice.
pub async fn concurrent_withdrawals_and_registrations_never_exceed_the_group_size<
    S: Store + Clone,
>(
    handles: &[S],
) {
    let store = &handles[0];
    let mut registered = Vec::new();
    for i in 0..10 {
        registered.push(register(store, &format!("R{i}"), i, 10).await.0);
    }
    for i in 0..3 {
        register(store, &format!("W{i}"), 10 + i, 10).await;
    }
    let mut tasks = Vec::new();
    for i in 0..20usize {
        let handle = handles[i % handles.len()].clone();
        let withdrawing = registered.get(i / 2).filter(|_| i % 2 == 0).cloned();
        tasks.push(tokio::spawn(async move {
            match withdrawing {
                Some(reference) => handle
                    .change_place(change(&reference, PlaceAction::Withdraw, 10))
                    .await
                    .map(|outcome| match outcome {
                        PlaceOutcome::Changed { promoted, .. } => promoted,
                        other => panic!("a withdrawal failed: {other:?}"),
                    }),
                None => {
                    register(&handle, &format!("N{i}"), 100 + i as i64, 10).await;
                    Ok(None)
                }
            }
        }));
    }
    let mut promoted = Vec::new();
    for task in tasks {
        if let Some(reference) = task.await.unwrap().unwrap() {
            promoted.push(reference);
        }
    }
    let registered_now = count(store, Status::Registered).await;
    assert!(
        registered_now <= 10,
        "{registered_now} registered in 10 places"
    );
    let mut unique = promoted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), promoted.len(), "someone was promoted twice");
    let notices = promotion_notices(store).await;
    assert!(notices.values().all(|n| *n == 1), "{notices:?}");
    assert_eq!(notices.len(), promoted.len());
    // Whatever the interleaving, the count the store keeps is the people registered: a
    // newcomer is refused a place exactly when the rows say the group is full.
    let next = register(store, "Last", 1000, 10).await.1;
    let expected = match registered_now < 10 {
        true => Status::Registered,
        false => Status::Waitlisted,
    };
    assert_eq!(next, expected);
}

/// The time a case's changes happen at (an hour after [`t0`]).
pub fn changed_at() -> Timestamp {
    t0() + SignedDuration::from_hours(1)
}
