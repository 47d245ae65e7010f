//! The workspace's operations on the SQLite file ([`InboxStore`]).
//!
//! A coordinator's progress lives in a table of its own, `handling`, one row per submission
//! handled (none: new), deleted with its submission (`ON DELETE CASCADE`), so the submissions
//! table and its migrations stay as they were.

use super::{SqliteStore, backend, from_millis, millis, parse_reference, parse_status};
use crate::reference::Reference;
use crate::store::auth::ActivityEntry;
use crate::store::inbox::{
    ActivityPage, CohortId, DoneMark, FormInbox, HandledSubmission, Handling, InboxStore, Progress,
    Roster, SubmissionSummary,
};
use crate::store::{BoxFuture, StoreError, StoredSubmission};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

/// The coordinators' progress. `WITHOUT ROWID` and keyed by the random reference, like the
/// submissions: a rowid would number handled submissions in the order they were marked.
pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS handling (
    reference   TEXT PRIMARY KEY REFERENCES submissions (reference) ON DELETE CASCADE,
    progress    TEXT NOT NULL,              -- in-progress | done (no row: new)
    done_on     TEXT,                       -- the day marked done, YYYY-MM-DD
    delete_at   INTEGER                     -- ms: the start of the day it is deleted
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS handling_by_deletion ON handling (delete_at) WHERE delete_at IS NOT NULL;
"#;

/// The columns a summary is read from, in [`summary`]'s order.
const SUMMARY_COLUMNS: &str = "s.reference, s.form, s.status, s.received_at, s.offering, \
     s.cohort, h.progress, h.done_on, h.delete_at";

/// A summary from a row of [`SUMMARY_COLUMNS`].
fn summary(row: &Row<'_>) -> rusqlite::Result<RawSummary> {
    Ok(RawSummary {
        reference: row.get(0)?,
        form: row.get(1)?,
        status: row.get(2)?,
        received_at: row.get(3)?,
        offering: row.get(4)?,
        cohort: row.get(5)?,
        progress: row.get(6)?,
        done_on: row.get(7)?,
        delete_at: row.get(8)?,
    })
}

/// A summary's columns as SQLite gives them, before they are parsed.
struct RawSummary {
    reference: String,
    form: String,
    status: String,
    received_at: i64,
    offering: Option<String>,
    cohort: Option<String>,
    progress: Option<String>,
    done_on: Option<String>,
    delete_at: Option<i64>,
}

/// A handling from its stored columns (no row: new).
fn handling(
    progress: Option<&str>,
    done_on: Option<&str>,
    delete_at: Option<i64>,
) -> Result<Handling, StoreError> {
    let unreadable = || StoreError::Backend("a stored handling is unreadable".into());
    match progress.map(Progress::parse) {
        None | Some(Some(Progress::New)) => Ok(Handling::New),
        Some(Some(Progress::InProgress)) => Ok(Handling::InProgress),
        Some(Some(Progress::Done)) => Ok(Handling::Done(DoneMark {
            on: done_on
                .and_then(|d| d.parse().ok())
                .ok_or_else(unreadable)?,
            delete_at: from_millis(delete_at.ok_or_else(unreadable)?)?,
        })),
        Some(None) => Err(unreadable()),
    }
}

impl RawSummary {
    fn parse(self) -> Result<SubmissionSummary, StoreError> {
        Ok(SubmissionSummary {
            reference: parse_reference(&self.reference)?,
            form: self.form,
            status: parse_status(&self.status)?,
            received_at: from_millis(self.received_at)?,
            offering: self.offering,
            cohort: self.cohort,
            handling: handling(
                self.progress.as_deref(),
                self.done_on.as_deref(),
                self.delete_at,
            )?,
        })
    }
}

/// Every summary `sql` (selecting [`SUMMARY_COLUMNS`]) returns with `args`.
fn summaries(
    connection: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<SubmissionSummary>, StoreError> {
    let mut statement = connection.prepare(sql).map_err(backend)?;
    let rows = statement.query_map(args, summary).map_err(backend)?;
    rows.map(|row| row.map_err(backend)?.parse()).collect()
}

impl InboxStore for SqliteStore {
    fn inbox<'a>(
        &'a self,
        form: &'a str,
        progress: Option<Progress>,
    ) -> BoxFuture<'a, Result<FormInbox, StoreError>> {
        let form = form.to_string();
        self.with(move |connection| {
            let all = summaries(
                connection,
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM submissions s
                     LEFT JOIN handling h ON h.reference = s.reference WHERE s.form = ?1"
                ),
                params![form],
            )?;
            Ok(FormInbox::from_summaries(all, progress))
        })
    }

    fn handled<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<HandledSubmission>, StoreError>> {
        let reference = reference.as_str().to_string();
        self.with(move |connection| {
            let row: Option<(RawSummary, String)> = connection
                .query_row(
                    &format!(
                        "SELECT {SUMMARY_COLUMNS}, s.submission FROM submissions s
                         LEFT JOIN handling h ON h.reference = s.reference
                         WHERE s.reference = ?1"
                    ),
                    params![reference],
                    |row| Ok((summary(row)?, row.get(9)?)),
                )
                .optional()
                .map_err(backend)?;
            let Some((raw, json)) = row else {
                return Ok(None);
            };
            let summary = raw.parse()?;
            Ok(Some(HandledSubmission {
                stored: StoredSubmission {
                    reference: summary.reference,
                    status: summary.status,
                    received_at: summary.received_at,
                    submission: serde_json::from_str(&json).map_err(|err| {
                        StoreError::Backend(format!("a stored submission is unreadable: {err}"))
                    })?,
                },
                offering: summary.offering,
                cohort: summary.cohort,
                handling: summary.handling,
            }))
        })
    }

    fn set_handling<'a>(
        &'a self,
        reference: &'a Reference,
        handling: Handling,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let reference = reference.as_str().to_string();
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let exists: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM submissions WHERE reference = ?1)",
                    params![reference],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            if !exists {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM handling WHERE reference = ?1",
                params![reference],
            )
            .map_err(backend)?;
            let done = handling.done();
            if handling != Handling::New {
                tx.execute(
                    "INSERT INTO handling (reference, progress, done_on, delete_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        reference,
                        handling.progress().as_str(),
                        done.map(|d| d.on.to_string()),
                        done.map(|d| millis(d.delete_at)),
                    ],
                )
                .map_err(backend)?;
            }
            tx.commit().map_err(backend)?;
            Ok(true)
        })
    }

    fn delete_now<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let reference = reference.as_str().to_string();
        // Its notifications and handling go with it (ON DELETE CASCADE); its idempotency key
        // and its place are columns of its row.
        self.with(move |connection| {
            let deleted = connection
                .execute(
                    "DELETE FROM submissions WHERE reference = ?1",
                    params![reference],
                )
                .map_err(backend)?;
            Ok(deleted == 1)
        })
    }

    fn roster<'a>(
        &'a self,
        form: &'a str,
        cohort: &'a CohortId,
    ) -> BoxFuture<'a, Result<Roster, StoreError>> {
        let (form, cohort) = (form.to_string(), cohort.clone());
        self.with(move |connection| {
            // Rows stored before cohort keys were recorded (NULL) count towards every run of
            // their cohort, as they do when places are taken.
            let people = summaries(
                connection,
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM submissions s
                     LEFT JOIN handling h ON h.reference = s.reference
                     WHERE s.form = ?1 AND s.offering = ?2 AND s.cohort = ?3
                     AND (s.cohort_key = ?4 OR s.cohort_key IS NULL)
                     AND s.status IN ('registered', 'waitlisted', 'withdrawn', 'not-attending')"
                ),
                params![form, cohort.offering, cohort.cohort, cohort.key()],
            )?;
            Ok(Roster::from_summaries(people))
        })
    }

    fn activity_page<'a>(
        &'a self,
        older_than: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<ActivityPage, StoreError>> {
        // After `<at>#<id>`: in the log's order (at DESC, id), the rows past that one.
        let after = older_than.and_then(|key| {
            let (at, id) = key.split_once('#')?;
            Some((at.parse::<i64>().ok()?, id.to_string()))
        });
        let (at, id) = after.unwrap_or((i64::MAX, String::new()));
        self.with(move |connection| {
            let mut statement = connection
                .prepare(
                    "SELECT at, actor, action, date_only, id FROM activity
                     WHERE at < ?1 OR (at = ?1 AND id > ?2)
                     ORDER BY at DESC, id LIMIT ?3",
                )
                .map_err(backend)?;
            let wanted = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
            let rows = statement
                .query_map(params![at, id, wanted], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, bool>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                })
                .map_err(backend)?;
            let mut page = ActivityPage::default();
            for row in rows {
                let (at, actor, action, date_only, id) = row.map_err(backend)?;
                if page.entries.len() == limit {
                    // A row past the page: the next page starts after its last entry.
                    return Ok(page);
                }
                page.older = Some(format!("{at:015}#{id}"));
                page.entries.push(ActivityEntry {
                    at: from_millis(at)?,
                    actor,
                    date_only,
                    action: serde_json::from_str(&action).map_err(|err| {
                        StoreError::Backend(format!("an activity entry is unreadable: {err}"))
                    })?,
                });
            }
            page.older = None;
            Ok(page)
        })
    }

    fn purge_done(&self, now: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.with(move |connection| {
            connection
                .execute(
                    "DELETE FROM submissions WHERE reference IN
                     (SELECT reference FROM handling WHERE delete_at <= ?1)",
                    params![millis(now)],
                )
                .map_err(backend)
        })
    }
}
