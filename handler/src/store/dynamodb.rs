//! The production store: one DynamoDB table (ARCHITECTURE.md, "DynamoDB design", has the key
//! design and the access patterns).
//!
//! [`Store::submit`] is one `TransactWriteItems`: the idempotency record (written only if no
//! unexpired one has the key), the submission (only if its reference is free), the cohort's
//! place counter (incremented only while below its group size) and the notifications.
//! DynamoDB applies all of it or none, so two people can never both take the tenth place, and
//! the cancellation reasons say which condition failed: "already registered" (a duplicate),
//! "reference taken", or "full".
//!
//! One write at a time per process (a tokio mutex around each write). In Lambda an instance
//! serves one request at a time, so the lock is never contended there; across instances,
//! DynamoDB's transactions are serializable and the conditions decide. The lock is for the
//! local server against moto, whose `TransactWriteItems` is not atomic under concurrent
//! requests (it checks and applies without a lock, and restores a copy of the whole table when
//! one condition fails, undoing writes made meanwhile): serialized, moto behaves as DynamoDB does.
//!
//! Retention: every item of a submission carries `expires_at` (seconds since the epoch,
//! received time + `PASSERELLE_RETENTION_DAYS`), the table's TTL attribute. DynamoDB deletes
//! expired items within a day or two, so reads also skip anything past `expires_at`.

mod inbox;

use super::{
    BoxFuture, FailedNotification, NewSubmission, NotificationKind, PendingNotification, Status,
    Store, StoreError, StoredSubmission, SubmitOutcome, notification_id, parse_notification_id,
};
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TransactWriteItem, Update,
};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

mod auth;
mod places;

/// The partition key attribute.
pub const PK: &str = "pk";
/// The sort key attribute.
pub const SK: &str = "sk";
/// The one global secondary index (sparse: only items that carry its keys).
pub const GSI1: &str = "gsi1";
/// The index's partition key attribute.
pub const GSI1PK: &str = "gsi1pk";
/// The index's sort key attribute.
pub const GSI1SK: &str = "gsi1sk";
/// The TTL attribute: seconds since the epoch.
pub const EXPIRES_AT: &str = "expires_at";
/// The index partition holding every notification still to send.
pub const PENDING: &str = "PENDING";
/// The sort key of a submission item (its partition is `SUB#<reference>`).
pub const SUBMISSION_SK: &str = "SUBMISSION";
/// Marks a notification held for a later batch (anonymous feedback's morning batch): the
/// table stream's filter (infra/template.yaml, NotifierFunction's TableStream) leaves such
/// items out, so storing feedback invokes, and logs, nothing.
pub const HELD: &str = "held";

type Item = HashMap<String, AttributeValue>;

/// Serializes this process's writes (see the module documentation).
static WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A clock, so tests can read the store as of a fixed moment.
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A handle on the table. Cheap to clone (clones share one client).
#[derive(Clone)]
pub struct DynamoStore {
    client: Arc<OnceCell<Client>>,
    table: String,
    retention: SignedDuration,
    /// How long the activity log keeps an entry (`PASSERELLE_ACTIVITY_RETENTION_DAYS`).
    activity_retention: SignedDuration,
    clock: Clock,
}

impl DynamoStore {
    /// The table `table` through `client`; items expire `retention_days` after they arrive.
    pub fn new(client: Client, table: &str, retention_days: u32) -> DynamoStore {
        DynamoStore {
            client: Arc::new(OnceCell::new_with(Some(client))),
            ..DynamoStore::from_env(table, retention_days)
        }
    }

    /// The table `table`, with a client configured by the AWS SDK's conventions (`AWS_REGION`,
    /// the credential chain, `AWS_ENDPOINT_URL_DYNAMODB` for a local server), made on first
    /// use: opening never fails and never waits, so a server starts even when DynamoDB is
    /// unreachable, and answers 503 until it is back.
    pub fn from_env(table: &str, retention_days: u32) -> DynamoStore {
        DynamoStore {
            client: Arc::new(OnceCell::new()),
            table: table.to_string(),
            retention: SignedDuration::from_hours(24 * i64::from(retention_days)),
            activity_retention: crate::config::default_activity_retention(),
            clock: Arc::new(Timestamp::now),
        }
    }

    /// Keeps activity log entries `days` days (`PASSERELLE_ACTIVITY_RETENTION_DAYS`).
    pub fn with_activity_retention_days(mut self, days: u32) -> DynamoStore {
        self.activity_retention = SignedDuration::from_hours(24 * i64::from(days));
        self
    }

