//! [`AuthStore`] on SQLite: tables of their own, created beside the submissions' tables. Like
//! those, `WITHOUT ROWID` and keyed by hashes or random ids, never by a counter.

use super::{SqliteStore, backend, from_millis, millis};
use crate::store::auth::{
    ActivityEntry, Attempt, AuthStore, NewSession, NewToken, StoredPasskey, StoredSession,
    TokenKind,
};
use crate::store::{BoxFuture, StoreError};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sessions (
    id_hash     TEXT PRIMARY KEY,           -- SHA-256 of the session id
    coordinator TEXT NOT NULL,
    created_at  INTEGER NOT NULL,           -- milliseconds since the Unix epoch
    last_seen   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_coordinator ON sessions (coordinator);

CREATE TABLE IF NOT EXISTS tokens (
    kind        TEXT NOT NULL,
    hash        TEXT NOT NULL,              -- SHA-256 of the token
    value       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, hash)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS passkeys (
    coordinator TEXT NOT NULL,
    id          TEXT NOT NULL,              -- the credential id
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    data        TEXT NOT NULL,              -- webauthn-rs's Passkey as JSON (public key, counter)
    PRIMARY KEY (coordinator, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS revocations (
    coordinator TEXT PRIMARY KEY,
    revoked_at  INTEGER NOT NULL            -- what was granted up to then no longer counts
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS attempts (
    key         TEXT PRIMARY KEY,           -- a hash naming an address or a client
    count       INTEGER NOT NULL,
    window_ends INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS activity (
    id          TEXT PRIMARY KEY,           -- random: no order of arrival
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,              -- Activity as JSON
    date_only   INTEGER NOT NULL DEFAULT 0  -- 1: shown with its date only (anonymous feedback)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_by_time ON activity (at);
"#;

/// Creates the workspace's tables if they are missing.
pub(super) fn prepare(connection: &mut Connection) -> Result<(), StoreError> {
    connection.execute_batch(SCHEMA).map_err(backend)?;
    add_date_only(connection)
}

/// Adds `activity.date_only` to a file made before it was kept (its entries: dated to the
/// moment, as they were shown before only when not at midnight).
fn add_date_only(connection: &mut Connection) -> Result<(), StoreError> {
    let present: bool = connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('activity') WHERE name = 'date_only')",
            [],
            |row| row.get(0),
        )
        .map_err(backend)?;
    if !present {
        connection
            .execute_batch("ALTER TABLE activity ADD COLUMN date_only INTEGER NOT NULL DEFAULT 0")
            .map_err(backend)?;
    }
    Ok(())
}

fn json_error(err: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("an activity entry is unreadable: {err}"))
}

/// A random id for an activity row (hex of 16 random bytes).
fn random_id() -> String {
    crate::secret::random_hex::<16>()
}

fn row_to_session(
    coordinator: String,
    created_at: i64,
    last_seen: i64,
    expires_at: i64,
) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        coordinator,
        created_at: from_millis(created_at)?,
        last_seen: from_millis(last_seen)?,
        expires_at: from_millis(expires_at)?,
    })
}

/// When `coordinator`'s access was last revoked (milliseconds), if ever.
fn revoked_at(connection: &Connection, coordinator: &str) -> Result<Option<i64>, StoreError> {
    connection
        .query_row(
            "SELECT revoked_at FROM revocations WHERE coordinator = ?1",
            params![coordinator],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)
}

/// Whether what was granted to `coordinator` at `granted_at` still counts.
fn still_granted(
    connection: &Connection,
    coordinator: &str,
    granted_at: Timestamp,
) -> Result<bool, StoreError> {
    Ok(revoked_at(connection, coordinator)?.is_none_or(|revoked| revoked < millis(granted_at)))
}

