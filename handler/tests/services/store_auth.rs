//! The workspace's store operations (the conformance cases SQLite also runs:
//! handler/tests/store_auth_sqlite.rs) on DynamoDB, and the TTL its items carry.

use crate::env::table;
use handler::store::auth::{Activity, ActivityEntry, AuthStore};
use handler::store::conformance::auth::{self as cases, AUTH_CASES};
use handler::store::conformance::t0;
use handler::store::dynamodb::DynamoStore;

async fn fresh(name: &str) -> DynamoStore {
    table(name, 90).await.with_clock(t0)
}

macro_rules! auth_cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = fresh(stringify!($case)).await;
                cases::$case(&store).await;
            }
        )*

        #[test]
        fn every_auth_case_runs_against_dynamodb() {
            let here = [$(stringify!($case)),*];
            assert_eq!(here.len(), AUTH_CASES.len());
            for case in AUTH_CASES {
                assert!(here.contains(&case), "{case} is not run against DynamoDB");
            }
        }
    };
}

auth_cases!(
    sessions_are_started_read_touched_and_ended,
    a_session_past_its_absolute_end_is_gone,
    removing_a_coordinator_ends_their_sessions_only,
    a_token_is_taken_once_and_never_after_it_expires,
    passkeys_are_saved_listed_replaced_and_removed,
    attempts_are_counted_up_to_the_limit_of_their_window,
    the_activity_log_lists_the_newest_entries_first,
    a_removal_revokes_what_was_granted_before_it_only,
    a_passkeys_counter_update_is_conditional,
);

/// An entry expires (TTL) its retention after its time, and is no longer listed then.
#[tokio::test]
async fn activity_entries_expire_after_their_retention() {
    let store = fresh("activity_retention")
        .await
        .with_activity_retention_days(10);
    let entry = |days: i64| ActivityEntry {
        at: t0() - jiff::SignedDuration::from_hours(24 * days),
        actor: "alex@example.ca".into(),
        date_only: false,
        action: Activity::SignedIn,
    };
    store.log_activity(entry(11)).await.unwrap();
    store.log_activity(entry(9)).await.unwrap();
    assert_eq!(store.activity(10).await.unwrap(), [entry(9)]);
}
