//! The embedded store: one SQLite file (`<data dir>/passerelle.sqlite3` by default).
//!
//! Every write is one `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock before
//! reading: two connections (two processes, or two handles in one) can never both count nine
//! registered people and both add a tenth. The journal is WAL with `synchronous = FULL`, so a
//! commit that returned is on disk.

mod inbox;

use super::{
    AckQuota, BoxFuture, FailedNotification, NewSubmission, NotificationKind, PendingNotification,
    Status, Store, StoreError, StoredSubmission, SubmitOutcome, notification_id,
    parse_notification_id,
};
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use jiff::{SignedDuration, Timestamp};
use model::registration::{PlaceDecision, decide_place};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod auth;
mod places;

/// The tables. Both are `WITHOUT ROWID`, keyed by random references: a rowid or an
/// `AUTOINCREMENT` id numbers rows in order of arrival, and would place anonymous feedback,
/// which keeps its date only, between timed submissions (crate::anonymous). Notifications are
/// keyed by their submission's reference and their place among its own.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS submissions (
    reference       TEXT PRIMARY KEY,
    form            TEXT NOT NULL,
    status          TEXT NOT NULL,
    received_at     INTEGER NOT NULL,       -- milliseconds since the Unix epoch
    idempotency_key TEXT UNIQUE,
    offering        TEXT,
    cohort          TEXT,
    submission      TEXT NOT NULL,          -- model::forms::Submission as JSON
    cohort_key      TEXT                    -- PlaceRequest::cohort_key; NULL in rows from before v2
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS submissions_by_cohort ON submissions (offering, cohort, status);
CREATE INDEX IF NOT EXISTS submissions_by_time ON submissions (received_at);
CREATE INDEX IF NOT EXISTS submissions_by_form ON submissions (form, received_at);

CREATE TABLE IF NOT EXISTS notifications (
    reference   TEXT NOT NULL REFERENCES submissions (reference) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,           -- its place among its submission's notifications
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER,                    -- NULL once sent or abandoned
    sent_at     INTEGER,
    last_error  TEXT,
    PRIMARY KEY (reference, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (due_at) WHERE due_at IS NOT NULL;

-- Acknowledgements sent per address and day (AckQuota): a keyed hash, never the address.
CREATE TABLE IF NOT EXISTS ack_counts (
    key         TEXT PRIMARY KEY,
    count       INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL            -- milliseconds; deleted once past
) WITHOUT ROWID;
"#;

/// The schema's version (`PRAGMA user_version`): 1 since the tables have no row ids, 2 since
/// places are counted per cohort and first start (then `run`), 3 since the registration
/// vocabulary (`cohort_key`, index `submissions_by_cohort`).
const SCHEMA_VERSION: i64 = 3;

/// Brings a file made before version 1 (rowid tables, `AUTOINCREMENT` notification ids) to the
/// current tables, keeping every row but the idempotency keys (anonymous feedback's were
/// derived from the time of day; losing them only forgets double submits of the last minutes),
/// then rewrites the file (`VACUUM`) so that the old pages,
/// which held rows in order of arrival, are not left in it.
const MIGRATE_TO_1: &str = r#"
ALTER TABLE notifications RENAME TO notifications_v0;
ALTER TABLE submissions RENAME TO submissions_v0;
DROP INDEX IF EXISTS submissions_by_seat;
DROP INDEX IF EXISTS submissions_by_time;
DROP INDEX IF EXISTS submissions_by_form;
DROP INDEX IF EXISTS notifications_due;
"#;

const COPY_FROM_0: &str = r#"
INSERT INTO submissions SELECT reference, form, status, received_at, NULL, offering, cohort,
    submission, NULL FROM submissions_v0;
INSERT INTO notifications
    SELECT reference, ROW_NUMBER() OVER (PARTITION BY reference ORDER BY id) - 1, kind,
        recipient, attempts, due_at, sent_at, last_error FROM notifications_v0;
DROP TABLE notifications_v0;
DROP TABLE submissions_v0;
"#;

/// Version 1 to 2: registrations stored before know no run (`run` NULL); they count towards
/// every run of their cohort until they expire, as they did before.
const MIGRATE_1_TO_2: &str = "ALTER TABLE submissions ADD COLUMN run TEXT;";

/// Version 2 to 3: names only (a seat became a place, a run a cohort's key). The rows, so the
/// places counted, stay as they are.
const MIGRATE_2_TO_3: &str = r#"
ALTER TABLE submissions RENAME COLUMN run TO cohort_key;
DROP INDEX IF EXISTS submissions_by_seat;
"#;

/// Creates the tables, or brings an older file's to [`SCHEMA_VERSION`].
fn prepare(connection: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
    if version >= SCHEMA_VERSION {
        connection.execute_batch(SCHEMA).map_err(backend)?;
        return add_queued_at(connection);
    }
    if version == 1 || version == 2 {
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        if version == 1 {
            tx.execute_batch(MIGRATE_1_TO_2).map_err(backend)?;
        }
        tx.execute_batch(MIGRATE_2_TO_3).map_err(backend)?;
        tx.execute_batch(SCHEMA).map_err(backend)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        return add_queued_at(connection);
    }
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let old: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'submissions')",
            [],
            |row| row.get(0),
        )
        .map_err(backend)?;
    if old {
        tx.execute_batch(MIGRATE_TO_1).map_err(backend)?;
    }
    tx.execute_batch(SCHEMA).map_err(backend)?;
    if old {
        tx.execute_batch(COPY_FROM_0).map_err(backend)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    if old {
        connection.execute_batch("VACUUM").map_err(backend)?;
    }
    add_queued_at(connection)
}

/// Adds `notifications.queued_at` (when a notification was first due, which retries and
/// claims do not move: the backlog's age) to a file made before it; its older rows keep NULL
/// and are read as their submission's `received_at`. An added column, not a new schema
/// version: the copy from version 0 lists the version-1 columns by position.
fn add_queued_at(connection: &mut Connection) -> Result<(), StoreError> {
    let present: bool = connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('notifications') WHERE name = 'queued_at')",
            [],
            |row| row.get(0),
        )
        .map_err(backend)?;
    if !present {
        connection
            .execute_batch("ALTER TABLE notifications ADD COLUMN queued_at INTEGER")
            .map_err(backend)?;
    }
    Ok(())
}

