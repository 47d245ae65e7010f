//! [`AuthStore`] on DynamoDB, in the one table (ARCHITECTURE.md, "DynamoDB design"):
//!
//! | Item | `pk` | `sk` | `gsi1pk` / `gsi1sk` |
//! |---|---|---|---|
//! | session | `SESSION#<id hash>` | `SESSION` | `COORDINATOR#<email>` / `SESSION#<id hash>` |
//! | passkey | `COORDINATOR#<email>` | `PASSKEY#<credential id>` | none |
//! | access revoked (removal) | `COORDINATOR#<email>` | `REVOKED` | none |
//! | single-use token | `TOKEN#<kind>#<hash>` | `TOKEN` | none |
//! | attempt counter | `ATTEMPT#<hash>` | `ATTEMPT` | none |
//! | activity entry | `ACTIVITY` | `<at ms, 15 digits>#<random>` | none |
//!
//! Every item but a passkey and a revocation carries `expires_at` (the TTL); reads skip what is
//! past its end. Ending a coordinator's sessions reads the index, which follows writes within a
//! second or so: a session it misses still fails, since reading a session also reads its
//! coordinator's revocation, consistently. Starting a session and adding a passkey are
//! transactions conditional on that revocation item.

use super::{
    DynamoStore, EXPIRES_AT, GSI1PK, GSI1SK, Item, PK, SK, WRITES, condition_failed, get_n, get_s,
    key, n, s, sdk, time_key,
};
use crate::store::auth::{
    ActivityEntry, Attempt, AuthStore, NewSession, NewToken, StoredPasskey, StoredSession,
    TokenKind,
};
use crate::store::{BoxFuture, StoreError};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, ReturnValue, TransactWriteItem};
use jiff::Timestamp;
use std::collections::HashMap;

const SESSION_SK: &str = "SESSION";
const TOKEN_SK: &str = "TOKEN";
const ATTEMPT_SK: &str = "ATTEMPT";
pub(super) const ACTIVITY_PK: &str = "ACTIVITY";
const REVOKED_SK: &str = "REVOKED";

fn session_pk(id_hash: &str) -> String {
    format!("SESSION#{id_hash}")
}

fn coordinator_pk(email: &str) -> String {
    format!("COORDINATOR#{email}")
}

fn token_pk(kind: TokenKind, hash: &str) -> String {
    format!("TOKEN#{}#{hash}", kind.as_str())
}

fn at(item: &Item, name: &str) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(get_n(item, name)?)
        .map_err(|err| StoreError::Backend(err.to_string()))
}

/// The TTL of something that ends at `end`: the second after.
fn ttl(end: Timestamp) -> AttributeValue {
    n(end.as_second() + 1)
}

fn to_session(item: &Item) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        coordinator: get_s(item, "coordinator")?.to_string(),
        created_at: at(item, "created_at")?,
        last_seen: at(item, "last_seen")?,
        expires_at: at(item, "ends_at")?,
    })
}

fn to_passkey(item: &Item) -> Result<StoredPasskey, StoreError> {
    Ok(StoredPasskey {
        coordinator: get_s(item, "coordinator")?.to_string(),
        id: get_s(item, "credential")?.to_string(),
        name: get_s(item, "name")?.to_string(),
        created_at: at(item, "created_at")?,
        data: get_s(item, "data")?.to_string(),
    })
}

pub(super) fn to_entry(item: &Item) -> Result<ActivityEntry, StoreError> {
    Ok(ActivityEntry {
        at: at(item, "at")?,
        actor: get_s(item, "actor")?.to_string(),
        // Absent on entries logged before the marker was kept.
        date_only: matches!(item.get("date_only"), Some(AttributeValue::Bool(true))),
        action: serde_json::from_str(get_s(item, "action")?).map_err(|err| {
            StoreError::Backend(format!("an activity entry is unreadable: {err}"))
        })?,
    })
}

/// A random suffix that keeps two entries of the same millisecond apart.
fn random_suffix() -> String {
    crate::secret::random_hex::<8>()
}

impl DynamoStore {
    /// When `coordinator`'s access was last revoked, if ever (a consistent read).
    async fn revoked_at(&self, coordinator: &str) -> Result<Option<Timestamp>, StoreError> {
        let item = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(&coordinator_pk(coordinator), REVOKED_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk("reading a revocation", err))?
            .item;
        item.as_ref().map(|item| at(item, "revoked_at")).transpose()
    }