    /// Reads as of `now()` instead of the real time (tests with fixed dates).
    pub fn with_clock(mut self, now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The SDK client (made now if it was not yet).
    pub async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async { Client::new(crate::aws::sdk_config().await) })
            .await
    }

    /// Creates the table with the production key design (the same as infra/template.yaml) and
    /// turns on TTL. Returns `false` when the table already exists (nothing changed).
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        self.create_table_with(true).await
    }

    /// [`DynamoStore::create_table`], with or without the stream. Only the notifier Lambda
    /// reads the stream; a local benchmark leaves it out because moto copies every stream
    /// record along with the table on each transaction.
    pub async fn create_table_with(&self, stream: bool) -> Result<bool, StoreError> {
        let client = self.client().await;
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        };
        let _write = WRITES.lock().await;
        let created = client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PK)?)
            .attribute_definitions(attribute(SK)?)
            .attribute_definitions(attribute(GSI1PK)?)
            .attribute_definitions(attribute(GSI1SK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(GSI1)
                    .key_schema(key(GSI1PK, KeyType::Hash)?)
                    .key_schema(key(GSI1SK, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(build_error)?,
            )
            .set_stream_specification(if stream {
                Some(
                    StreamSpecification::builder()
                        .stream_enabled(true)
                        .stream_view_type(StreamViewType::NewAndOldImages)
                        .build()
                        .map_err(build_error)?,
                )
            } else {
                None
            })
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(err) if err.code() == Some("ResourceInUseException") => return Ok(false),
            Err(err) => return Err(sdk("creating the table", err)),
        }
        client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(EXPIRES_AT)
                    .enabled(true)
                    .build()
                    .map_err(build_error)?,
            )
            .send()
            .await
            .map_err(|err| sdk("turning on TTL", err))?;
        Ok(true)
    }

    fn expires_at(&self, received_at: Timestamp) -> i64 {
        (received_at + self.retention).as_second()
    }

    fn now_seconds(&self) -> i64 {
        (self.clock)().as_second()
    }
}

// --- Keys -------------------------------------------------------------------------------------

fn submission_pk(reference: &str) -> String {
    format!("SUB#{reference}")
}

fn idempotency_pk(key: &str) -> String {
    format!("IDEM#{key}")
}

fn offering_pk(offering: &str) -> String {
    format!("OFFERING#{offering}")
}

/// A cohort's place counter: `COHORT#<cohort>@<first start>`
/// ([`crate::registration::PlaceRequest::cohort_key`]).
fn cohort_sk(cohort_key: &str) -> String {
    format!("COHORT#{cohort_key}")
}

/// The place counters of earlier versions, read at each registration for where a new
/// cohort counter starts ([`DynamoStore::places_counted_before`]), in order of preference:
/// `SESSION#<cohort>@<first start>` (before the registration vocabulary) and, older,
/// `SESSION#<cohort>` (before places were counted per first start). The second is a prefix
/// of the first, so one query finds both.
fn earlier_counter_sks(place: &PlaceRequest) -> [String; 2] {
    [
        format!("SESSION#{}", place.cohort_key()),
        format!("SESSION#{}", place.cohort),
    ]
}

fn ack_pk(key: &str) -> String {
    format!("ACK#{key}")
}

fn form_pk(form: &str) -> String {
    format!("FORM#{form}")
}

fn note_sk(index: usize) -> String {
    format!("NOTE#{index:03}")
}

/// Milliseconds, zero-padded so that text order is time order.
fn time_key(ms: i64) -> String {
    format!("{ms:015}")
}

/// The item `SUB#<reference>`/`NOTE#<index>` a notification id names.
fn note_key(id: &str) -> Result<Item, StoreError> {
    let (reference, index) = parse_notification_id(id)?;
    Ok(key(&submission_pk(reference.as_str()), &note_sk(index)))
}

fn key(pk: &str, sk: &str) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

// --- Attribute values -------------------------------------------------------------------------

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(number: impl ToString) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        _ => Err(StoreError::Backend(format!(
            "a stored item has no text `{name}`"
        ))),
    }
}

fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(number)) => number
            .parse()
            .map_err(|_| StoreError::Backend(format!("`{name}` is not a whole number"))),
        _ => Err(StoreError::Backend(format!(
            "a stored item has no number `{name}`"
        ))),
    }
}

fn expired(item: &Item, now_seconds: i64) -> bool {
    get_n(item, EXPIRES_AT).is_ok_and(|at| at <= now_seconds)
}

fn parse_reference(text: &str) -> Result<Reference, StoreError> {
    Reference::parse(text)
        .ok_or_else(|| StoreError::Backend("a stored reference is malformed".into()))
}

fn parse_status(text: &str) -> Result<Status, StoreError> {
    Status::parse(text).ok_or_else(|| StoreError::Backend(format!("unknown status `{text}`")))
}

fn to_submission(item: &Item) -> Result<StoredSubmission, StoreError> {
    Ok(StoredSubmission {
        reference: parse_reference(get_s(item, "reference")?)?,
        status: parse_status(get_s(item, "status")?)?,
        received_at: Timestamp::from_millisecond(get_n(item, "received_at")?)
            .map_err(|err| StoreError::Backend(err.to_string()))?,
        submission: serde_json::from_str(get_s(item, "submission")?).map_err(|err| {
            StoreError::Backend(format!("a stored submission is unreadable: {err}"))
        })?,
    })
}

