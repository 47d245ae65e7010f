//! The store conformance suite, run against the embedded SQLite store. The DynamoDB store will
//! run the same cases (handler::store::conformance).

use handler::store::Store;
use handler::store::conformance::{self, CASES};
use handler::store::sqlite::SqliteStore;
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
            let here = [$(stringify!($case)),*, "concurrent_registrations_never_exceed_the_size"];
            assert_eq!(here.len(), CASES.len());
            for case in CASES {
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
    a_session_takes_no_more_than_its_size,
    a_full_session_stores_and_queues_nothing,
    notifications_are_claimed_sent_and_retried,
    purge_deletes_old_submissions_and_their_notifications,
    list_returns_a_forms_submissions_oldest_first,
);

/// Five connections to one file (as five processes would have), fifty people at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_never_exceed_the_size() {
    let (_dir, store) = fresh();
    let mut handles = vec![store.clone()];
    for _ in 0..4 {
        handles.push(store.reopen().unwrap());
    }
    conformance::concurrent_registrations_never_exceed_the_size(&handles).await;
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
