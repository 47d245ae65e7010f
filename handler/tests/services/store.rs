//! The store conformance suite (the same cases the SQLite store passes) against DynamoDB, and
//! what only DynamoDB has: the table's design, TTL, and its cancellation reasons.

use crate::env::{dynamodb, one_race_at_a_time, table};
use aws_sdk_dynamodb::types::{
    AttributeValue, KeyType, ProjectionType, StreamViewType, TimeToLiveStatus,
};
use handler::registration::PlaceRequest;
use handler::store::conformance::{
    self, CASES, DUMP_CASES, Dump, NOTIFIER_CASES, Record, new_submission, t0,
};
use handler::store::dynamodb::{DynamoStore, EXPIRES_AT, GSI1, HELD};
use handler::store::{Status, Store, SubmitOutcome};
use jiff::SignedDuration;

/// A fresh table, read as of the cases' fixed moment (their submissions are dated 2025).
async fn fresh(name: &str) -> DynamoStore {
    table(name, 90).await.with_clock(t0)
}

macro_rules! conformance_cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = fresh(stringify!($case)).await;
                conformance::$case(&store).await;
            }
        )*

        #[test]
        fn every_conformance_case_runs_against_dynamodb() {
            let here = [
                $(stringify!($case)),*,
                "concurrent_registrations_never_exceed_the_group_size",
                "anonymous_submissions_leave_no_time_and_no_order",
                "acknowledgements_to_one_address_are_capped_per_day",
            ];
            assert_eq!(here.len(), CASES.len() + NOTIFIER_CASES.len() + DUMP_CASES.len());
            for case in CASES.iter().chain(&NOTIFIER_CASES).chain(&DUMP_CASES) {
                assert!(here.contains(case), "{case} is not run against DynamoDB");
            }
        }
    };
}

conformance_cases!(
    stores_and_returns_a_submission,
    a_taken_reference_is_refused_and_nothing_is_stored,
    a_double_submit_is_stored_once,
    any_earlier_key_identifies_a_duplicate,
    a_cohort_takes_no_more_than_its_group_size,
    a_full_cohort_stores_and_queues_nothing,
    notifications_are_claimed_sent_and_retried,
    purge_deletes_old_submissions_and_their_notifications,
    list_returns_a_forms_submissions_oldest_first,
    a_cohort_with_new_dates_starts_with_every_place_free,
    a_notification_is_claimed_by_id_once,
    notifications_due_later_wait_for_their_time,
    the_backlog_is_as_old_as_the_longest_waiting_notification,
    notifications_given_up_on_are_listed_and_can_be_requeued,
);

/// Five clients (as five Lambda instances would have), fifty people at once, ten places.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_never_exceed_the_group_size() {
    let _race = one_race_at_a_time().await;
    let first = fresh("concurrent").await;
    let mut handles = vec![first.clone()];
    for _ in 0..4 {
        handles.push(DynamoStore::new(dynamodb().await, first.table(), 90).with_clock(t0));
    }
    conformance::concurrent_registrations_never_exceed_the_group_size(&handles).await;
}

/// Every item of the table (a scan), every attribute as text.
struct TableDump(String);

impl Dump for TableDump {
    async fn dump(&self) -> Vec<Record> {
        let client = dynamodb().await;
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let page = client
                .scan()
                .table_name(&self.0)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .unwrap();
            for item in page.items() {
                records.push(
                    item.iter()
                        .map(|(name, value)| {
                            let text = match value {
                                AttributeValue::S(text) | AttributeValue::N(text) => text.clone(),
                                other => format!("{other:?}"),
                            };
                            (name.clone(), text)
                        })
                        .collect(),
                );
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return records,
            }
        }
    }
}

#[tokio::test]
async fn acknowledgements_to_one_address_are_capped_per_day() {
    let store = fresh("ackcap").await;
    let dump = TableDump(store.table().to_string());
    conformance::acknowledgements_to_one_address_are_capped_per_day(&store, &dump).await;
}