/// A handle on the SQLite file. Cheap to clone (clones share one connection); use
/// [`SqliteStore::reopen`] for another connection to the same file.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
    /// How long the activity log keeps an entry (`PASSERELLE_ACTIVITY_RETENTION_DAYS`).
    activity_retention: SignedDuration,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, and its folder.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            crate::private_dir::create(parent).map_err(|err| {
                StoreError::Backend(format!("cannot create {}: {err}", parent.display()))
            })?;
        }
        let mut connection = Connection::open(path).map_err(backend)?;
        // Personal information: readable by this user only (SQLite gives the -wal and -shm
        // files the database's permissions).
        crate::private_dir::restrict_file(path).map_err(|err| {
            StoreError::Backend(format!("cannot restrict {}: {err}", path.display()))
        })?;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(backend)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(backend)?;
        prepare(&mut connection)?;
        connection.execute_batch(inbox::SCHEMA).map_err(backend)?;
        auth::prepare(&mut connection)?;
        places::prepare(&mut connection)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            connection: Arc::new(Mutex::new(connection)),
            activity_retention: crate::config::default_activity_retention(),
        })
    }

    /// Keeps activity log entries `days` days (`PASSERELLE_ACTIVITY_RETENTION_DAYS`).
    pub fn with_activity_retention_days(mut self, days: u32) -> SqliteStore {
        self.activity_retention = SignedDuration::from_hours(24 * i64::from(days));
        self
    }

    /// Another connection to the same file (as a second process would have).
    pub fn reopen(&self) -> Result<SqliteStore, StoreError> {
        let mut other = SqliteStore::open(&self.path)?;
        other.activity_retention = self.activity_retention;
        Ok(other)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection in the blocking pool.
    fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut guard = connection
                    .lock()
                    .map_err(|_| StoreError::Backend("the connection lock is poisoned".into()))?;
                work(&mut guard)
            })
            .await
            .map_err(|err| StoreError::Backend(format!("the store task failed: {err}")))?
        })
    }
}

fn backend(err: rusqlite::Error) -> StoreError {
    StoreError::Backend(err.to_string())
}

fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

fn from_millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|err| StoreError::Backend(err.to_string()))
}

/// The key of the notification `id` names: its submission's reference and its index.
fn parse_id(id: &str) -> Result<(String, i64), StoreError> {
    let (reference, index) = parse_notification_id(id)?;
    let index = i64::try_from(index)
        .map_err(|_| StoreError::Backend(format!("`{id}` is not a notification id")))?;
    Ok((reference.as_str().to_string(), index))
}

fn parse_status(text: &str) -> Result<Status, StoreError> {
    Status::parse(text).ok_or_else(|| StoreError::Backend(format!("unknown status `{text}`")))
}

