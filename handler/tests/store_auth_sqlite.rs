//! The workspace's store operations (sessions, tokens, passkeys, attempts, the activity log)
//! on the embedded SQLite store: the conformance cases DynamoDB also runs
//! (handler/tests/services/store_auth.rs), and SQLite's own retention of the activity log.

use handler::store::auth::{Activity, ActivityEntry, AuthStore};
use handler::store::conformance::auth::{self as cases, AUTH_CASES};
use handler::store::conformance::t0;
use handler::store::sqlite::SqliteStore;
use tempfile::TempDir;

fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("passerelle.sqlite3")).unwrap();
    (dir, store)
}

macro_rules! auth_cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (_dir, store) = fresh();
                cases::$case(&store).await;
            }
        )*

        #[test]
        fn every_auth_case_runs_here() {
            let here = [$(stringify!($case)),*];
            assert_eq!(here.len(), AUTH_CASES.len());
            for case in AUTH_CASES {
                assert!(here.contains(&case), "{case} is not run against SQLite");
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

/// An entry older than the retention is deleted when a newer one is logged.
#[tokio::test]
async fn the_activity_log_forgets_entries_past_its_retention() {
    let (_dir, store) = fresh();
    let store = store.with_activity_retention_days(10);
    let entry = |days: i64| ActivityEntry {
        at: t0() + jiff::SignedDuration::from_hours(24 * days),
        actor: "alex@example.ca".into(),
        date_only: false,
        action: Activity::SignedIn,
    };
    store.log_activity(entry(0)).await.unwrap();
    store.log_activity(entry(10)).await.unwrap();
    assert_eq!(store.activity(10).await.unwrap().len(), 2);
    store.log_activity(entry(11)).await.unwrap();
    let kept = store.activity(10).await.unwrap();
    assert_eq!(kept, [entry(11), entry(10)]);
}

/// Sessions past their absolute end are deleted as new ones start: the file keeps no trace
/// of old sign-ins beyond the activity log's own retention.
#[tokio::test]
async fn ended_sessions_do_not_stay_in_the_file() {
    use handler::store::auth::NewSession;
    let (dir, store) = fresh();
    let hour = jiff::SignedDuration::from_hours(1);
    let session = |hash: &str, start: jiff::Timestamp| NewSession {
        id_hash: hash.into(),
        coordinator: "alex@example.ca".into(),
        created_at: start,
        expires_at: start + hour,
        granted_at: start,
    };
    store.create_session(session("h1", t0())).await.unwrap();
    store
        .create_session(session("h2", t0() + hour))
        .await
        .unwrap();
    let connection = rusqlite::Connection::open(dir.path().join("passerelle.sqlite3")).unwrap();
    let hashes: Vec<String> = connection
        .prepare("SELECT id_hash FROM sessions")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes, ["h2"]);
}