    /// Writes `write` only if `coordinator`'s access was not revoked at or after
    /// `granted_at`, in one transaction: `false` if it was.
    async fn write_if_granted(
        &self,
        coordinator: &str,
        granted_at: Timestamp,
        write: TransactWriteItem,
        doing: &str,
    ) -> Result<bool, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(&coordinator_pk(coordinator), REVOKED_SK)))
            .condition_expression("attribute_not_exists(#rev) OR #rev < :granted")
            .expression_attribute_names("#rev", "revoked_at")
            .expression_attribute_values(":granted", n(granted_at.as_millisecond()))
            .build()
            .map_err(|err| StoreError::Backend(err.to_string()))?;
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(check).build())
            .transact_items(write)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    TransactWriteItemsError::TransactionCanceledException(cancelled)
                        if cancelled.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                ) =>
            {
                Ok(false)
            }
            Err(err) => {
                let code = err.code().unwrap_or("").to_string();
                Err(sdk(&format!("{doing} ({code})"), err))
            }
        }
    }

    async fn put(&self, item: Item, doing: &str) -> Result<(), StoreError> {
        let _write = WRITES.lock().await;
        self.client()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|err| sdk(doing, err))?;
        Ok(())
    }

    async fn delete(&self, key: Item, doing: &str) -> Result<Option<Item>, StoreError> {
        let _write = WRITES.lock().await;
        let output = self
            .client()
            .await
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|err| sdk(doing, err))?;
        Ok(output.attributes)
    }

    /// Every item of the table partition `pk` whose sort key starts with `prefix`, in sort
    /// key order (`forward`) or the reverse, at most `limit` (all if `None`).
    async fn query_partition(
        &self,
        pk: &str,
        prefix: Option<&str>,
        forward: bool,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let client = self.client().await;
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .scan_index_forward(forward)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start.take());
            if let Some(limit) = limit {
                query = query.limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX));
            }
            query = match prefix {
                Some(prefix) => query
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", SK)
                    .expression_attribute_values(":prefix", s(prefix)),
                None => query.key_condition_expression("#pk = :pk"),
            };
            let page = query
                .send()
                .await
                .map_err(|err| sdk("querying a partition", err))?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if limit.is_none_or(|l| items.len() < l) => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Starts a new window for the attempt's key, if it has none running: `false` if it has.
    async fn start_window(&self, attempt: &Attempt) -> Result<bool, StoreError> {
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(&format!("ATTEMPT#{}", attempt.key), ATTEMPT_SK)))
            .update_expression("SET #count = :one, #ends = :ends, #ttl = :ttl")
            .condition_expression("attribute_not_exists(#pk) OR #ends <= :now")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ends", "window_ends")
            .expression_attribute_names("#ttl", EXPIRES_AT)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ends", n(attempt.window_ends.as_millisecond()))
            .expression_attribute_values(":ttl", ttl(attempt.window_ends))
            .expression_attribute_values(":now", n(attempt.now.as_millisecond()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(sdk("counting an attempt", err)),
        }
    }

    /// Counts one more attempt in the running window, while below its limit.
    async fn count_in_window(&self, attempt: &Attempt) -> Result<bool, StoreError> {
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(&format!("ATTEMPT#{}", attempt.key), ATTEMPT_SK)))
            .update_expression("SET #count = #count + :one")
            .condition_expression("#count < :limit AND #ends > :now")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ends", "window_ends")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(attempt.limit))
            .expression_attribute_values(":now", n(attempt.now.as_millisecond()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(sdk("counting an attempt", err)),
        }
    }
}

