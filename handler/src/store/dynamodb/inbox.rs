//! The workspace's operations on the DynamoDB table ([`InboxStore`]).
//!
//! A coordinator's progress is kept on the submission's item (`progress`, `done_on`,
//! `delete_at`; none: new). Marking a submission done moves the TTL (`expires_at`) of each of
//! its items, and of its idempotency records, to the start of its deletion day (never later
//! than its retention); marking it back moves them back to its retention from arrival.
//! Deleting a submission now is one `TransactWriteItems` (the submission, its notifications,
//! its idempotency records, its withdrawal links, its place in the counter), read and tried
//! again if the submission changed meanwhile.
//! The inbox and rosters read the form's partition of `gsi1` (`FORM#<form>`), without the
//! answers (a projection).

use super::{
    DynamoStore, EXPIRES_AT, GSI1, GSI1PK, Item, PK, SK, SUBMISSION_SK, WRITES, build_error,
    cohort_sk, condition_failed, expired, form_pk, get_n, get_s, key, n, offering_pk,
    parse_reference, parse_status, s, sdk, submission_pk, to_submission,
};
use crate::reference::Reference;
use crate::store::inbox::{
    ActivityPage, CohortId, DoneMark, FormInbox, HandledSubmission, Handling, InboxStore, Progress,
    Roster, SubmissionSummary,
};
use crate::store::{BoxFuture, Status, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use jiff::Timestamp;

/// The attributes a summary is read from (never `submission`, the answers).
const SUMMARY_ATTRIBUTES: &str =
    "#ref, #form, #status, #received, #offering, #cohort, #progress, #done_on, #delete_at, #exp";

/// The names behind [`SUMMARY_ATTRIBUTES`].
const SUMMARY_NAMES: [(&str, &str); 10] = [
    ("#ref", "reference"),
    ("#form", "form"),
    ("#status", "status"),
    ("#received", "received_at"),
    ("#offering", "offering"),
    ("#cohort", "cohort"),
    ("#progress", "progress"),
    ("#done_on", "done_on"),
    ("#delete_at", "delete_at"),
    ("#exp", EXPIRES_AT),
];

/// The idempotency records of a submission, listed on its item (`idempotency`; items stored
/// before it was recorded list none, and their records expire with their retention).
pub(super) const IDEMPOTENCY: &str = "idempotency";
/// The cohort a registration took its place in ([`CohortId::key`]), on its item.
pub(super) const COHORT_KEY: &str = "cohort_key";

fn optional_s(item: &Item, name: &str) -> Option<String> {
    get_s(item, name).ok().map(str::to_string)
}

fn handling(item: &Item) -> Result<Handling, StoreError> {
    let unreadable = || StoreError::Backend("a stored handling is unreadable".into());
    match get_s(item, "progress").ok().map(Progress::parse) {
        None | Some(Some(Progress::New)) => Ok(Handling::New),
        Some(Some(Progress::InProgress)) => Ok(Handling::InProgress),
        Some(Some(Progress::Done)) => Ok(Handling::Done(DoneMark {
            on: get_s(item, "done_on")?.parse().map_err(|_| unreadable())?,
            delete_at: Timestamp::from_millisecond(get_n(item, "delete_at")?)
                .map_err(|_| unreadable())?,
        })),
        Some(None) => Err(unreadable()),
    }
}

fn to_summary(item: &Item) -> Result<SubmissionSummary, StoreError> {
    Ok(SubmissionSummary {
        reference: parse_reference(get_s(item, "reference")?)?,
        form: get_s(item, "form")?.to_string(),
        status: parse_status(get_s(item, "status")?)?,
        received_at: Timestamp::from_millisecond(get_n(item, "received_at")?)
            .map_err(|err| StoreError::Backend(err.to_string()))?,
        offering: optional_s(item, "offering"),
        cohort: optional_s(item, "cohort"),
        handling: handling(item)?,
    })
}

/// The idempotency records' partition keys listed on a submission's item.
fn idempotency_pks(item: &Item) -> Vec<String> {
    match item.get(IDEMPOTENCY) {
        Some(AttributeValue::L(list)) => {
            list.iter().filter_map(|v| v.as_s().ok().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

/// A filter expression on a query, with the names and values it uses besides the summary's.
struct Filter<'a> {
    expression: &'a str,
    names: Vec<(&'a str, &'a str)>,
    values: Vec<(&'a str, AttributeValue)>,
}

impl DynamoStore {
    /// The summaries of `form`'s submissions that `filter` keeps (a filter expression on the
    /// names and values given), unexpired.
    async fn form_summaries(
        &self,
        form: &str,
        filter: Option<Filter<'_>>,
    ) -> Result<Vec<SubmissionSummary>, StoreError> {
        let client = self.client().await;
        let now = self.now_seconds();
        let mut summaries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("#gpk = :gpk")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_values(":gpk", s(form_pk(form)))
                .projection_expression(SUMMARY_ATTRIBUTES)
                .set_exclusive_start_key(start.take());
            for (name, attribute) in SUMMARY_NAMES {
                query = query.expression_attribute_names(name, attribute);
            }
            if let Some(filter) = &filter {
                query = query.filter_expression(filter.expression);
                for (name, attribute) in &filter.names {
                    query = query.expression_attribute_names(*name, *attribute);
                }
                for (name, value) in &filter.values {
                    query = query.expression_attribute_values(*name, value.clone());
                }
            }
            let page = query
                .send()
                .await
                .map_err(|err| sdk("reading a form's submissions", err))?;
            for item in page.items.unwrap_or_default() {
                if !expired(&item, now) {
                    summaries.push(to_summary(&item)?);
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(summaries),
            }
        }
    }

    /// Every item of a submission's partition (the submission and its notifications).
    async fn partition(&self, reference: &Reference) -> Result<Vec<Item>, StoreError> {
        let client = self.client().await;
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(submission_pk(reference.as_str())))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk("reading a submission's items", err))?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(items),
            }
        }
    }

    /// The submission's own item among its partition's, if unexpired.
    fn submission_of<'i>(&self, items: &'i [Item]) -> Option<&'i Item> {
        items
            .iter()
            .find(|i| matches!(i.get(SK), Some(AttributeValue::S(sk)) if sk == SUBMISSION_SK))
            .filter(|i| !expired(i, self.now_seconds()))
    }

    /// Sets `expires_at` on the idempotency record `pk` if it still names `reference`.
    async fn move_idempotency_ttl(
        &self,
        pk: &str,
        reference: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, "IDEM")))
            .update_expression("SET #exp = :exp")
            .condition_expression("#ref = :ref")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#ref", "reference")
            .expression_attribute_values(":exp", n(expires_at))
            .expression_attribute_values(":ref", s(reference))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(sdk("moving an idempotency record's expiry", err)),
        }
    }

    /// Writes `handling` on the submission and its items' new expiry, in one transaction.
    async fn write_handling(
        &self,
        items: &[Item],
        handling: Handling,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let mut writes = Vec::new();
        for item in items {
            let (Some(pk), Some(sk)) = (item.get(PK), item.get(SK)) else {
                continue;
            };
            let is_submission = matches!(sk, AttributeValue::S(sk) if sk == SUBMISSION_SK);
            let mut update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .key(PK, pk.clone())
                .key(SK, sk.clone())
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#exp", EXPIRES_AT)
                .expression_attribute_values(":exp", n(expires_at));
            update = if !is_submission {
                update.update_expression("SET #exp = :exp")
            } else {
                let update = update
                    .expression_attribute_names("#progress", "progress")
                    .expression_attribute_names("#done_on", "done_on")
                    .expression_attribute_names("#delete_at", "delete_at");
                match handling {
                    Handling::New => update.update_expression(
                        "SET #exp = :exp REMOVE #progress, #done_on, #delete_at",
                    ),
                    Handling::InProgress => update
                        .update_expression(
                            "SET #exp = :exp, #progress = :progress REMOVE #done_on, #delete_at",
                        )
                        .expression_attribute_values(":progress", s(Progress::InProgress.as_str())),
                    Handling::Done(mark) => update
                        .update_expression(
                            "SET #exp = :exp, #progress = :progress, #done_on = :on, \
                             #delete_at = :delete_at",
                        )
                        .expression_attribute_values(":progress", s(Progress::Done.as_str()))
                        .expression_attribute_values(":on", s(mark.on.to_string()))
                        .expression_attribute_values(
                            ":delete_at",
                            n(mark.delete_at.as_millisecond()),
                        ),
                }
            };
            writes.push(
                TransactWriteItem::builder()
                    .update(update.build().map_err(build_error)?)
                    .build(),
            );
        }
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            // Deleted meanwhile.
            Err(err) if err.code() == Some("TransactionCanceledException") => Ok(false),
            Err(err) => Err(sdk("setting a submission's progress", err)),
        }
    }
}