#[tokio::test]
async fn anonymous_submissions_leave_no_time_and_no_order() {
    let store = fresh("anonymous").await;
    let dump = TableDump(store.table().to_string());
    conformance::anonymous_submissions_leave_no_time_and_no_order(&store, &dump).await;
}

/// The table's stream would announce a notification to the notifier the moment it is stored,
/// and Lambda logs every invocation: a notice held for the morning batch (anonymous feedback)
/// carries `held`, which the stream's filter (infra/template.yaml) leaves out, so nothing is
/// invoked, or logged, when feedback arrives.
#[tokio::test]
async fn notices_held_for_the_morning_batch_are_marked_for_the_streams_filter() {
    let store = fresh("held").await;
    let now = new_submission("Ada", "held-1");
    let mut held = new_submission("Grace", "held-2");
    held.notify_at = held.received_at + SignedDuration::from_hours(12);
    let (now_ref, held_ref) = (now.reference.clone(), held.reference.clone());
    store.submit(now).await.unwrap();
    store.submit(held).await.unwrap();
    let notes: Vec<Record> = TableDump(store.table().to_string())
        .dump()
        .await
        .into_iter()
        .filter(|r| r.get("sk").is_some_and(|sk| sk.starts_with("NOTE#")))
        .collect();
    assert_eq!(notes.len(), 4);
    for note in notes {
        let reference = note.get("reference").unwrap();
        let marked = note.get(HELD).map(String::as_str);
        if *reference == held_ref.as_str() {
            assert_eq!(marked, Some("Bool(true)"), "{note:?}");
        } else {
            assert_eq!(*reference, now_ref.as_str());
            assert_eq!(marked, None, "{note:?}");
        }
    }
}

/// `handler create-table` makes what infra/template.yaml declares: the two cannot drift.
#[tokio::test]
async fn the_created_table_matches_the_template() {
    let store = table("design", 90).await;
    let client = dynamodb().await;
    let table = client
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<(String, KeyType)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_string(), k.key_type().clone()))
        .collect();
    assert_eq!(
        keys,
        [("pk".into(), KeyType::Hash), ("sk".into(), KeyType::Range)]
    );
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.index_name(), Some(GSI1));
    let index_keys: Vec<&str> = index
        .key_schema()
        .iter()
        .map(|k| k.attribute_name())
        .collect();
    assert_eq!(index_keys, ["gsi1pk", "gsi1sk"]);
    assert_eq!(
        index.projection().unwrap().projection_type(),
        Some(&ProjectionType::All)
    );
    assert_eq!(
        table.stream_specification().unwrap().stream_view_type(),
        Some(&StreamViewType::NewAndOldImages)
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .unwrap()
        .time_to_live_description
        .unwrap();
    assert_eq!(ttl.attribute_name(), Some(EXPIRES_AT));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    let template =
        std::fs::read_to_string(crate::support::repo().join("infra/template.yaml")).unwrap();
    for line in [
        "- { AttributeName: pk, KeyType: HASH }",
        "- { AttributeName: sk, KeyType: RANGE }",
        "IndexName: gsi1",
        "- { AttributeName: gsi1pk, KeyType: HASH }",
        "- { AttributeName: gsi1sk, KeyType: RANGE }",
        "Projection: { ProjectionType: ALL }",
        "AttributeName: expires_at",
        "StreamViewType: NEW_AND_OLD_IMAGES",
    ] {
        assert!(
            template.contains(line),
            "infra/template.yaml no longer says `{line}`"
        );
    }
    // Creating it again changes nothing.
    assert!(!store.create_table().await.unwrap());
}