fn to_pending(item: &Item) -> Result<PendingNotification, StoreError> {
    let reference = get_s(item, "reference")?;
    let sk = get_s(item, SK)?;
    let index: usize = sk
        .strip_prefix("NOTE#")
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| StoreError::Backend(format!("`{sk}` is not a notification key")))?;
    let kind = get_s(item, "notification")?;
    Ok(PendingNotification {
        id: notification_id(reference, index),
        reference: parse_reference(reference)?,
        kind: NotificationKind::parse(kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown notification kind `{kind}`")))?,
        recipient: get_s(item, "recipient")?.to_string(),
        attempts: u32::try_from(get_n(item, "attempts")?).unwrap_or(u32::MAX),
    })
}

fn to_failed(item: &Item) -> Result<FailedNotification, StoreError> {
    let pending = to_pending(item)?;
    Ok(FailedNotification {
        id: pending.id,
        reference: pending.reference,
        kind: pending.kind,
        attempts: pending.attempts,
        reason: get_s(item, "last_error").unwrap_or_default().to_string(),
    })
}

// --- Errors -----------------------------------------------------------------------------------

fn build_error(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(format!("a DynamoDB request is malformed: {err}"))
}

/// The SDK's error with its whole chain ("dispatch failure: ... connection refused"). SDK errors
/// carry codes and messages, never the items' contents.
fn sdk<E, R>(doing: &str, err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(format!("DynamoDB, {doing}: {}", DisplayErrorContext(&err)))
}

fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("ConditionalCheckFailedException")
}

// --- Submit -----------------------------------------------------------------------------------

/// Why each item is in the transaction, to read its cancellation reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The first idempotency key, recorded; or a later one, checked.
    Idempotency,
    Submission,
    Place,
    /// The acknowledgement count of an address and day.
    Ack,
    Notification,
}

/// A transaction's items, and each one's role with its partition key.
type Transaction = (Vec<TransactWriteItem>, Vec<(Role, String)>);

/// What a cancelled transaction means.
enum Cancelled {
    /// An idempotency key is taken: the submission was stored before, under this key.
    Duplicate(String),
    ReferenceTaken,
    Full,
    /// The address has had its day's acknowledgements.
    AckLimit,
    /// Contention or throttling: worth trying again.
    Retry,
    Other(String),
}

/// What one attempt at storing a submission writes.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    status: Status,
    /// Take a place (the cohort's counter goes up).
    take_place: bool,
    /// Queue the acknowledgement (and count it against its quota).
    acknowledge: bool,
    /// Where a cohort's counter starts when it does not exist yet: the places the counters of
    /// earlier versions hold (see [`DynamoStore::places_counted_before`]).
    seed: u32,
}

impl DynamoStore {
    /// The submission item of `reference`, read consistently; `None` when there is none or it
    /// is past its expiry (the TTL may not have deleted it yet).
    async fn live_submission(&self, reference: &Reference) -> Result<Option<Item>, StoreError> {
        let item = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(&submission_pk(reference.as_str()), SUBMISSION_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk("reading a submission", err))?
            .item;
        Ok(item.filter(|item| !expired(item, self.now_seconds())))
    }