/// The most items DynamoDB takes in one `TransactWriteItems`.
const TRANSACTION_ITEMS: usize = 100;
/// How many times a deletion is read and tried again when the submission changed meanwhile.
const DELETE_ATTEMPTS: u32 = 10;

/// The withdrawal links issued for a submission (their `WITHDRAW#<hash>` keys), listed on its
/// item as each is added ([`DynamoStore::list_link`]), so that deleting it now deletes them
/// in the same transaction. Links added before the list was kept expire with their
/// registration (TTL).
pub(super) const WITHDRAW_LINKS: &str = "withdraw_links";

/// A string set's members (an absent attribute: none).
fn string_set(item: &Item, name: &str) -> Vec<String> {
    match item.get(name) {
        Some(AttributeValue::Ss(set)) => set.clone(),
        _ => Vec::new(),
    }
}

/// A delete of `pk`/`sk`, as one item of a transaction; `guard` (a condition on `#pk`,
/// `#ref`, `#status` and the values given) when what was read must still hold.
fn delete_item(
    table: &str,
    pk: AttributeValue,
    sk: AttributeValue,
    guard: Option<(&str, Vec<(&str, AttributeValue)>)>,
) -> Result<TransactWriteItem, StoreError> {
    let mut delete = Delete::builder().table_name(table).key(PK, pk).key(SK, sk);
    if let Some((condition, values)) = guard {
        delete = delete.condition_expression(condition);
        for (name, attribute) in [("#pk", PK), ("#ref", "reference"), ("#status", "status")] {
            if condition.contains(name) {
                delete = delete.expression_attribute_names(name, attribute);
            }
        }
        for (name, value) in values {
            delete = delete.expression_attribute_values(name, value);
        }
    }
    Ok(TransactWriteItem::builder()
        .delete(delete.build().map_err(build_error)?)
        .build())
}

