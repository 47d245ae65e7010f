//! The store conformance suite, run against the embedded SQLite store (the DynamoDB store runs
//! the same cases: handler/tests/services/store.rs).

use handler::store::Store;
use handler::store::conformance::{self, CASES, DUMP_CASES, Dump, Record};
use handler::store::sqlite::SqliteStore;
use rusqlite::types::ValueRef;
use std::path::PathBuf;
use tempfile::TempDir;

fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("data/passerelle.sqlite3")).unwrap();
    (dir, store)
}

macro_rules! conformance_cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (_dir, store) = fresh();
                conformance::$case(&store).await;
            }
        )*

        #[test]
        fn every_conformance_case_runs_here() {
            let here = [
                $(stringify!($case)),*,
                "concurrent_registrations_never_exceed_the_group_size",
                "anonymous_submissions_leave_no_time_and_no_order",
                "acknowledgements_to_one_address_are_capped_per_day",
            ];
            assert_eq!(here.len(), CASES.len() + DUMP_CASES.len());
            for case in CASES.iter().chain(&DUMP_CASES) {
                assert!(here.contains(&case), "{case} is not run against SQLite");
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
);

/// Five connections to one file (as five processes would have), fifty people at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_never_exceed_the_group_size() {
    let (_dir, store) = fresh();
    let mut handles = vec![store.clone()];
    for _ in 0..4 {
        handles.push(store.reopen().unwrap());
    }
    conformance::concurrent_registrations_never_exceed_the_group_size(&handles).await;
}

/// Every row of every table of the file, read with a connection of its own; `(rowid)` is the
/// row id of a table that has one (the order rows were inserted in).
struct SqliteDump(PathBuf);

impl Dump for SqliteDump {
    async fn dump(&self) -> Vec<Record> {
        let connection = rusqlite::Connection::open(&self.0).unwrap();
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut records = Vec::new();
        for table in tables {
            let mut statement = connection
                .prepare(&format!("SELECT rowid AS \"(rowid)\", * FROM \"{table}\""))
                .or_else(|_| connection.prepare(&format!("SELECT * FROM \"{table}\"")))
                .unwrap();
            let names: Vec<String> = statement
                .column_names()
                .into_iter()
                .map(String::from)
                .collect();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let mut record = Record::from([("(table)".to_string(), table.clone())]);
                for (i, name) in names.iter().enumerate() {
                    let value = match row.get_ref(i).unwrap() {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(x) => x.to_string(),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                    };
                    record.insert(name.clone(), value);
                }
                records.push(record);
            }
        }
        records
    }
}

#[tokio::test]
async fn acknowledgements_to_one_address_are_capped_per_day() {
    let (_dir, store) = fresh();
    let dump = SqliteDump(store.path().to_path_buf());
    conformance::acknowledgements_to_one_address_are_capped_per_day(&store, &dump).await;
}

#[tokio::test]
async fn anonymous_submissions_leave_no_time_and_no_order() {
    let (_dir, store) = fresh();
    let dump = SqliteDump(store.path().to_path_buf());
    conformance::anonymous_submissions_leave_no_time_and_no_order(&store, &dump).await;
}

#[tokio::test]
async fn the_database_and_its_folder_are_created_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/folder/passerelle.sqlite3");
    let store = SqliteStore::open(&path).unwrap();
    assert!(path.exists());
    // Opening again keeps what is there.
    conformance::stores_and_returns_a_submission(&store).await;
    let again = SqliteStore::open(&path).unwrap();
    assert_eq!(again.list("registration").await.unwrap().len(), 1);
}

/// A file written before the tables lost their row ids (schema version 0): opening it keeps
/// every submission and notification, drops the row ids, and its registrations still count
/// towards their cohort's places (they know no run).
#[tokio::test]
async fn a_file_from_before_version_1_is_migrated_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passerelle.sqlite3");
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(
        "CREATE TABLE submissions (reference TEXT PRIMARY KEY, form TEXT NOT NULL,
             status TEXT NOT NULL, received_at INTEGER NOT NULL, idempotency_key TEXT UNIQUE,
             offering TEXT, cohort TEXT, submission TEXT NOT NULL);
         CREATE TABLE notifications (id INTEGER PRIMARY KEY AUTOINCREMENT,
             reference TEXT NOT NULL REFERENCES submissions (reference) ON DELETE CASCADE,
             kind TEXT NOT NULL, recipient TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
             due_at INTEGER, sent_at INTEGER, last_error TEXT);
         INSERT INTO submissions VALUES ('K7MW4XTA', 'registration', 'registered',
             1748793600000, 'window-key', 'workshop', 'english',
             '{\"form\":\"registration\",\"lang\":\"en\",\"answers\":{}}');
         INSERT INTO notifications (reference, kind, recipient, due_at)
             VALUES ('K7MW4XTA', 'coordinator', 'coordinators@example.ca', 1748793600000);",
    )
    .unwrap();
    drop(old);

    let store = SqliteStore::open(&path).unwrap();
    let reference = handler::Reference::parse("K7MW4XTA").unwrap();
    assert!(store.get(&reference).await.unwrap().is_some());
    let due = store
        .claim_due(conformance::t0(), jiff::SignedDuration::from_mins(5), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, "K7MW4XTA-000");
    let dump = SqliteDump(path.clone()).dump().await;
    assert!(dump.iter().all(|r| !r.contains_key("(rowid)")), "{dump:#?}");
    assert!(
        dump.iter()
            .all(|r| r.get("idempotency_key").is_none_or(|k| k == "NULL"))
    );

    // The old registration holds the cohort's one place.
    let mut late = conformance::new_submission("Robin", "k2");
    late.place = Some(place(1));
    assert_eq!(
        store.submit(late).await.unwrap(),
        handler::store::SubmitOutcome::Full
    );
}