    /// Deletes every item a scan with `filter` finds (`names` and the one `value` it uses),
    /// one at a time; returns how many of them were submissions. The purges' way (the local
    /// server's hourly pass, `handler purge`): in AWS, the TTL deletes the same items.
    async fn delete_scanned(
        &self,
        filter: &str,
        names: &[(&str, &str)],
        value: (&str, AttributeValue),
    ) -> Result<usize, StoreError> {
        let client = self.client().await;
        let mut doomed = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut scan = client
                .scan()
                .table_name(&self.table)
                .filter_expression(filter)
                .projection_expression("#pk, #sk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(value.0, value.1.clone());
            for (name, attribute) in names {
                scan = scan.expression_attribute_names(*name, *attribute);
            }
            let page = scan
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk("scanning for expired items", err))?;
            doomed.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        let mut submissions = 0;
        for item in doomed {
            if matches!(item.get(SK), Some(AttributeValue::S(sk)) if sk == SUBMISSION_SK) {
                submissions += 1;
            }
            let _write = WRITES.lock().await;
            client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(item))
                .send()
                .await
                .map_err(|err| sdk("deleting an expired item", err))?;
        }
        Ok(submissions)
    }

    fn transaction(
        &self,
        new: &NewSubmission,
        attempt: Attempt,
    ) -> Result<Transaction, StoreError> {
        let Attempt {
            status,
            take_place,
            acknowledge,
            seed,
        } = attempt;
        let mut tx: Transaction = (Vec::new(), Vec::new());
        self.idempotency_items(new, status, acknowledge, &mut tx)?;
        self.submission_item(new, status, &mut tx)?;
        if take_place && let Some(place) = &new.place {
            self.place_item(new, place, seed, &mut tx)?;
        }
        if acknowledge && let Some(quota) = &new.ack_quota {
            self.ack_item(quota, &mut tx)?;
        }
        self.notification_items(new, acknowledge, &mut tx)?;
        if tx.0.len() > 100 {
            return Err(StoreError::Backend(format!(
                "a submission needs {} writes, more than DynamoDB's 100 per transaction: \
                 name fewer coordinators",
                tx.0.len()
            )));
        }
        Ok(tx)
    }

    /// The idempotency keys' items.
    fn idempotency_items(
        &self,
        new: &NewSubmission,
        status: Status,
        acknowledge: bool,
        tx: &mut Transaction,
    ) -> Result<(), StoreError> {
        let reference = new.reference.as_str();
        let received_ms = new.received_at.as_millisecond();
        let expires_at = self.expires_at(new.received_at);
        let now = n(self.now_seconds());
        // The idempotency keys: the first is recorded, the others only checked. An expired
        // record (TTL not yet applied) no longer counts.
        let mut keys: Vec<&String> = Vec::new();
        for k in &new.idempotency_keys {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let unclaimed = "attribute_not_exists(#pk) OR #exp <= :now";
        for (i, k) in keys.iter().enumerate() {
            let pk = idempotency_pk(k);
            let names = HashMap::from([
                ("#pk".to_string(), PK.to_string()),
                ("#exp".to_string(), EXPIRES_AT.to_string()),
            ]);
            let values = HashMap::from([(":now".to_string(), now.clone())]);
            let item = if i == 0 {
                let record = HashMap::from([
                    (PK.to_string(), s(&pk)),
                    (SK.to_string(), s("IDEM")),
                    ("reference".to_string(), s(reference)),
                    ("status".to_string(), s(status.as_str())),
                    ("received_at".to_string(), n(received_ms)),
                    (EXPIRES_AT.to_string(), n(expires_at)),
                    (
                        "acknowledged".to_string(),
                        AttributeValue::Bool(acknowledge && new.asks_acknowledgement()),
                    ),
                ]);
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(record))
                            .condition_expression(unclaimed)
                            .set_expression_attribute_names(Some(names))
                            .set_expression_attribute_values(Some(values))
                            .return_values_on_condition_check_failure(
                                ReturnValuesOnConditionCheckFailure::AllOld,
                            )
                            .build()
                            .map_err(build_error)?,
                    )
                    .build()
            } else {
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key(&pk, "IDEM")))
                            .condition_expression(unclaimed)
                            .set_expression_attribute_names(Some(names))
                            .set_expression_attribute_values(Some(values))
                            .return_values_on_condition_check_failure(
                                ReturnValuesOnConditionCheckFailure::AllOld,
                            )
                            .build()
                            .map_err(build_error)?,
                    )
                    .build()
            };
            tx.0.push(item);
            tx.1.push((Role::Idempotency, pk));
        }
        Ok(())
    }

    /// The submission's item.
    fn submission_item(
        &self,
        new: &NewSubmission,
        status: Status,
        tx: &mut Transaction,
    ) -> Result<(), StoreError> {
        let reference = new.reference.as_str();
        let received_ms = new.received_at.as_millisecond();
        let expires_at = self.expires_at(new.received_at);
        // The submission, if its reference is free.
        let json = serde_json::to_string(&new.submission)
            .map_err(|err| StoreError::Backend(err.to_string()))?;
        let mut record = HashMap::from([
            (PK.to_string(), s(submission_pk(reference))),
            (SK.to_string(), s(SUBMISSION_SK)),
            (GSI1PK.to_string(), s(form_pk(&new.submission.form))),
            (
                GSI1SK.to_string(),
                s(format!("{}#{reference}", time_key(received_ms))),
            ),
            ("reference".to_string(), s(reference)),
            ("form".to_string(), s(&new.submission.form)),
            ("status".to_string(), s(status.as_str())),
            ("received_at".to_string(), n(received_ms)),
            ("submission".to_string(), s(json)),
            (EXPIRES_AT.to_string(), n(expires_at)),
        ]);
        if let Some(place) = &new.place {
            record.insert("offering".into(), s(&place.offering));
            record.insert("cohort".into(), s(&place.cohort));
            record.insert(inbox::COHORT_KEY.into(), s(place.cohort_key()));
        }
        // The idempotency record written with it, so that deleting it now deletes that too.
        if let Some(first) = new.idempotency_keys.first() {
            record.insert(
                inbox::IDEMPOTENCY.into(),
                AttributeValue::L(vec![s(idempotency_pk(first))]),
            );
        }
        tx.0.push(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(record))
                        .condition_expression("attribute_not_exists(#pk)")
                        .expression_attribute_names("#pk", PK)
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        );
        tx.1.push((Role::Submission, submission_pk(reference)));
        Ok(())
    }

    /// The cohort's place counter.
    fn place_item(
        &self,
        new: &NewSubmission,
        place: &PlaceRequest,
        seed: u32,
        tx: &mut Transaction,
    ) -> Result<(), StoreError> {
        let expires_at = self.expires_at(new.received_at);
        // The place: the cohort's counter goes up by one only while below its group size
        // (model::registration::decide_place, as a condition). The counter expires with the
        // last registration that counted on it. A new counter starts at `seed`; when that is
        // already the group size, only an existing counter below it may go up.
        let condition = if seed < place.group_size {
            "attribute_not_exists(#reg) OR #reg < :size"
        } else {
            "attribute_exists(#reg) AND #reg < :size"
        };
        tx.0.push(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(
                            &offering_pk(&place.offering),
                            &cohort_sk(&place.cohort_key()),
                        )))
                        .update_expression(
                            "SET #reg = if_not_exists(#reg, :seed) + :one, #size = :size, #exp = :exp",
                        )
                        .condition_expression(condition)
                        .expression_attribute_names("#reg", "registered")
                        .expression_attribute_names("#size", "group_size")
                        .expression_attribute_names("#exp", EXPIRES_AT)
                        .expression_attribute_values(":seed", n(seed))
                        .expression_attribute_values(":one", n(1))
                        .expression_attribute_values(":size", n(place.group_size))
                        .expression_attribute_values(":exp", n(expires_at))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        );
        tx.1.push((Role::Place, offering_pk(&place.offering)));
        Ok(())
    }

    /// The acknowledgement count of an address and day.
    fn ack_item(&self, quota: &super::AckQuota, tx: &mut Transaction) -> Result<(), StoreError> {
        // The acknowledgement's count: up by one only while below the day's share. The item is
        // `ACK#<keyed hash of address and day>`, never the address.
        tx.0.push(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(&ack_pk(&quota.key), "ACK")))
                        .update_expression(
                            "SET #count = if_not_exists(#count, :zero) + :one, #exp = :exp",
                        )
                        .condition_expression("attribute_not_exists(#count) OR #count < :limit")
                        .expression_attribute_names("#count", "count")
                        .expression_attribute_names("#exp", EXPIRES_AT)
                        .expression_attribute_values(":zero", n(0))
                        .expression_attribute_values(":one", n(1))
                        .expression_attribute_values(":limit", n(quota.limit))
                        .expression_attribute_values(":exp", n(quota.expires_at.as_second()))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        );
        tx.1.push((Role::Ack, ack_pk(&quota.key)));
        Ok(())
    }

    /// The notifications' items (the acknowledgement only if `acknowledge`).
    fn notification_items(
        &self,
        new: &NewSubmission,
        acknowledge: bool,
        tx: &mut Transaction,
    ) -> Result<(), StoreError> {
        let reference = new.reference.as_str();
        let received_ms = new.received_at.as_millisecond();
        let expires_at = self.expires_at(new.received_at);
        // The notifications, in the index's PENDING partition, sorted by when they are due.
        let due_ms = new.notify_at.as_millisecond();
        let queued = new
            .notifications
            .iter()
            .filter(|n| acknowledge || n.kind != NotificationKind::Acknowledgement);
        // Held for a later batch: the stream's filter leaves it out (see [`HELD`]).
        let held = new.notify_at > new.received_at;
        for (index, notification) in queued.enumerate() {
            let id = notification_id(reference, index);
            let mut record = HashMap::from([
                (PK.to_string(), s(submission_pk(reference))),
                (SK.to_string(), s(note_sk(index))),
                (GSI1PK.to_string(), s(PENDING)),
                (GSI1SK.to_string(), s(format!("{}#{id}", time_key(due_ms)))),
                ("reference".to_string(), s(reference)),
                ("notification".to_string(), s(notification.kind.as_str())),
                ("recipient".to_string(), s(&notification.recipient)),
                ("attempts".to_string(), n(0)),
                ("due_at".to_string(), n(due_ms)),
                // When it was first due: retries and claims move `due_at`, not this.
                ("queued_at".to_string(), n(due_ms)),
                ("received_at".to_string(), n(received_ms)),
                (EXPIRES_AT.to_string(), n(expires_at)),
            ]);
            if held {
                record.insert(HELD.to_string(), AttributeValue::Bool(true));
            }
            tx.0.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(record))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            );
            tx.1.push((Role::Notification, id));
        }
        Ok(())
    }

    /// Runs the transaction once; `Ok(None)` when it was cancelled (with the reason).
    async fn try_submit(
        &self,
        new: &NewSubmission,
        attempt: Attempt,
    ) -> Result<Result<(), Cancelled>, StoreError> {
        let (items, roles) = self.transaction(new, attempt)?;
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(Ok(())),
            Err(err) => err,
        };
        if err.code() == Some("TransactionConflict")
            || err.code() == Some("ThrottlingException")
            || err.code() == Some("ProvisionedThroughputExceededException")
        {
            return Ok(Err(Cancelled::Retry));
        }
        let service = match err {
            SdkError::ServiceError(service) => service.into_err(),
            other => return Err(sdk("storing a submission", other)),
        };
        let TransactWriteItemsError::TransactionCanceledException(cancelled) = service else {
            return Err(StoreError::Backend(format!(
                "DynamoDB, storing a submission: {}",
                DisplayErrorContext(&service)
            )));
        };
        let reasons = cancelled.cancellation_reasons();
        let failed = |role: Role| {
            reasons
                .iter()
                .zip(&roles)
                .find(|(reason, (r, _))| {
                    *r == role && reason.code() == Some("ConditionalCheckFailed")
                })
                .map(|(reason, (_, pk))| (reason, pk.clone()))
        };
        if let Some((_, pk)) = failed(Role::Idempotency) {
            return Ok(Err(Cancelled::Duplicate(pk)));
        }
        if failed(Role::Submission).is_some() {
            return Ok(Err(Cancelled::ReferenceTaken));
        }
        if failed(Role::Place).is_some() {
            return Ok(Err(Cancelled::Full));
        }
        if failed(Role::Ack).is_some() {
            return Ok(Err(Cancelled::AckLimit));
        }
        if reasons
            .iter()
            .any(|r| matches!(r.code(), Some("TransactionConflict" | "ThrottlingError")))
        {
            return Ok(Err(Cancelled::Retry));
        }
        let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).collect();
        Ok(Err(Cancelled::Other(codes.join(", "))))
    }

    /// The submission recorded under an idempotency key, as a duplicate's outcome (`asked`:
    /// whether this submission asks an acknowledgement).
    async fn duplicate(
        &self,
        idempotency_pk: &str,
        asked: bool,
    ) -> Result<SubmitOutcome, StoreError> {
        let item = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk, "IDEM")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk("reading an idempotency key", err))?
            .item
            .ok_or_else(|| {
                StoreError::Backend("an idempotency key vanished while being read".into())
            })?;
        // Keys recorded before the acknowledgement cap do not say: an acknowledgement was
        // queued then whenever one was asked.
        let acknowledged = match item.get("acknowledged") {
            Some(AttributeValue::Bool(acknowledged)) => *acknowledged,
            _ => asked,
        };
        Ok(SubmitOutcome::Duplicate {
            reference: parse_reference(get_s(&item, "reference")?)?,
            status: parse_status(get_s(&item, "status")?)?,
            acknowledged,
        })
    }

    /// The places of `place`'s cohort that the counters of earlier versions hold, which no
    /// longer go up: `SESSION#<cohort>@<first start>` (renamed `COHORT#...` with the
    /// registration vocabulary), else the older per-cohort `SESSION#<cohort>` (from before
    /// places were counted per first start, from which that one started). The new counter
    /// starts from it, so a cohort open while the new version is deployed is not offered its
    /// places a second time (the old counters expire with their last registration).
    async fn places_counted_before(&self, place: &PlaceRequest) -> Result<u32, StoreError> {
        let sks = earlier_counter_sks(place);
        // One query for both (their keys share the prefix `SESSION#<cohort>`), read
        // consistently: a submit makes as many requests as it did before, with the rights the
        // stack grants (Query).
        let items = self
            .client()
            .await
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(offering_pk(&place.offering)))
            .expression_attribute_values(":prefix", s(&sks[1]))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk("reading the earlier place counters", err))?
            .items
            .unwrap_or_default();
        let now = self.now_seconds();
        for sk in &sks {
            let found = items
                .iter()
                .find(|item| matches!(item.get(SK), Some(AttributeValue::S(k)) if k == sk));
            if let Some(item) = found
                && !expired(item, now)
            {
                return Ok(u32::try_from(get_n(item, "registered")?).unwrap_or(u32::MAX));
            }
        }
        Ok(0)
    }

    async fn submit_now(&self, new: NewSubmission) -> Result<SubmitOutcome, StoreError> {
        let mut status = match &new.place {
            Some(place) if place.group_size > 0 => Status::Registered,
            Some(place) if place.waiting_list => Status::Waitlisted,
            Some(_) => return self.full_unless_duplicate(&new).await,
            None => new.status,
        };
        let mut acknowledge = new.asks_acknowledgement();
        let seed = match &new.place {
            Some(place) => self.places_counted_before(place).await?,
            None => 0,
        };
        let mut conflicts = 0u32;
        loop {
            let attempt = Attempt {
                status,
                take_place: status == Status::Registered && new.place.is_some(),
                acknowledge,
                seed,
            };
            match self.try_submit(&new, attempt).await? {
                Ok(()) => {
                    return Ok(SubmitOutcome::Stored {
                        reference: new.reference,
                        status,
                        acknowledged: acknowledge,
                    });
                }
                // The address has had its share today: store without the acknowledgement.
                Err(Cancelled::AckLimit) => acknowledge = false,
                Err(Cancelled::Duplicate(pk)) => {
                    return self.duplicate(&pk, new.asks_acknowledgement()).await;
                }
                Err(Cancelled::ReferenceTaken) => return Err(StoreError::ReferenceTaken),
                Err(Cancelled::Full) => match &new.place {
                    Some(place) if place.waiting_list => status = Status::Waitlisted,
                    _ => return Ok(SubmitOutcome::Full),
                },
                Err(Cancelled::Retry) if conflicts < 20 => {
                    // Others are writing the same counter: wait a little, at random, and retry.
                    conflicts += 1;
                    let jitter = rand::random::<u64>() % (10 * u64::from(conflicts.min(10)) + 10);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                Err(Cancelled::Retry) => {
                    return Err(StoreError::Backend(
                        "DynamoDB, storing a submission: still conflicting after 20 attempts"
                            .into(),
                    ));
                }
                Err(Cancelled::Other(codes)) => {
                    return Err(StoreError::Backend(format!(
                        "DynamoDB, storing a submission: cancelled ({codes})"
                    )));
                }
            }
        }
    }

    /// A cohort of group size 0 with no waiting list asked: full, unless it is a resubmission.
    async fn full_unless_duplicate(
        &self,
        new: &NewSubmission,
    ) -> Result<SubmitOutcome, StoreError> {
        for k in &new.idempotency_keys {
            let pk = idempotency_pk(k);
            let found = self
                .client()
                .await
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key(&pk, "IDEM")))
                .consistent_read(true)
                .send()
                .await
                .map_err(|err| sdk("reading an idempotency key", err))?
                .item;
            if found.is_some_and(|item| !expired(&item, self.now_seconds())) {
                return self.duplicate(&pk, new.asks_acknowledgement()).await;
            }
        }
        Ok(SubmitOutcome::Full)
    }

    /// Every item of an index query, page by page.
    async fn query_index(
        &self,
        partition: &str,
        below: Option<String>,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let client = self.client().await;
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .expression_attribute_names("#pk", GSI1PK)
                .expression_attribute_values(":pk", s(partition))
                .set_exclusive_start_key(start.take());
            query = match &below {
                Some(upper) => query
                    .key_condition_expression("#pk = :pk AND #sk < :upper")
                    .expression_attribute_names("#sk", GSI1SK)
                    .expression_attribute_values(":upper", s(upper)),
                None => query.key_condition_expression("#pk = :pk"),
            };
            if let Some(limit) = limit {
                query = query.limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX));
            }
            let page = query
                .send()
                .await
                .map_err(|err| sdk("querying the index", err))?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if limit.is_none_or(|l| items.len() < l) => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    async fn claim_item(
        &self,
        key: Item,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<PendingNotification>, StoreError> {
        let until = (now + lease).as_millisecond();
        let _write = WRITES.lock().await;
        let id_sort = {
            let pk = match key.get(PK) {
                Some(AttributeValue::S(pk)) => pk.trim_start_matches("SUB#").to_string(),
                _ => String::new(),
            };
            let index = match key.get(SK) {
                Some(AttributeValue::S(sk)) => sk.trim_start_matches("NOTE#").to_string(),
                _ => String::new(),
            };
            format!("{}#{pk}-{index}", time_key(until))
        };
        let result = self
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("SET #due = :until, #gsk = :gsk")
            .condition_expression("#gpk = :pending AND #due <= :now")
            .expression_attribute_names("#due", "due_at")
            .expression_attribute_names("#gsk", GSI1SK)
            .expression_attribute_names("#gpk", GSI1PK)
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":gsk", s(id_sort))
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":now", n(now.as_millisecond()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes.as_ref().map(to_pending).transpose(),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(sdk("claiming a notification", err)),
        }
    }
}