impl DynamoStore {
    /// The update, for the transaction that adds a withdrawal link, that lists the link's key
    /// on its registration's item ([`WITHDRAW_LINKS`]), if that item is still there.
    pub(super) fn list_link(
        &self,
        reference: &Reference,
        link_pk: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(&submission_pk(reference.as_str()), SUBMISSION_SK)))
            .update_expression("ADD #links :link")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#links", WITHDRAW_LINKS)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":link", AttributeValue::Ss(vec![link_pk.to_string()]))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// An item read consistently, expired or not.
    async fn read_item(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.client()
            .await
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|err| sdk("reading an item", err))
    }

    /// The deletes of the submission's idempotency records that still name it (a record may
    /// have expired and been taken by another submission since).
    async fn idempotency_deletes(
        &self,
        submission: &Item,
        reference: &str,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut deletes = Vec::new();
        for pk in idempotency_pks(submission) {
            let Some(record) = self.read_item(&pk, "IDEM").await? else {
                continue;
            };
            if get_s(&record, "reference").ok() == Some(reference) {
                let guard = ("#ref = :ref", vec![(":ref", s(reference))]);
                deletes.push(delete_item(&self.table, s(pk), s("IDEM"), Some(guard))?);
            }
        }
        Ok(deletes)
    }

    /// The update that frees the place a registered submission holds in its cohort's counter,
    /// if it holds one and the counter counts it.
    async fn place_freed(
        &self,
        submission: &Item,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let (Ok(offering), Ok(cohort_key)) =
            (get_s(submission, "offering"), get_s(submission, COHORT_KEY))
        else {
            return Ok(None);
        };
        if get_s(submission, "status")? != Status::Registered.as_str() {
            return Ok(None);
        }
        let (pk, sk) = (offering_pk(offering), cohort_sk(cohort_key));
        let counted = match self.read_item(&pk, &sk).await? {
            Some(counter) => get_n(&counter, "registered").unwrap_or(0),
            None => 0,
        };
        if counted <= 0 {
            return Ok(None);
        }
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(&pk, &sk)))
            .update_expression("SET #reg = #reg - :one")
            .condition_expression("#reg > :zero")
            .expression_attribute_names("#reg", "registered")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(build_error)?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }

    /// Every write that deletes the submission now, as read in `items` (its partition): first
    /// what must go together (the submission, only while its status is the one read, which
    /// decides its place; its place freed; its idempotency records; its withdrawal links),
    /// then its other items (notifications).
    async fn deletion(
        &self,
        reference: &str,
        items: &[Item],
        submission: Option<&Item>,
    ) -> Result<(Vec<TransactWriteItem>, Vec<TransactWriteItem>), StoreError> {
        let mut together = Vec::new();
        if let Some(submission) = submission {
            let status = s(get_s(submission, "status")?);
            let guard = ("#status = :status", vec![(":status", status)]);
            together.push(delete_item(
                &self.table,
                s(submission_pk(reference)),
                s(SUBMISSION_SK),
                Some(guard),
            )?);
            together.extend(self.place_freed(submission).await?);
            together.extend(self.idempotency_deletes(submission, reference).await?);
            for link in string_set(submission, WITHDRAW_LINKS) {
                let guard = (
                    "attribute_not_exists(#pk) OR #ref = :ref",
                    vec![(":ref", s(reference))],
                );
                together.push(delete_item(
                    &self.table,
                    s(link),
                    s("WITHDRAW"),
                    Some(guard),
                )?);
            }
        }
        let mut rest = Vec::new();
        for item in items {
            let (Some(pk), Some(sk)) = (item.get(PK), item.get(SK)) else {
                continue;
            };
            let is_submission = matches!(sk, AttributeValue::S(sk) if sk == SUBMISSION_SK);
            if !(is_submission && submission.is_some()) {
                rest.push(delete_item(&self.table, pk.clone(), sk.clone(), None)?);
            }
        }
        Ok((together, rest))
    }

    /// Applies a deletion's writes: in one transaction when they fit (always, but for a
    /// submission with some hundred notifications); otherwise notifications first, in
    /// transactions of their own, and the rest with the submission last, so that a failure
    /// leaves it there to delete again. `false` when a condition failed (the submission
    /// changed meanwhile: read again).
    async fn apply_deletion(
        &self,
        mut together: Vec<TransactWriteItem>,
        mut rest: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        while together.len() + rest.len() > TRANSACTION_ITEMS && !rest.is_empty() {
            let chunk = rest.split_off(rest.len().saturating_sub(TRANSACTION_ITEMS));
            if !self.transact(chunk).await? {
                return Ok(false);
            }
        }
        together.append(&mut rest);
        if together.is_empty() {
            return Ok(true);
        }
        self.transact(together).await
    }

    /// One `TransactWriteItems`; `false` when DynamoDB cancelled it.
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<bool, StoreError> {
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("TransactionCanceledException") => Ok(false),
            Err(err) => Err(sdk("deleting a submission", err)),
        }
    }

    /// Deletes the submission now ([`InboxStore::delete_now`]): read its partition, then
    /// write the whole deletion at once, again from the start if it changed meanwhile.
    async fn delete_submission_now(&self, reference: &Reference) -> Result<bool, StoreError> {
        for _ in 0..DELETE_ATTEMPTS {
            let items = self.partition(reference).await?;
            let submission = self.submission_of(&items);
            let (together, rest) = self
                .deletion(reference.as_str(), &items, submission)
                .await?;
            if self.apply_deletion(together, rest).await? {
                return Ok(submission.is_some());
            }
        }
        Err(StoreError::Backend(format!(
            "DynamoDB, deleting a submission: still changing after {DELETE_ATTEMPTS} attempts"
        )))
    }
}

