//! The conformance cases of registrations that move (handler::store::conformance::places)
//! against the embedded SQLite store (DynamoDB runs them in tests/services/places.rs).

use handler::store::conformance::places::{self, CASES, RACE_CASES};
use handler::store::sqlite::SqliteStore;
use tempfile::TempDir;

fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("data/passerelle.sqlite3")).unwrap();
    (dir, store)
}

/// Five connections to one file, as five processes would have.
fn handles() -> (TempDir, Vec<SqliteStore>) {
    let (dir, store) = fresh();
    let mut handles = vec![store.clone()];
    for _ in 0..4 {
        handles.push(store.reopen().unwrap());
    }
    (dir, handles)
}

macro_rules! cases {
    (single: $($case:ident),* ; races: $($race:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (_dir, store) = fresh();
                places::$case(&store).await;
            }
        )*
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $race() {
                let (_dir, handles) = handles();
                places::$race(&handles).await;
            }
        )*

        #[test]
        fn every_places_case_runs_here() {
            let here = [$(stringify!($case)),*, $(stringify!($race)),*];
            assert_eq!(here.len(), CASES.len() + RACE_CASES.len());
            for case in CASES.iter().chain(&RACE_CASES) {
                assert!(here.contains(case), "{case} is not run against SQLite");
            }
        }
    };
}

cases!(
    single:
    a_withdrawal_gives_the_place_to_the_first_person_waiting,
    a_withdrawal_link_works_once_and_until_the_cohort_starts,
    a_place_freed_by_someone_waiting_or_after_the_start_goes_to_no_one,
    a_coordinator_promotes_out_of_turn_and_marks_people_not_attending,
    a_raised_group_size_gives_its_new_places_to_the_people_waiting_in_order,
    a_withdrawal_queues_its_notices_with_it;
    races:
    concurrent_withdrawals_promote_the_first_people_waiting_in_order,
    concurrent_withdrawals_and_registrations_never_exceed_the_group_size,
);