/// A place request for the English cohort of the workshop, as the cases make.
fn place(group_size: u32) -> handler::registration::PlaceRequest {
    handler::registration::PlaceRequest {
        offering: "workshop".into(),
        cohort: "english".into(),
        starts: conformance::cohort_start(),
        group_size,
        waiting_list: false,
    }
}

/// A file of schema version 2 (before the registration vocabulary: column `run`, index
/// `submissions_by_seat`) becomes version 3 with its rows as they were: its registrations
/// still hold their places, counted under the renamed column.
#[tokio::test]
async fn a_file_from_version_2_keeps_its_places_under_the_new_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passerelle.sqlite3");
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(&format!(
        "CREATE TABLE submissions (reference TEXT PRIMARY KEY, form TEXT NOT NULL,
             status TEXT NOT NULL, received_at INTEGER NOT NULL, idempotency_key TEXT UNIQUE,
             offering TEXT, cohort TEXT, submission TEXT NOT NULL, run TEXT) WITHOUT ROWID;
         CREATE INDEX submissions_by_seat ON submissions (offering, cohort, status);
         CREATE TABLE notifications (reference TEXT NOT NULL REFERENCES submissions (reference)
             ON DELETE CASCADE, idx INTEGER NOT NULL, kind TEXT NOT NULL,
             recipient TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER,
             sent_at INTEGER, last_error TEXT, PRIMARY KEY (reference, idx)) WITHOUT ROWID;
         INSERT INTO submissions VALUES ('K7MW4XTA', 'registration', 'registered',
             1748793600000, 'k1', 'workshop', 'english',
             '{{\"form\":\"registration\",\"lang\":\"en\",\"answers\":{{}}}}',
             'english@{start}');
         INSERT INTO submissions VALUES ('M3PQ8RVB', 'registration', 'registered',
             1748793600000, 'k2', 'workshop', 'english',
             '{{\"form\":\"registration\",\"lang\":\"en\",\"answers\":{{}}}}',
             'english@2099-01-01T00:00:00Z');
         PRAGMA user_version = 2;",
        start = conformance::cohort_start()
    ))
    .unwrap();
    drop(old);

    let store = SqliteStore::open(&path).unwrap();
    // One place of two is taken on these dates (the other row is another run's).
    let mut second = conformance::new_submission("Robin", "k3");
    second.place = Some(place(2));
    assert!(matches!(
        store.submit(second).await.unwrap(),
        handler::store::SubmitOutcome::Stored {
            status: handler::store::Status::Registered,
            ..
        }
    ));
    let mut third = conformance::new_submission("Sam", "k4");
    third.place = Some(place(2));
    assert_eq!(
        store.submit(third).await.unwrap(),
        handler::store::SubmitOutcome::Full
    );
    drop(store);
    let db = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 3);
    let indexes: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'submissions'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        indexes.contains(&"submissions_by_cohort".to_string()),
        "{indexes:?}"
    );
    assert!(
        !indexes.contains(&"submissions_by_seat".to_string()),
        "{indexes:?}"
    );
    let kept: String = db
        .query_row(
            "SELECT cohort_key FROM submissions WHERE reference = 'K7MW4XTA'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(kept, format!("english@{}", conformance::cohort_start()));
}

/// An acknowledgement count is forgotten once past its expiry (two days after its day): the next
/// submission deletes it.
#[tokio::test]
async fn acknowledgement_counts_are_deleted_after_their_expiry() {
    let (_dir, store) = fresh();
    let expires_at = conformance::t0() + jiff::SignedDuration::from_hours(48);
    let mut first = conformance::new_submission("Alex", "k1");
    first.ack_quota = Some(handler::store::AckQuota {
        key: "a-keyed-hash".into(),
        limit: 3,
        expires_at,
    });
    store.submit(first).await.unwrap();
    let dump = SqliteDump(store.path().to_path_buf());
    let counts = |records: Vec<Record>| {
        records
            .iter()
            .filter(|r| r["(table)"] == "ack_counts")
            .count()
    };
    assert_eq!(counts(dump.dump().await), 1);
    let mut later = conformance::new_submission("Robin", "k2");
    later.received_at = expires_at;
    later.ack_quota = None;
    store.submit(later).await.unwrap();
    assert_eq!(counts(dump.dump().await), 0);
}

/// The coordinators' workspace's store operations (handler::store::conformance::inbox).
mod inbox {
    use super::{SqliteDump, fresh};
    use handler::store::conformance::inbox::{self, INBOX_CASES, INBOX_DUMP_CASES};

    macro_rules! inbox_cases {
        ($($case:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_dir, store) = fresh();
                    inbox::$case(&store).await;
                }
            )*

            #[test]
            fn every_inbox_case_runs_here() {
                let here = [$(stringify!($case)),*, "anonymous_feedback_handled_keeps_its_day_only",
                    "deleting_now_leaves_nothing_that_names_the_submission"];
                for case in INBOX_CASES.iter().chain(&INBOX_DUMP_CASES) {
                    assert!(here.contains(case), "{case} is not run against SQLite");
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

    #[tokio::test]
    async fn anonymous_feedback_handled_keeps_its_day_only() {
        let (_dir, store) = fresh();
        let dump = SqliteDump(store.path().to_path_buf());
        inbox::anonymous_feedback_handled_keeps_its_day_only(&store, &dump).await;
    }

    #[tokio::test]
    async fn deleting_now_leaves_nothing_that_names_the_submission() {
        let (_dir, store) = fresh();
        let dump = SqliteDump(store.path().to_path_buf());
        inbox::deleting_now_leaves_nothing_that_names_the_submission(&store, &dump).await;
    }
}