fn parse_reference(text: &str) -> Result<Reference, StoreError> {
    Reference::parse(text)
        .ok_or_else(|| StoreError::Backend("a stored reference is malformed".into()))
}

fn row_to_submission(
    reference: String,
    status: String,
    received_at: i64,
    json: String,
) -> Result<StoredSubmission, StoreError> {
    Ok(StoredSubmission {
        reference: parse_reference(&reference)?,
        status: parse_status(&status)?,
        received_at: from_millis(received_at)?,
        submission: serde_json::from_str(&json).map_err(|err| {
            StoreError::Backend(format!("a stored submission is unreadable: {err}"))
        })?,
    })
}

/// Counts one acknowledgement against `quota` if its address has not had its share: `false`
/// when it has.
fn take_ack(tx: &rusqlite::Transaction<'_>, quota: &AckQuota) -> Result<bool, StoreError> {
    let count: u32 = tx
        .query_row(
            "SELECT count FROM ack_counts WHERE key = ?1",
            params![quota.key],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or(0);
    if count >= quota.limit {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO ack_counts (key, count, expires_at) VALUES (?1, 1, ?2)
         ON CONFLICT (key) DO UPDATE SET count = count + 1",
        params![quota.key, millis(quota.expires_at)],
    )
    .map_err(backend)?;
    Ok(true)
}

/// The submission stored earlier under one of `keys`, as a duplicate's outcome.
fn duplicate_of(
    tx: &rusqlite::Transaction<'_>,
    keys: &[String],
) -> Result<Option<SubmitOutcome>, StoreError> {
    for key in keys {
        let earlier: Option<(String, String)> = tx
            .query_row(
                "SELECT reference, status FROM submissions WHERE idempotency_key = ?1",
                params![key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        if let Some((reference, status)) = earlier {
            let acknowledged: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM notifications
                     WHERE reference = ?1 AND kind = 'acknowledgement')",
                    params![reference],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            return Ok(Some(SubmitOutcome::Duplicate {
                reference: parse_reference(&reference)?,
                status: parse_status(&status)?,
                acknowledged,
            }));
        }
    }
    Ok(None)
}

/// Registered while the cohort has a place left, else waitlisted if asked; `None`: full
/// ([`model::registration::decide_place`] on the places taken, counted in the transaction).
fn place_status(
    tx: &rusqlite::Transaction<'_>,
    place: &PlaceRequest,
) -> Result<Option<Status>, StoreError> {
    let taken: u32 = tx
        .query_row(
            "SELECT COUNT(*) FROM submissions
             WHERE offering = ?1 AND cohort = ?2 AND status = 'registered'
             AND (cohort_key = ?3 OR cohort_key IS NULL)",
            params![place.offering, place.cohort, place.cohort_key()],
            |row| row.get(0),
        )
        .map_err(backend)?;
    Ok(
        match decide_place(taken, place.group_size, place.waiting_list) {
            PlaceDecision::Take => Some(Status::Registered),
            PlaceDecision::Wait => Some(Status::Waitlisted),
            PlaceDecision::Full => None,
        },
    )
}

/// Inserts the submission and its notifications (the acknowledgement only if `acknowledged`).
fn insert(
    tx: &rusqlite::Transaction<'_>,
    new: &NewSubmission,
    status: Status,
    acknowledged: bool,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&new.submission)
        .map_err(|err| StoreError::Backend(err.to_string()))?;
    tx.execute(
        "INSERT INTO submissions
         (reference, form, status, received_at, idempotency_key, offering, cohort,
          submission, cohort_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            new.reference.as_str(),
            new.submission.form,
            status.as_str(),
            millis(new.received_at),
            new.idempotency_keys.first(),
            new.place.as_ref().map(|p| &p.offering),
            new.place.as_ref().map(|p| &p.cohort),
            json,
            new.place.as_ref().map(|p| p.cohort_key()),
        ],
    )
    .map_err(backend)?;
    let queued = new
        .notifications
        .iter()
        .filter(|n| acknowledged || n.kind != NotificationKind::Acknowledgement);
    for (index, notification) in queued.enumerate() {
        tx.execute(
            "INSERT INTO notifications (reference, idx, kind, recipient, due_at, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![
                new.reference.as_str(),
                index as i64,
                notification.kind.as_str(),
                notification.recipient,
                millis(new.notify_at),
            ],
        )
        .map_err(backend)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn submit(&self, new: NewSubmission) -> BoxFuture<'_, Result<SubmitOutcome, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            if let Some(duplicate) = duplicate_of(&tx, &new.idempotency_keys)? {
                return Ok(duplicate);
            }
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM submissions WHERE reference = ?1)",
                    params![new.reference.as_str()],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::ReferenceTaken);
            }
            let status = match &new.place {
                None => new.status,
                Some(place) => match place_status(&tx, place)? {
                    Some(status) => status,
                    None => return Ok(SubmitOutcome::Full),
                },
            };
            let acknowledged = new.asks_acknowledgement()
                && match &new.ack_quota {
                    None => true,
                    Some(quota) => take_ack(&tx, quota)?,
                };
            // Acknowledgement counts past their expiry go with any submission, so none is
            // kept long after its day (DynamoDB's TTL does the same there).
            tx.execute(
                "DELETE FROM ack_counts WHERE expires_at <= ?1",
                params![millis(new.received_at)],
            )
            .map_err(backend)?;
            insert(&tx, &new, status, acknowledged)?;
            tx.commit().map_err(backend)?;
            Ok(SubmitOutcome::Stored {
                reference: new.reference,
                status,
                acknowledged,
            })
        })
    }

    fn get<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<StoredSubmission>, StoreError>> {
        let reference = reference.as_str().to_string();
        self.with(move |connection| {
            let row: Option<(String, String, i64, String)> = connection
                .query_row(
                    "SELECT reference, status, received_at, submission
                     FROM submissions WHERE reference = ?1",
                    params![reference],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(r, s, t, j)| row_to_submission(r, s, t, j))
                .transpose()
        })
    }

    fn list<'a>(
        &'a self,
        form: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredSubmission>, StoreError>> {
        let form = form.to_string();
        self.with(move |connection| {
            let mut statement = connection
                .prepare(
                    "SELECT reference, status, received_at, submission FROM submissions
                     WHERE form = ?1 ORDER BY received_at, reference",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(params![form], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (r, s, t, j) = row.map_err(backend)?;
                row_to_submission(r, s, t, j)
            })
            .collect()
        })
    }

    fn claim_due(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<PendingNotification>, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let due: Vec<(String, i64, String, String, u32)> = {
                let mut statement = tx
                    .prepare(
                        "SELECT reference, idx, kind, recipient, attempts FROM notifications
                         WHERE due_at IS NOT NULL AND due_at <= ?1
                         ORDER BY due_at, reference, idx LIMIT ?2",
                    )
                    .map_err(backend)?;
                statement
                    .query_map(params![millis(now), limit as i64], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                        ))
                    })
                    .map_err(backend)?
                    .collect::<Result<_, _>>()
                    .map_err(backend)?
            };
            let until = millis(now) + lease.as_millis() as i64;
            let mut claimed = Vec::with_capacity(due.len());
            for (reference, index, kind, recipient, attempts) in due {
                tx.execute(
                    "UPDATE notifications SET due_at = ?1 WHERE reference = ?2 AND idx = ?3",
                    params![until, reference, index],
                )
                .map_err(backend)?;
                claimed.push(PendingNotification {
                    id: notification_id(&reference, index as usize),
                    reference: parse_reference(&reference)?,
                    kind: NotificationKind::parse(&kind).ok_or_else(|| {
                        StoreError::Backend(format!("unknown notification kind `{kind}`"))
                    })?,
                    recipient,
                    attempts,
                });
            }
            tx.commit().map_err(backend)?;
            Ok(claimed)
        })
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> BoxFuture<'a, Result<Option<PendingNotification>, StoreError>> {
        let id = parse_id(id);
        self.with(move |connection| {
            let (reference, index) = id?;
            let until = millis(now) + lease.as_millis() as i64;
            let row: Option<(String, String, String, u32)> = connection
                .query_row(
                    "UPDATE notifications SET due_at = ?1
                     WHERE reference = ?2 AND idx = ?3 AND due_at IS NOT NULL AND due_at <= ?4
                     RETURNING reference, kind, recipient, attempts",
                    params![until, reference, index, millis(now)],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(reference, kind, recipient, attempts)| {
                Ok(PendingNotification {
                    id: notification_id(&reference, index as usize),
                    reference: parse_reference(&reference)?,
                    kind: NotificationKind::parse(&kind).ok_or_else(|| {
                        StoreError::Backend(format!("unknown notification kind `{kind}`"))
                    })?,
                    recipient,
                    attempts,
                })
            })
            .transpose()
        })
    }

    fn mark_sent<'a>(
        &'a self,
        id: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let id = parse_id(id);
        self.with(move |connection| {
            let (reference, index) = id?;
            connection
                .execute(
                    "UPDATE notifications SET sent_at = ?1, due_at = NULL, last_error = NULL
                     WHERE reference = ?2 AND idx = ?3",
                    params![millis(at), reference, index],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn mark_failed<'a>(
        &'a self,
        id: &'a str,
        retry_at: Option<Timestamp>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let (id, reason) = (parse_id(id), reason.to_string());
        self.with(move |connection| {
            let (reference, index) = id?;
            connection
                .execute(
                    "UPDATE notifications SET attempts = attempts + 1, due_at = ?1,
                     last_error = ?2 WHERE reference = ?3 AND idx = ?4",
                    params![retry_at.map(millis), reason, reference, index],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn purge(&self, before: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.with(move |connection| {
            connection
                .execute(
                    "DELETE FROM submissions WHERE received_at < ?1",
                    params![millis(before)],
                )
                .map_err(backend)
        })
    }

    fn failed_notifications(&self) -> BoxFuture<'_, Result<Vec<FailedNotification>, StoreError>> {
        self.with(move |connection| {
            let mut statement = connection
                .prepare(
                    "SELECT reference, idx, kind, attempts, COALESCE(last_error, '')
                     FROM notifications WHERE due_at IS NULL AND sent_at IS NULL
                     ORDER BY reference, idx",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, u32>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (reference, index, kind, attempts, reason) = row.map_err(backend)?;
                Ok(FailedNotification {
                    id: notification_id(&reference, index as usize),
                    reference: parse_reference(&reference)?,
                    kind: NotificationKind::parse(&kind).ok_or_else(|| {
                        StoreError::Backend(format!("unknown notification kind `{kind}`"))
                    })?,
                    attempts,
                    reason,
                })
            })
            .collect()
        })
    }

    fn requeue<'a>(
        &'a self,
        id: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let id = parse_id(id);
        self.with(move |connection| {
            let (reference, index) = id?;
            let changed = connection
                .execute(
                    "UPDATE notifications SET due_at = ?1, attempts = 0
                     WHERE reference = ?2 AND idx = ?3 AND due_at IS NULL AND sent_at IS NULL",
                    params![millis(at), reference, index],
                )
                .map_err(backend)?;
            Ok(changed == 1)
        })
    }

    fn oldest_waiting(
        &self,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<Option<Timestamp>, StoreError>> {
        self.with(move |connection| {
            // `due_at` is NULL once sent or given up on.
            let oldest: Option<i64> = connection
                .query_row(
                    "SELECT MIN(COALESCE(n.queued_at, s.received_at))
                     FROM notifications n JOIN submissions s ON s.reference = n.reference
                     WHERE n.due_at IS NOT NULL AND COALESCE(n.queued_at, s.received_at) <= ?1",
                    params![millis(now)],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            oldest.map(from_millis).transpose()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    // The cases beyond conformance::CASES (see conformance::NOTIFIER_CASES); the rest run in
    // handler/tests/store_sqlite.rs.
    #[tokio::test]
    async fn a_notification_is_claimed_by_id_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.sqlite3")).unwrap();
        conformance::a_notification_is_claimed_by_id_once(&store).await;
    }

    #[tokio::test]
    async fn the_backlog_is_as_old_as_the_longest_waiting_notification() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.sqlite3")).unwrap();
        conformance::the_backlog_is_as_old_as_the_longest_waiting_notification(&store).await;
    }

    /// A file made before `queued_at` gets the column on opening; its older notifications
    /// count as waiting since their submission arrived.
    #[tokio::test]
    async fn a_file_without_queued_at_gains_it_and_keeps_its_notifications() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        let new = conformance::new_submission("Alex", "k1");
        let received = new.received_at;
        store.submit(new).await.unwrap();
        drop(store);
        Connection::open(&path)
            .unwrap()
            .execute_batch("ALTER TABLE notifications DROP COLUMN queued_at")
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        let later = received + SignedDuration::from_mins(45);
        assert_eq!(store.oldest_waiting(later).await.unwrap(), Some(received));
        let claimed = store
            .claim_due(later, SignedDuration::from_mins(5), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2);
    }

    #[tokio::test]
    async fn notifications_given_up_on_are_listed_and_can_be_requeued() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.sqlite3")).unwrap();
        conformance::notifications_given_up_on_are_listed_and_can_be_requeued(&store).await;
    }

    #[tokio::test]
    async fn notifications_due_later_wait_for_their_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.sqlite3")).unwrap();
        conformance::notifications_due_later_wait_for_their_time(&store).await;
    }
}