/// Every item carries `expires_at` (received + retention); an item past it is not read, even
/// before DynamoDB's TTL deletes it, and its idempotency key no longer counts.
#[tokio::test]
async fn expired_items_are_not_read() {
    let store = table("expiry", 90).await;
    let at_arrival = store.clone().with_clock(t0);
    let new = new_submission("Alex", "same-key");
    let reference = new.reference.clone();
    assert!(matches!(
        at_arrival.submit(new).await.unwrap(),
        SubmitOutcome::Stored { .. }
    ));

    let client = dynamodb().await;
    let items = client
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("SUB#{reference}")))
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    assert_eq!(items.len(), 3, "the submission and its two notifications");
    let expected = (t0() + SignedDuration::from_hours(24 * 90)).as_second();
    for item in &items {
        assert_eq!(
            item.get(EXPIRES_AT),
            Some(&AttributeValue::N(expected.to_string())),
            "{:?}",
            item.get("sk")
        );
    }

    let the_day_before = store
        .clone()
        .with_clock(|| t0() + SignedDuration::from_hours(24 * 90 - 1));
    assert!(the_day_before.get(&reference).await.unwrap().is_some());
    let after = store
        .clone()
        .with_clock(|| t0() + SignedDuration::from_hours(24 * 90));
    assert!(after.get(&reference).await.unwrap().is_none());
    assert!(after.list("registration").await.unwrap().is_empty());
    // The same answers again, after retention: a new submission, not a duplicate.
    let mut again = new_submission("Alex", "same-key");
    again.received_at = t0() + SignedDuration::from_hours(24 * 90);
    assert!(matches!(
        after.submit(again).await.unwrap(),
        SubmitOutcome::Stored { .. }
    ));
}

/// The transaction's cancellation reasons tell a person already registered (their earlier
/// reference) from a full cohort, whichever comes first.
#[tokio::test]
async fn full_and_already_registered_are_told_apart() {
    let store = table("reasons", 90).await.with_clock(t0);
    let place = |waiting_list| {
        Some(PlaceRequest {
            offering: "workshop".into(),
            cohort: "english".into(),
            starts: conformance::cohort_start(),
            group_size: 1,
            waiting_list,
        })
    };
    let mut first = new_submission("Alex", "alex");
    first.place = place(false);
    let reference = first.reference.clone();
    assert!(matches!(
        store.submit(first).await.unwrap(),
        SubmitOutcome::Stored {
            status: Status::Registered,
            ..
        }
    ));
    let mut other = new_submission("Robin", "robin");
    other.place = place(false);
    assert_eq!(store.submit(other).await.unwrap(), SubmitOutcome::Full);
    // Alex again, now that the cohort is full: already registered, with Alex's reference.
    let mut again = new_submission("Alex", "alex");
    again.place = place(false);
    assert_eq!(
        store.submit(again).await.unwrap(),
        SubmitOutcome::Duplicate {
            reference,
            status: Status::Registered,
            acknowledged: true,
        }
    );
    // Robin asks for the waiting list: stored as waitlisted, the counter untouched.
    let mut waiting = new_submission("Robin", "robin-waiting");
    waiting.place = place(true);
    assert!(matches!(
        store.submit(waiting).await.unwrap(),
        SubmitOutcome::Stored {
            status: Status::Waitlisted,
            ..
        }
    ));
    let counter = dynamodb()
        .await
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("OFFERING#workshop".into()))
        .key(
            "sk",
            AttributeValue::S(format!("COHORT#english@{}", conformance::cohort_start())),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        counter.get("registered"),
        Some(&AttributeValue::N("1".into()))
    );
}