impl Store for DynamoStore {
    fn submit(&self, new: NewSubmission) -> BoxFuture<'_, Result<SubmitOutcome, StoreError>> {
        Box::pin(self.submit_now(new))
    }

    fn get<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<StoredSubmission>, StoreError>> {
        Box::pin(async move {
            match self.live_submission(reference).await? {
                Some(item) => to_submission(&item).map(Some),
                None => Ok(None),
            }
        })
    }

    fn list<'a>(
        &'a self,
        form: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredSubmission>, StoreError>> {
        Box::pin(async move {
            let now = self.now_seconds();
            self.query_index(&form_pk(form), None, None)
                .await?
                .iter()
                .filter(|item| !expired(item, now))
                .map(to_submission)
                .collect()
        })
    }

    fn claim_due(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<PendingNotification>, StoreError>> {
        Box::pin(async move {
            // The oldest due at `now`: index sort keys below "<now + 1 ms>". (A notification
            // whose submission expired is claimed too: the notifier finds nothing to send and
            // abandons it, which takes it out of the index.)
            let upper = time_key(now.as_millisecond() + 1);
            let due = self.query_index(PENDING, Some(upper), Some(limit)).await?;
            let mut claimed = Vec::new();
            for item in due {
                if claimed.len() >= limit {
                    break;
                }
                let (Some(pk), Some(sk)) = (item.get(PK), item.get(SK)) else {
                    continue;
                };
                let key =
                    HashMap::from([(PK.to_string(), pk.clone()), (SK.to_string(), sk.clone())]);
                // Another notifier may have claimed it since the (eventually consistent) index
                // was read: the conditional update decides, and only one wins.
                if let Some(notification) = self.claim_item(key, now, lease).await? {
                    claimed.push(notification);
                }
            }
            Ok(claimed)
        })
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> BoxFuture<'a, Result<Option<PendingNotification>, StoreError>> {
        Box::pin(async move { self.claim_item(note_key(id)?, now, lease).await })
    }

    fn mark_sent<'a>(
        &'a self,
        id: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = note_key(id)?;
            let _write = WRITES.lock().await;
            let result = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression("SET #sent = :at REMOVE #gpk, #gsk, #due, #err")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#sent", "sent_at")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_names("#due", "due_at")
                .expression_attribute_names("#err", "last_error")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":at", n(at.as_millisecond()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(()),
                // Deleted meanwhile (retention): nothing left to mark.
                Err(err) if condition_failed(&err) => Ok(()),
                Err(err) => Err(sdk("marking a notification sent", err)),
            }
        })
    }

    fn mark_failed<'a>(
        &'a self,
        id: &'a str,
        retry_at: Option<Timestamp>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut update = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(note_key(id)?))
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#att", "attempts")
                .expression_attribute_names("#err", "last_error")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_names("#due", "due_at")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":reason", s(reason));
            update = match retry_at {
                Some(at) => update
                    .update_expression(
                        "SET #att = #att + :one, #err = :reason, #due = :due, #gpk = :pending, #gsk = :gsk",
                    )
                    .expression_attribute_values(":due", n(at.as_millisecond()))
                    .expression_attribute_values(":pending", s(PENDING))
                    .expression_attribute_values(
                        ":gsk",
                        s(format!("{}#{id}", time_key(at.as_millisecond()))),
                    ),
                None => update
                    .update_expression("SET #att = #att + :one, #err = :reason REMOVE #gpk, #gsk, #due"),
            };
            let _write = WRITES.lock().await;
            match update.send().await {
                Ok(_) => Ok(()),
                Err(err) if condition_failed(&err) => Ok(()),
                Err(err) => Err(sdk("marking a notification failed", err)),
            }
        })
    }

    fn oldest_waiting(
        &self,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<Option<Timestamp>, StoreError>> {
        Box::pin(async move {
            // The whole PENDING partition (what is waiting, normally a handful of items),
            // sorted by `due_at`, which retries move: so the minimum is taken over all of it.
            let now_ms = now.as_millisecond();
            let mut oldest: Option<i64> = None;
            for item in self.query_index(PENDING, None, None).await? {
                // Items stored before `queued_at` existed: their submission's time.
                let queued = get_n(&item, "queued_at").or_else(|_| get_n(&item, "received_at"))?;
                if queued <= now_ms {
                    oldest = Some(oldest.map_or(queued, |o| o.min(queued)));
                }
            }
            oldest
                .map(|ms| {
                    Timestamp::from_millisecond(ms)
                        .map_err(|err| StoreError::Backend(err.to_string()))
                })
                .transpose()
        })
    }

    fn failed_notifications(&self) -> BoxFuture<'_, Result<Vec<FailedNotification>, StoreError>> {
        // A scan (an operator's command, not a request's path): notification items out of the
        // index (given up on, or sent) and not sent.
        Box::pin(async move {
            let client = self.client().await;
            let now = self.now_seconds();
            let mut failed = Vec::new();
            let mut start: Option<Item> = None;
            loop {
                let page = client
                    .scan()
                    .table_name(&self.table)
                    .filter_expression(
                        "begins_with(#sk, :note) AND attribute_not_exists(#gpk) \
                         AND attribute_not_exists(#sent)",
                    )
                    .expression_attribute_names("#sk", SK)
                    .expression_attribute_names("#gpk", GSI1PK)
                    .expression_attribute_names("#sent", "sent_at")
                    .expression_attribute_values(":note", s("NOTE#"))
                    .consistent_read(true)
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .map_err(|err| sdk("scanning for failed notifications", err))?;
                for item in page.items.unwrap_or_default() {
                    if !expired(&item, now) {
                        failed.push(to_failed(&item)?);
                    }
                }
                match page.last_evaluated_key {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
            failed.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(failed)
        })
    }

    fn requeue<'a>(
        &'a self,
        id: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let key = note_key(id)?;
            let _write = WRITES.lock().await;
            let result = self
                .client()
                .await
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression("SET #gpk = :pending, #gsk = :gsk, #due = :due, #att = :zero")
                .condition_expression(
                    "attribute_exists(#pk) AND attribute_not_exists(#gpk) \
                     AND attribute_not_exists(#sent)",
                )
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_names("#due", "due_at")
                .expression_attribute_names("#att", "attempts")
                .expression_attribute_names("#sent", "sent_at")
                .expression_attribute_values(":pending", s(PENDING))
                .expression_attribute_values(
                    ":gsk",
                    s(format!("{}#{id}", time_key(at.as_millisecond()))),
                )
                .expression_attribute_values(":due", n(at.as_millisecond()))
                .expression_attribute_values(":zero", n(0))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(err) if condition_failed(&err) => Ok(false),
                Err(err) => Err(sdk("requeueing a notification", err)),
            }
        })
    }

    fn purge(&self, before: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>> {
        // DynamoDB's TTL deletes expired items on its own; this is for `handler purge` and the
        // local server's hourly pass: a scan of the items received before the cut-off (every
        // item of a submission carries `received_at`; place counters do not and stay).
        Box::pin(self.delete_scanned(
            "#at < :before",
            &[("#at", "received_at")],
            (":before", n(before.as_millisecond())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_time_and_name_their_item() {
        assert!(time_key(999) < time_key(1_000));
        assert_eq!(time_key(1_748_793_600_000), "001748793600000");
        assert_eq!(notification_id("K7MW4XTA", 1), "K7MW4XTA-001");
        assert_eq!(
            note_key("K7MW4XTA-001").unwrap(),
            key("SUB#K7MW4XTA", "NOTE#001")
        );
        assert!(note_key("K7MW4XTA").is_err());
        assert!(note_key("not a ref-1").is_err());
    }
}
