//! The conformance cases of registrations that move (handler::store::conformance::places)
//! against DynamoDB (moto), the same the SQLite store passes (tests/store_places.rs).

use crate::env::{dynamodb, one_race_at_a_time, table};
use handler::store::conformance::places::{self, CASES, RACE_CASES};
use handler::store::conformance::t0;
use handler::store::dynamodb::DynamoStore;

async fn fresh(name: &str) -> DynamoStore {
    table(name, 90).await.with_clock(t0)
}

/// Five clients on one table, as five Lambda instances would have.
async fn handles(name: &str) -> Vec<DynamoStore> {
    let first = fresh(name).await;
    let mut handles = vec![first.clone()];
    for _ in 0..4 {
        handles.push(DynamoStore::new(dynamodb().await, first.table(), 90).with_clock(t0));
    }
    handles
}

macro_rules! cases {
    (single: $($case:ident),* ; races: $($race:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = fresh(stringify!($case)).await;
                places::$case(&store).await;
            }
        )*
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $race() {
                let _race = one_race_at_a_time().await;
                let handles = handles(stringify!($race)).await;
                places::$race(&handles).await;
            }
        )*

        #[test]
        fn every_places_case_runs_against_dynamodb() {
            let here = [$(stringify!($case)),*, $(stringify!($race)),*];
            assert_eq!(here.len(), CASES.len() + RACE_CASES.len());
            for case in CASES.iter().chain(&RACE_CASES) {
                assert!(here.contains(case), "{case} is not run against DynamoDB");
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

/// The notifier's scheduled sweep fills free places on DynamoDB too (review M4), and heals a
/// place a withdrawal left free while someone joined the waiting list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_sweep_fills_free_places_on_dynamodb() {
    let store = crate::env::table("sweep_fill", 90).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer =
        std::sync::Arc::new(handler::delivery::mail::FileMailer::new(outbox.path()).unwrap());
    let site = crate::env::Site::new(crate::support::OPEN, std::sync::Arc::new(store), mailer);
    crate::support::the_sweep_fills_free_places(&site.state, site._dir.path()).await;
}