/// A table written before places were counted per first start holds one counter per cohort
/// (`SESSION#<cohort>`). Its places stay taken: the cohort's new counter starts from it, so
/// a cohort open during the upgrade is not offered its places twice.
#[tokio::test]
async fn places_counted_before_runs_still_count() {
    let store = fresh("legacy-counter").await;
    let expires = (t0() + SignedDuration::from_hours(24 * 90)).as_second();
    dynamodb()
        .await
        .put_item()
        .table_name(store.table())
        .item("pk", AttributeValue::S("OFFERING#workshop".into()))
        .item("sk", AttributeValue::S("SESSION#english".into()))
        .item("registered", AttributeValue::N("1".into()))
        .item("capacity", AttributeValue::N("2".into()))
        .item(EXPIRES_AT, AttributeValue::N(expires.to_string()))
        .send()
        .await
        .unwrap();
    let place = |waiting_list| {
        Some(PlaceRequest {
            offering: "workshop".into(),
            cohort: "english".into(),
            starts: conformance::cohort_start(),
            group_size: 2,
            waiting_list,
        })
    };
    let mut second = new_submission("Alex", "alex");
    second.place = place(false);
    assert!(matches!(
        store.submit(second).await.unwrap(),
        SubmitOutcome::Stored {
            status: Status::Registered,
            ..
        }
    ));
    let mut third = new_submission("Robin", "robin");
    third.place = place(false);
    assert_eq!(store.submit(third).await.unwrap(), SubmitOutcome::Full);

    // Already full before the upgrade: the new counter cannot start.
    let full = fresh("legacy-full").await;
    dynamodb()
        .await
        .put_item()
        .table_name(full.table())
        .item("pk", AttributeValue::S("OFFERING#workshop".into()))
        .item("sk", AttributeValue::S("SESSION#english".into()))
        .item("registered", AttributeValue::N("2".into()))
        .item(EXPIRES_AT, AttributeValue::N(expires.to_string()))
        .send()
        .await
        .unwrap();
    let mut late = new_submission("Sam", "sam");
    late.place = place(false);
    assert_eq!(full.submit(late).await.unwrap(), SubmitOutcome::Full);
    let mut waiting = new_submission("Sam", "sam-waiting");
    waiting.place = place(true);
    assert!(matches!(
        full.submit(waiting).await.unwrap(),
        SubmitOutcome::Stored {
            status: Status::Waitlisted,
            ..
        }
    ));
}

/// The counter of the version before the registration vocabulary
/// (`SESSION#<cohort>@<first start>`, now `COHORT#...`) keeps its places: the cohort's new
/// counter starts from it, and the older per-cohort counter is not counted a second time.
#[tokio::test]
async fn places_counted_under_the_previous_key_still_count() {
    let store = fresh("previous-key").await;
    let expires = (t0() + SignedDuration::from_hours(24 * 90)).as_second();
    let old_sk = format!("SESSION#english@{}", conformance::cohort_start());
    for (sk, registered) in [(old_sk.as_str(), "1"), ("SESSION#english", "1")] {
        dynamodb()
            .await
            .put_item()
            .table_name(store.table())
            .item("pk", AttributeValue::S("OFFERING#workshop".into()))
            .item("sk", AttributeValue::S(sk.into()))
            .item("registered", AttributeValue::N(registered.into()))
            .item("capacity", AttributeValue::N("2".into()))
            .item(EXPIRES_AT, AttributeValue::N(expires.to_string()))
            .send()
            .await
            .unwrap();
    }
    let place = || {
        Some(PlaceRequest {
            offering: "workshop".into(),
            cohort: "english".into(),
            starts: conformance::cohort_start(),
            group_size: 2,
            waiting_list: false,
        })
    };
    let mut second = new_submission("Alex", "alex");
    second.place = place();
    assert!(matches!(
        store.submit(second).await.unwrap(),
        SubmitOutcome::Stored {
            status: Status::Registered,
            ..
        }
    ));
    let mut third = new_submission("Robin", "robin");
    third.place = place();
    assert_eq!(store.submit(third).await.unwrap(), SubmitOutcome::Full);
    let counter = dynamodb()
        .await
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("OFFERING#workshop".into()))
        .key(
            "sk",
            AttributeValue::S(format!("COHORT#english@{}", conformance::cohort_start())),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        counter.get("registered"),
        Some(&AttributeValue::N("2".into()))
    );
    assert_eq!(
        counter.get("group_size"),
        Some(&AttributeValue::N("2".into()))
    );
}

