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
                "concurrent_registrations_never_exceed_the_size",
                "anonymous_submissions_leave_no_time_and_no_order",
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
