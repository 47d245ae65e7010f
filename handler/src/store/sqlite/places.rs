//! [`PlaceStore`] on SQLite. Each change is one `BEGIN IMMEDIATE` transaction: SQLite's write
//! lock is taken before anything is read, so two withdrawals can never both hand the same
//! place to the same person, and the places counted, both statuses and the promoted person's
//! notifications commit together.
//!
//! Places are counted as [`super::place_status`] counts them: the cohort's rows with the status
//! `registered` (rows stored before cohorts had keys count for every cohort of that name).

use super::{SqliteStore, backend, from_millis, millis, parse_reference, parse_status};
use crate::reference::Reference;
use crate::store::places::{
    CohortPlaces, PlaceAction, PlaceChange, PlaceOutcome, PlaceStore, PromotionNotices,
    WithdrawalLink,
};
use crate::store::{BoxFuture, Status, StoreError, StoredSubmission};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS withdrawal_links (
    token_hash  TEXT PRIMARY KEY,           -- SHA-256 of the link's token, never the token
    reference   TEXT NOT NULL REFERENCES submissions (reference) ON DELETE CASCADE,
    valid_until INTEGER NOT NULL,           -- milliseconds: the cohort's first session
    used_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS withdrawal_links_by_reference ON withdrawal_links (reference);
"#;

/// Creates the withdrawal links' table if it is missing.
pub(super) fn prepare(connection: &mut Connection) -> Result<(), StoreError> {
    connection.execute_batch(SCHEMA).map_err(backend)
}

/// A registration's row, as a change needs it.
struct Row {
    status: Status,
    offering: Option<String>,
    cohort: Option<String>,
    cohort_key: Option<String>,
}

fn read_row(tx: &Transaction<'_>, reference: &str) -> Result<Option<Row>, StoreError> {
    let row = tx
        .query_row(
            "SELECT status, offering, cohort, cohort_key FROM submissions WHERE reference = ?1",
            params![reference],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    Row {
                        status: Status::Received,
                        offering: row.get(1)?,
                        cohort: row.get(2)?,
                        cohort_key: row.get(3)?,
                    },
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    row.map(|(status, row)| {
        Ok(Row {
            status: parse_status(&status)?,
            ..row
        })
    })
    .transpose()
}

/// Why a link cannot be used, if it cannot (its registration's status for a used one).
fn link_refusal(
    tx: &Transaction<'_>,
    token_hash: &str,
    reference: &str,
    at: Timestamp,
) -> Result<Option<PlaceOutcome>, StoreError> {
    let link: Option<(i64, Option<i64>)> = tx
        .query_row(
            "SELECT valid_until, used_at FROM withdrawal_links
             WHERE token_hash = ?1 AND reference = ?2",
            params![token_hash, reference],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    Ok(match link {
        None => Some(PlaceOutcome::NotFound),
        Some((_, Some(_))) => match read_row(tx, reference)? {
            Some(row) => Some(PlaceOutcome::AlreadyDone { status: row.status }),
            None => Some(PlaceOutcome::NotFound),
        },
        Some((valid_until, None)) if valid_until <= millis(at) => Some(PlaceOutcome::LinkExpired),
        Some(_) => None,
    })
}

/// The people registered in a cohort.
fn registered(
    tx: &Transaction<'_>,
    offering: &str,
    cohort: &str,
    cohort_key: &str,
) -> Result<u32, StoreError> {
    tx.query_row(
        "SELECT COUNT(*) FROM submissions
         WHERE offering = ?1 AND cohort = ?2 AND status = 'registered'
         AND (cohort_key = ?3 OR cohort_key IS NULL)",
        params![offering, cohort, cohort_key],
        |row| row.get(0),
    )
    .map_err(backend)
}

/// Gives a place to the first person waiting for the cohort, if fewer than `group_size` are
/// registered and someone is waiting; queues their notifications. Returns who, if anyone.
fn promote_next(
    tx: &Transaction<'_>,
    cohort: &CohortPlaces,
    at: Timestamp,
    notices: &PromotionNotices,
) -> Result<Option<Reference>, StoreError> {
    let taken = registered(tx, &cohort.offering, &cohort.cohort, &cohort.cohort_key)?;
    if taken >= cohort.group_size {
        return Ok(None);
    }
    let first: Option<(String, String, i64, String)> = tx
        .query_row(
            "SELECT reference, status, received_at, submission FROM submissions
             WHERE offering = ?1 AND cohort = ?2 AND status = 'waitlisted'
             AND (cohort_key = ?3 OR cohort_key IS NULL)
             ORDER BY received_at, reference LIMIT 1",
            params![cohort.offering, cohort.cohort, cohort.cohort_key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(backend)?;
    let Some((reference, _, received_at, json)) = first else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE submissions SET status = 'registered' WHERE reference = ?1",
        params![reference],
    )
    .map_err(backend)?;
    let stored =
        super::row_to_submission(reference.clone(), "registered".into(), received_at, json)?;
    queue(tx, &stored, at, notices)?;
    Ok(Some(stored.reference))
}

/// Queues the notifications `notices` decides for `stored` (as moved), due at `at`.
fn queue(
    tx: &Transaction<'_>,
    stored: &StoredSubmission,
    at: Timestamp,
    notices: &PromotionNotices,
) -> Result<(), StoreError> {
    let reference = stored.reference.as_str();
    let next: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(idx) + 1, 0) FROM notifications WHERE reference = ?1",
            params![reference],
            |row| row.get(0),
        )
        .map_err(backend)?;
    for (offset, notification) in notices(stored).iter().enumerate() {
        tx.execute(
            "INSERT INTO notifications (reference, idx, kind, recipient, due_at, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![
                reference,
                next + offset as i64,
                notification.kind.as_str(),
                notification.recipient,
                millis(at),
            ],
        )
        .map_err(backend)?;
    }
    Ok(())
}

/// The withdrawn person's record as it is now (with its new status), for their notifications.
fn withdrawn(tx: &Transaction<'_>, reference: &str) -> Result<StoredSubmission, StoreError> {
    let (received_at, json): (i64, String) = tx
        .query_row(
            "SELECT received_at, submission FROM submissions WHERE reference = ?1",
            params![reference],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(backend)?;
    super::row_to_submission(
        reference.to_string(),
        Status::Withdrawn.as_str().into(),
        received_at,
        json,
    )
}

/// [`PlaceStore::change_place`] inside its transaction.
fn change(tx: &Transaction<'_>, change: &PlaceChange) -> Result<PlaceOutcome, StoreError> {
    let reference = change.reference.as_str();
    if let PlaceAction::WithdrawByLink { token_hash } = &change.action
        && let Some(refusal) = link_refusal(tx, token_hash, reference, change.at)?
    {
        return Ok(refusal);
    }
    let Some(row) = read_row(tx, reference)? else {
        return Ok(PlaceOutcome::NotFound);
    };
    let Some((status, frees)) = change.action.transition(row.status) else {
        return Ok(PlaceOutcome::AlreadyDone { status: row.status });
    };
    tx.execute(
        "UPDATE submissions SET status = ?1 WHERE reference = ?2",
        params![status.as_str(), reference],
    )
    .map_err(backend)?;
    // Every link of the registration is used up with it (each email sent had its own).
    tx.execute(
        "UPDATE withdrawal_links SET used_at = ?1 WHERE reference = ?2 AND used_at IS NULL",
        params![millis(change.at), reference],
    )
    .map_err(backend)?;
    if status == Status::Withdrawn {
        queue(
            tx,
            &withdrawn(tx, reference)?,
            change.notify_at,
            &change.notices,
        )?;
    }
    let promoted = match (frees && change.promote, row.offering, row.cohort) {
        (true, Some(offering), Some(cohort)) => {
            let cohort_key = row.cohort_key.unwrap_or_default();
            let places = CohortPlaces {
                form: String::new(),
                offering,
                cohort,
                cohort_key,
                group_size: change.group_size,
            };
            promote_next(tx, &places, change.notify_at, &change.notices)?
        }
        _ => None,
    };
    Ok(PlaceOutcome::Changed { status, promoted })
}

impl PlaceStore for SqliteStore {
    fn add_withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
        reference: &'a Reference,
        _received_at: Timestamp,
        valid_until: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let (hash, reference) = (token_hash.to_string(), reference.as_str().to_string());
        self.with(move |connection| {
            connection
                .execute(
                    "INSERT INTO withdrawal_links (token_hash, reference, valid_until)
                     VALUES (?1, ?2, ?3)",
                    params![hash, reference, millis(valid_until)],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<WithdrawalLink>, StoreError>> {
        let hash = token_hash.to_string();
        self.with(move |connection| {
            let row: Option<(String, i64, Option<i64>)> = connection
                .query_row(
                    "SELECT reference, valid_until, used_at FROM withdrawal_links
                     WHERE token_hash = ?1",
                    params![hash],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(reference, valid_until, used_at)| {
                Ok(WithdrawalLink {
                    reference: parse_reference(&reference)?,
                    valid_until: from_millis(valid_until)?,
                    used: used_at.is_some(),
                })
            })
            .transpose()
        })
    }

    fn change_place(
        &self,
        place_change: PlaceChange,
    ) -> BoxFuture<'_, Result<PlaceOutcome, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let outcome = change(&tx, &place_change)?;
            if matches!(outcome, PlaceOutcome::Changed { .. }) {
                tx.commit().map_err(backend)?;
            }
            Ok(outcome)
        })
    }

    fn fill_places<'a>(
        &'a self,
        cohort: &'a CohortPlaces,
        at: Timestamp,
        notices: PromotionNotices,
    ) -> BoxFuture<'a, Result<Vec<Reference>, StoreError>> {
        let cohort = cohort.clone();
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let mut promoted = Vec::new();
            while let Some(reference) = promote_next(&tx, &cohort, at, &notices)? {
                promoted.push(reference);
            }
            tx.commit().map_err(backend)?;
            Ok(promoted)
        })
    }
}