/// The coordinators' workspace's store operations (handler::store::conformance::inbox).
mod inbox {
    use super::{TableDump, fresh};
    use handler::store::conformance::inbox::{self, INBOX_CASES, INBOX_DUMP_CASES};

    macro_rules! inbox_cases {
        ($($case:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = fresh(stringify!($case)).await;
                    inbox::$case(&store).await;
                }
            )*

            #[test]
            fn every_inbox_case_runs_against_dynamodb() {
                let here = [$(stringify!($case)),*, "anonymous_feedback_handled_keeps_its_day_only",
                    "deleting_now_leaves_nothing_that_names_the_submission"];
                for case in INBOX_CASES.iter().chain(&INBOX_DUMP_CASES) {
                    assert!(here.contains(case), "{case} is not run against DynamoDB");
                }
            }
        };
    }

    inbox_cases!(
        the_inbox_lists_a_forms_submissions_newest_first_with_counts,
        a_submission_is_opened_with_its_handling,
        deleting_now_removes_the_submission_its_notices_and_its_keys,
        deleting_a_registration_frees_its_place,
        the_roster_lists_a_runs_people_in_order_of_arrival,
        a_submission_marked_done_is_deleted_after_its_days,
        a_registration_marked_done_early_keeps_its_place_until_its_deletion_day,
        deleting_a_registration_withdrawn_first_frees_no_second_place,
        an_activity_entry_keeps_its_date_only_marker,
        the_activity_log_is_read_page_by_page_newest_first,
    );

    /// Marked done, every item of a submission (and its idempotency record) expires at the
    /// start of its deletion day, so DynamoDB's TTL deletes it then; marked back, at its
    /// retention from arrival again.
    #[tokio::test]
    async fn marking_done_moves_the_ttl_of_every_item_earlier_and_back() {
        use handler::store::conformance::Dump;
        use handler::store::inbox::{DoneMark, Handling};
        use handler::store::{InboxStore, Store};
        let store = fresh("done-ttl").await;
        let new = handler::store::conformance::new_submission("Alex", "ttl-key");
        let reference = new.reference.clone();
        store.submit(new).await.unwrap();
        let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
        let mark = DoneMark::at(handler::store::conformance::t0(), &tz, 30);
        let expiries = || async {
            let records = TableDump(store.table().to_string()).dump().await;
            let mut found: Vec<String> = records
                .iter()
                .filter(|r| r.values().any(|v| v.contains(reference.as_str())))
                .map(|r| {
                    r.get(handler::store::dynamodb::EXPIRES_AT)
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            found.sort();
            found
        };
        let retention = (handler::store::conformance::t0()
            + jiff::SignedDuration::from_hours(24 * 90))
        .as_second()
        .to_string();
        let before = expiries().await;
        assert_eq!(
            before.len(),
            4,
            "the submission, two notices, the idempotency record"
        );
        assert!(before.iter().all(|e| *e == retention), "{before:?}");
        store
            .set_handling(&reference, Handling::Done(mark))
            .await
            .unwrap();
        let done = mark.delete_at.as_second().to_string();
        assert!(
            expiries().await.iter().all(|e| *e == done),
            "{:?}",
            expiries().await
        );
        store.set_handling(&reference, Handling::New).await.unwrap();
        assert_eq!(expiries().await, before);
    }

    #[tokio::test]
    async fn anonymous_feedback_handled_keeps_its_day_only() {
        let store = fresh("anonymous-handled").await;
        let dump = TableDump(store.table().to_string());
        inbox::anonymous_feedback_handled_keeps_its_day_only(&store, &dump).await;
    }

    #[tokio::test]
    async fn deleting_now_leaves_nothing_that_names_the_submission() {
        let store = fresh("deleted-now").await;
        let dump = TableDump(store.table().to_string());
        inbox::deleting_now_leaves_nothing_that_names_the_submission(&store, &dump).await;
    }
}