impl DynamoStore {
    /// [`InboxStore::activity_page`]: the `ACTIVITY` partition newest first, from after the
    /// key given, leaving out expired entries (TTL deletes them within a day or two), with
    /// one entry more than the page to know whether there are older ones.
    async fn read_activity_page(
        &self,
        older_than: Option<&str>,
        limit: usize,
    ) -> Result<ActivityPage, StoreError> {
        let client = self.client().await;
        let now = self.now_seconds();
        let mut items: Vec<Item> = Vec::new();
        let mut start = older_than.map(|sk| key(super::auth::ACTIVITY_PK, sk));
        loop {
            let page = client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .scan_index_forward(false)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(super::auth::ACTIVITY_PK))
                .limit(i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk("reading the activity log", err))?;
            items.extend(
                page.items
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|item| !expired(item, now)),
            );
            match page.last_evaluated_key {
                Some(key) if items.len() <= limit => start = Some(key),
                _ => break,
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let older = items
            .last()
            .filter(|_| more)
            .and_then(|item| get_s(item, SK).ok().map(str::to_string));
        let entries = items
            .iter()
            .map(super::auth::to_entry)
            .collect::<Result<_, _>>()?;
        Ok(ActivityPage { entries, older })
    }
}

use aws_sdk_dynamodb::error::ProvideErrorMetadata as _;