impl AuthStore for DynamoStore {
    fn create_session(&self, session: NewSession) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut item = key(&session_pk(&session.id_hash), SESSION_SK);
            item.extend([
                (GSI1PK.into(), s(coordinator_pk(&session.coordinator))),
                (GSI1SK.into(), s(session_pk(&session.id_hash))),
                ("coordinator".into(), s(&session.coordinator)),
                ("created_at".into(), n(session.created_at.as_millisecond())),
                ("last_seen".into(), n(session.created_at.as_millisecond())),
                ("ends_at".into(), n(session.expires_at.as_millisecond())),
                (EXPIRES_AT.into(), ttl(session.expires_at)),
            ]);
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(|err| StoreError::Backend(err.to_string()))?;
            let write = TransactWriteItem::builder().put(put).build();
            let (who, granted) = (&session.coordinator, session.granted_at);
            self.write_if_granted(who, granted, write, "starting a session")
                .await
        })
    }

    fn session<'a>(
        &'a self,
        id_hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<StoredSession>, StoreError>> {
        Box::pin(async move {
            let item = self
                .client()
                .await
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key(&session_pk(id_hash), SESSION_SK)))
                .consistent_read(true)
                .send()
                .await
                .map_err(|err| sdk("reading a session", err))?
                .item;
            let session = item.as_ref().map(to_session).transpose()?;
            let Some(session) = session.filter(|session| session.expires_at > now) else {
                return Ok(None);
            };
            let revoked = self.revoked_at(&session.coordinator).await?;
            Ok(revoked
                .is_none_or(|revoked| revoked < session.created_at)
                .then_some(session))
        })
    }

    fn touch_session<'a>(
        &'a self,
        id_hash: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let _write = WRITES.lock().await;
            let result = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(&session_pk(id_hash), SESSION_SK)))
                .update_expression("SET #seen = :at")
                .condition_expression("attribute_exists(#pk) AND #seen < :at")
                .expression_attribute_names("#seen", "last_seen")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":at", n(at.as_millisecond()))
                .send()
                .await;
            match result {
                // Ended meanwhile, or touched later by another request: nothing to do.
                Ok(_) => Ok(()),
                Err(err) if condition_failed(&err) => Ok(()),
                Err(err) => Err(sdk("touching a session", err)),
            }
        })
    }

    fn end_session<'a>(&'a self, id_hash: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.delete(key(&session_pk(id_hash), SESSION_SK), "ending a session")
                .await
                .map(|_| ())
        })
    }

    fn end_sessions_of<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(async move {
            let sessions = self
                .query_index(&coordinator_pk(coordinator), None, None)
                .await?;
            let mut ended = 0;
            for item in sessions {
                let pk = get_s(&item, PK)?.to_string();
                if self
                    .delete(key(&pk, SESSION_SK), "ending a session")
                    .await?
                    .is_some()
                {
                    ended += 1;
                }
            }
            Ok(ended)
        })
    }

    fn put_token(&self, token: NewToken) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let mut item = key(&token_pk(token.kind, &token.hash), TOKEN_SK);
            item.extend([
                ("value".into(), s(token.value)),
                ("ends_at".into(), n(token.expires_at.as_millisecond())),
                (EXPIRES_AT.into(), ttl(token.expires_at)),
            ]);
            self.put(item, "keeping a token").await
        })
    }

    fn take_token<'a>(
        &'a self,
        kind: TokenKind,
        hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            // Deleting is taking: of two deletes, only one gets the old item back.
            let Some(item) = self
                .delete(key(&token_pk(kind, hash), TOKEN_SK), "taking a token")
                .await?
            else {
                return Ok(None);
            };
            if at(&item, "ends_at")? <= now {
                return Ok(None);
            }
            Ok(Some(get_s(&item, "value")?.to_string()))
        })
    }

    fn add_passkey(
        &self,
        passkey: StoredPasskey,
        granted_at: Timestamp,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let key = key(
                &coordinator_pk(&passkey.coordinator),
                &format!("PASSKEY#{}", passkey.id),
            );
            // A new passkey gets every attribute, a known one only its data, keeping its name
            // and date.
            let update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression(
                    "SET #data = :data, #who = :who, #id = :id, \
                     #name = if_not_exists(#name, :name), #at = if_not_exists(#at, :at)",
                )
                .expression_attribute_names("#data", "data")
                .expression_attribute_names("#who", "coordinator")
                .expression_attribute_names("#id", "credential")
                .expression_attribute_names("#name", "name")
                .expression_attribute_names("#at", "created_at")
                .expression_attribute_values(":data", s(&passkey.data))
                .expression_attribute_values(":who", s(&passkey.coordinator))
                .expression_attribute_values(":id", s(&passkey.id))
                .expression_attribute_values(":name", s(&passkey.name))
                .expression_attribute_values(":at", n(passkey.created_at.as_millisecond()))
                .build()
                .map_err(|err| StoreError::Backend(err.to_string()))?;
            let write = TransactWriteItem::builder().update(update).build();
            self.write_if_granted(&passkey.coordinator, granted_at, write, "adding a passkey")
                .await
        })
    }

    fn update_passkey<'a>(
        &'a self,
        coordinator: &'a str,
        id: &'a str,
        old_data: &'a str,
        new_data: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let _write = WRITES.lock().await;
            let result = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(
                    &coordinator_pk(coordinator),
                    &format!("PASSKEY#{id}"),
                )))
                .update_expression("SET #data = :new")
                .condition_expression("#data = :old")
                .expression_attribute_names("#data", "data")
                .expression_attribute_values(":old", s(old_data))
                .expression_attribute_values(":new", s(new_data))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(err) if condition_failed(&err) => Ok(false),
                Err(err) => Err(sdk("updating a passkey", err)),
            }
        })
    }

    fn revoke_access<'a>(
        &'a self,
        coordinator: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let _write = WRITES.lock().await;
            let result = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(&coordinator_pk(coordinator), REVOKED_SK)))
                .update_expression("SET #rev = :at")
                .condition_expression("attribute_not_exists(#rev) OR #rev < :at")
                .expression_attribute_names("#rev", "revoked_at")
                .expression_attribute_values(":at", n(at.as_millisecond()))
                .send()
                .await;
            match result {
                // Revoked later already: that mark stands.
                Ok(_) => Ok(()),
                Err(err) if condition_failed(&err) => Ok(()),
                Err(err) => Err(sdk("revoking access", err)),
            }
        })
    }

    fn access_revoked<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Option<Timestamp>, StoreError>> {
        Box::pin(self.revoked_at(coordinator))
    }

    fn passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredPasskey>, StoreError>> {
        Box::pin(async move {
            let items = self
                .query_partition(&coordinator_pk(coordinator), Some("PASSKEY#"), true, None)
                .await?;
            let mut passkeys = items
                .iter()
                .map(to_passkey)
                .collect::<Result<Vec<_>, _>>()?;
            passkeys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            Ok(passkeys)
        })
    }

    fn remove_passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(async move {
            let items = self
                .query_partition(&coordinator_pk(coordinator), Some("PASSKEY#"), true, None)
                .await?;
            let count = items.len();
            for item in items {
                let key = HashMap::from([
                    (PK.to_string(), s(get_s(&item, PK)?)),
                    (SK.to_string(), s(get_s(&item, SK)?)),
                ]);
                self.delete(key, "removing a passkey").await?;
            }
            Ok(count)
        })
    }

    fn count_attempt(&self, attempt: Attempt) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            if self.start_window(&attempt).await? {
                return Ok(true);
            }
            self.count_in_window(&attempt).await
        })
    }

    fn log_activity(&self, entry: ActivityEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let action = serde_json::to_string(&entry.action)
                .map_err(|err| StoreError::Backend(err.to_string()))?;
            let sk = format!(
                "{}#{}",
                time_key(entry.at.as_millisecond()),
                random_suffix()
            );
            let mut item = key(ACTIVITY_PK, &sk);
            item.extend([
                ("at".into(), n(entry.at.as_millisecond())),
                ("actor".into(), s(entry.actor)),
                ("action".into(), s(action)),
                ("date_only".into(), AttributeValue::Bool(entry.date_only)),
                (EXPIRES_AT.into(), ttl(entry.at + self.activity_retention)),
            ]);
            self.put(item, "logging an activity").await
        })
    }

    fn activity(&self, limit: usize) -> BoxFuture<'_, Result<Vec<ActivityEntry>, StoreError>> {
        Box::pin(async move {
            // Newest first, so the expired entries (the oldest) come last: reading `limit`
            // items and leaving out the expired ones never skips a kept entry.
            let now = self.now_seconds();
            let items = self
                .query_partition(ACTIVITY_PK, None, false, Some(limit))
                .await?;
            items
                .iter()
                .filter(|item| !super::expired(item, now))
                .take(limit)
                .map(to_entry)
                .collect()
        })
    }
}