impl AuthStore for SqliteStore {
    fn create_session(&self, session: NewSession) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            if !still_granted(&tx, &session.coordinator, session.granted_at)? {
                return Ok(false);
            }
            // Sessions past their absolute end go as new ones start (DynamoDB: the TTL).
            tx.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                params![millis(session.created_at)],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO sessions (id_hash, coordinator, created_at, last_seen, expires_at)
                 VALUES (?1, ?2, ?3, ?3, ?4)",
                params![
                    session.id_hash,
                    session.coordinator,
                    millis(session.created_at),
                    millis(session.expires_at)
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(true)
        })
    }

    fn session<'a>(
        &'a self,
        id_hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<StoredSession>, StoreError>> {
        let id_hash = id_hash.to_string();
        self.with(move |connection| {
            let row: Option<(String, i64, i64, i64)> = connection
                .query_row(
                    "SELECT coordinator, created_at, last_seen, expires_at FROM sessions
                     WHERE id_hash = ?1 AND expires_at > ?2 AND NOT EXISTS (
                         SELECT 1 FROM revocations r WHERE r.coordinator = sessions.coordinator
                         AND r.revoked_at >= sessions.created_at)",
                    params![id_hash, millis(now)],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(c, created, seen, expires)| row_to_session(c, created, seen, expires))
                .transpose()
        })
    }

    fn touch_session<'a>(
        &'a self,
        id_hash: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let id_hash = id_hash.to_string();
        self.with(move |connection| {
            connection
                .execute(
                    "UPDATE sessions SET last_seen = MAX(last_seen, ?2) WHERE id_hash = ?1",
                    params![id_hash, millis(at)],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn end_session<'a>(&'a self, id_hash: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let id_hash = id_hash.to_string();
        self.with(move |connection| {
            connection
                .execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])
                .map_err(backend)?;
            Ok(())
        })
    }

    fn end_sessions_of<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let coordinator = coordinator.to_string();
        self.with(move |connection| {
            connection
                .execute(
                    "DELETE FROM sessions WHERE coordinator = ?1",
                    params![coordinator],
                )
                .map_err(backend)
        })
    }

    fn put_token(&self, token: NewToken) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(move |connection| {
            connection
                .execute(
                    "INSERT OR REPLACE INTO tokens (kind, hash, value, expires_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        token.kind.as_str(),
                        token.hash,
                        token.value,
                        millis(token.expires_at)
                    ],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn take_token<'a>(
        &'a self,
        kind: TokenKind,
        hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let hash = hash.to_string();
        self.with(move |connection| {
            // Expired tokens are deleted as others are taken (they are refused anyway).
            connection
                .execute(
                    "DELETE FROM tokens WHERE expires_at <= ?1",
                    params![millis(now)],
                )
                .map_err(backend)?;
            // One statement: deleting is taking, so two requests cannot both take it.
            let taken: Option<(String, i64)> = connection
                .query_row(
                    "DELETE FROM tokens WHERE kind = ?1 AND hash = ?2
                     RETURNING value, expires_at",
                    params![kind.as_str(), hash],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            Ok(taken
                .filter(|(_, expires_at)| *expires_at > millis(now))
                .map(|(value, _)| value))
        })
    }

    fn add_passkey(
        &self,
        passkey: StoredPasskey,
        granted_at: Timestamp,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            if !still_granted(&tx, &passkey.coordinator, granted_at)? {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO passkeys (coordinator, id, name, created_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (coordinator, id) DO UPDATE SET data = excluded.data",
                params![
                    passkey.coordinator,
                    passkey.id,
                    passkey.name,
                    millis(passkey.created_at),
                    passkey.data
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(true)
        })
    }

    fn update_passkey<'a>(
        &'a self,
        coordinator: &'a str,
        id: &'a str,
        old_data: &'a str,
        new_data: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let (coordinator, id) = (coordinator.to_string(), id.to_string());
        let (old_data, new_data) = (old_data.to_string(), new_data.to_string());
        self.with(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE passkeys SET data = ?4 WHERE coordinator = ?1 AND id = ?2 AND data = ?3",
                    params![coordinator, id, old_data, new_data],
                )
                .map_err(backend)?;
            Ok(changed == 1)
        })
    }

    fn revoke_access<'a>(
        &'a self,
        coordinator: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let coordinator = coordinator.to_string();
        self.with(move |connection| {
            connection
                .execute(
                    "INSERT INTO revocations (coordinator, revoked_at) VALUES (?1, ?2)
                     ON CONFLICT (coordinator) DO UPDATE
                     SET revoked_at = MAX(revoked_at, excluded.revoked_at)",
                    params![coordinator, millis(at)],
                )
                .map_err(backend)?;
            Ok(())
        })
    }

    fn access_revoked<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Option<Timestamp>, StoreError>> {
        let coordinator = coordinator.to_string();
        self.with(move |connection| {
            revoked_at(connection, &coordinator)?
                .map(from_millis)
                .transpose()
        })
    }

    fn passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredPasskey>, StoreError>> {
        let coordinator = coordinator.to_string();
        self.with(move |connection| {
            let mut statement = connection
                .prepare(
                    "SELECT id, name, created_at, data FROM passkeys WHERE coordinator = ?1
                     ORDER BY created_at, id",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(params![coordinator], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .map_err(backend)?;
            let mut passkeys = Vec::new();
            for row in rows {
                let (id, name, created_at, data): (String, String, i64, String) =
                    row.map_err(backend)?;
                passkeys.push(StoredPasskey {
                    coordinator: coordinator.clone(),
                    id,
                    name,
                    created_at: from_millis(created_at)?,
                    data,
                });
            }
            Ok(passkeys)
        })
    }

    fn remove_passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let coordinator = coordinator.to_string();
        self.with(move |connection| {
            connection
                .execute(
                    "DELETE FROM passkeys WHERE coordinator = ?1",
                    params![coordinator],
                )
                .map_err(backend)
        })
    }

    fn count_attempt(&self, attempt: Attempt) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.with(move |connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let now = millis(attempt.now);
            tx.execute("DELETE FROM attempts WHERE window_ends <= ?1", params![now])
                .map_err(backend)?;
            let count: u32 = tx
                .query_row(
                    "SELECT count FROM attempts WHERE key = ?1",
                    params![attempt.key],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)?
                .unwrap_or(0);
            if count >= attempt.limit {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO attempts (key, count, window_ends) VALUES (?1, 1, ?2)
                 ON CONFLICT (key) DO UPDATE SET count = count + 1",
                params![attempt.key, millis(attempt.window_ends)],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(true)
        })
    }

    fn log_activity(&self, entry: ActivityEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        let forget_before = entry.at - self.activity_retention;
        self.with(move |connection| {
            let action = serde_json::to_string(&entry.action).map_err(json_error)?;
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            tx.execute(
                "DELETE FROM activity WHERE at < ?1",
                params![millis(forget_before)],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO activity (id, at, actor, action, date_only)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    random_id(),
                    millis(entry.at),
                    entry.actor,
                    action,
                    entry.date_only
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
    }

    fn activity(&self, limit: usize) -> BoxFuture<'_, Result<Vec<ActivityEntry>, StoreError>> {
        self.with(move |connection| {
            let mut statement = connection
                .prepare("SELECT at, actor, action, date_only FROM activity ORDER BY at DESC, id LIMIT ?1")
                .map_err(backend)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = statement
                .query_map(params![limit], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .map_err(backend)?;
            let mut entries = Vec::new();
            for row in rows {
                let (at, actor, action, date_only): (i64, String, String, bool) =
                    row.map_err(backend)?;
                entries.push(ActivityEntry {
                    at: from_millis(at)?,
                    actor,
                    date_only,
                    action: serde_json::from_str(&action).map_err(json_error)?,
                });
            }
            Ok(entries)
        })
    }
}