impl InboxStore for DynamoStore {
    fn inbox<'a>(
        &'a self,
        form: &'a str,
        progress: Option<Progress>,
    ) -> BoxFuture<'a, Result<FormInbox, StoreError>> {
        Box::pin(async move {
            let all = self.form_summaries(form, None).await?;
            Ok(FormInbox::from_summaries(all, progress))
        })
    }

    fn handled<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<HandledSubmission>, StoreError>> {
        Box::pin(async move {
            match self.live_submission(reference).await? {
                Some(item) => Ok(Some(HandledSubmission {
                    stored: to_submission(&item)?,
                    offering: optional_s(&item, "offering"),
                    cohort: optional_s(&item, "cohort"),
                    handling: handling(&item)?,
                })),
                None => Ok(None),
            }
        })
    }

    fn set_handling<'a>(
        &'a self,
        reference: &'a Reference,
        handling: Handling,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let items = self.partition(reference).await?;
            let Some(submission) = self.submission_of(&items) else {
                return Ok(false);
            };
            let received = Timestamp::from_millisecond(get_n(submission, "received_at")?)
                .map_err(|err| StoreError::Backend(err.to_string()))?;
            let retention_ends = self.expires_at(received);
            let expires_at = match handling {
                Handling::Done(mark) => retention_ends.min(mark.delete_at.as_second()),
                _ => retention_ends,
            };
            let idempotency = idempotency_pks(submission);
            if !self.write_handling(&items, handling, expires_at).await? {
                return Ok(false);
            }
            for pk in idempotency {
                self.move_idempotency_ttl(&pk, reference.as_str(), expires_at)
                    .await?;
            }
            Ok(true)
        })
    }

    fn delete_now<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.delete_submission_now(reference))
    }

    fn roster<'a>(
        &'a self,
        form: &'a str,
        cohort: &'a CohortId,
    ) -> BoxFuture<'a, Result<Roster, StoreError>> {
        Box::pin(async move {
            // Items stored before cohort keys were recorded have none: they count towards every
            // run of their cohort, as their places do.
            let filter = Filter {
                expression: "#offering = :offering AND #cohort = :cohort \
                 AND (#ckey = :ckey OR attribute_not_exists(#ckey)) \
                 AND #status IN (:reg, :wait, :gone, :absent)",
                names: vec![("#ckey", COHORT_KEY)],
                values: vec![
                    (":offering", s(&cohort.offering)),
                    (":cohort", s(&cohort.cohort)),
                    (":ckey", s(cohort.key())),
                    (":reg", s(Status::Registered.as_str())),
                    (":wait", s(Status::Waitlisted.as_str())),
                    (":gone", s(Status::Withdrawn.as_str())),
                    (":absent", s(Status::NotAttending.as_str())),
                ],
            };
            let people = self.form_summaries(form, Some(filter)).await?;
            Ok(Roster::from_summaries(people))
        })
    }

    fn activity_page<'a>(
        &'a self,
        older_than: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<ActivityPage, StoreError>> {
        Box::pin(self.read_activity_page(older_than, limit))
    }

    fn purge_done(&self, now: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>> {
        // TTL deletes these on its own within a day or two (reads skip them meanwhile); this
        // is for the local server's hourly pass and `handler purge`: every item of a
        // submission (they carry `received_at`) whose expiry has come, which includes those
        // marked done whose deletion day has come.
        Box::pin(self.delete_scanned(
            "attribute_exists(#at) AND #exp <= :now",
            &[("#at", "received_at"), ("#exp", EXPIRES_AT)],
            (":now", n(now.as_second())),
        ))
    }
}
