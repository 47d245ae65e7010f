//! [`PlaceStore`] on DynamoDB. A change is one `TransactWriteItems` whose conditions are what
//! was read before it: the link unused and valid, the person's status as read, the promoted
//! person still waiting, the cohort's counter still counting a place to free. If anyone changed
//! one of them meanwhile, DynamoDB applies nothing and the change is read and tried again: two
//! withdrawals can never promote the same person, and the first person waiting is always the
//! one promoted (a candidate found promoted already is passed over for the next).
//!
//! Keys (ARCHITECTURE.md, "DynamoDB design"): a withdrawal link is `WITHDRAW#<token hash>` /
//! `WITHDRAW`, expiring with its registration; the waiting list is read from the form's
//! submissions (`gsi1`, `FORM#<form>`, in the order received), filtered to the cohort.

use super::{
    DynamoStore, EXPIRES_AT, GSI1, GSI1PK, GSI1SK, Item, PENDING, PK, SK, SUBMISSION_SK, WRITES,
    build_error, cohort_sk, expired, form_pk, get_n, get_s, key, n, note_sk, offering_pk, s, sdk,
    submission_pk, time_key, to_submission,
};
use crate::reference::Reference;
use crate::store::places::{
    CohortPlaces, PlaceAction, PlaceChange, PlaceOutcome, PlaceStore, PromotionNotices,
    WithdrawalLink,
};
use crate::store::{BoxFuture, Status, StoreError, notification_id};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use jiff::Timestamp;
use std::time::Duration;

/// How many times a change is read and tried again when others changed what it read.
const ATTEMPTS: u32 = 30;

fn link_pk(token_hash: &str) -> String {
    format!("WITHDRAW#{token_hash}")
}

const LINK_SK: &str = "WITHDRAW";

/// Why each item is in a change's transaction, to read its cancellation reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Link,
    Person,
    Candidate,
    Note,
    Counter,
}

/// A change's transaction being built: its items and each one's part.
#[derive(Default)]
struct Writes {
    items: Vec<TransactWriteItem>,
    parts: Vec<Part>,
}

impl Writes {
    fn update(&mut self, part: Part, update: Update) {
        self.items
            .push(TransactWriteItem::builder().update(update).build());
        self.parts.push(part);
    }
}

/// What a cancelled or refused transaction means for the change.
enum Failed {
    /// What the change read is out of date: read again.
    Again,
    /// The candidate is no longer waiting: read again, passing over them.
    Candidate,
}

/// A person waiting, as the waiting list gives them.
struct Candidate {
    reference: String,
    stored: crate::store::StoredSubmission,
    /// Its item's expiry, which its new notifications share.
    expires_at: i64,
    received_at: i64,
}

/// A registration as moved (its new status), with what its notifications share with it.
struct Moved<'a> {
    stored: &'a crate::store::StoredSubmission,
    received_at: i64,
    expires_at: i64,
}

/// A registration's item, as a change needs it.
struct Person {
    status: Status,
    form: String,
    cohort: Option<(String, String, String)>,
}

fn person(item: &Item) -> Result<Person, StoreError> {
    let status = Status::parse(get_s(item, "status")?)
        .ok_or_else(|| StoreError::Backend("a stored status is unknown".into()))?;
    let cohort = match (get_s(item, "offering"), get_s(item, "cohort")) {
        (Ok(offering), Ok(cohort)) => Some((
            offering.to_string(),
            cohort.to_string(),
            get_s(item, "cohort_key").unwrap_or_default().to_string(),
        )),
        _ => None,
    };
    Ok(Person {
        status,
        form: get_s(item, "form")?.to_string(),
        cohort,
    })
}

impl DynamoStore {
    async fn get_consistent(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let item = self
            .client()
            .await
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk("reading an item", err))?
            .item;
        Ok(item.filter(|item| !expired(item, self.now_seconds())))
    }

    /// The cohort's counter: the places it counts as taken, if it exists.
    async fn counted(&self, offering: &str, cohort_key: &str) -> Result<Option<i64>, StoreError> {
        let item = self
            .get_consistent(&offering_pk(offering), &cohort_sk(cohort_key))
            .await?;
        item.map(|item| get_n(&item, "registered")).transpose()
    }

    /// The first person waiting for the cohort, in the order received, but those in `passed`.
    async fn first_waiting(
        &self,
        cohort: &CohortPlaces,
        passed: &[String],
    ) -> Result<Option<Candidate>, StoreError> {
        let client = self.client().await;
        let mut start: Option<Item> = None;
        loop {
            let page = client
                .query()
                .table_name(self.table())
                .index_name(GSI1)
                .key_condition_expression("#gpk = :form")
                .filter_expression(
                    "#off = :off AND #coh = :coh AND #st = :waiting \
                     AND (#ck = :ck OR attribute_not_exists(#ck)) AND #exp > :now",
                )
                .projection_expression("#ref")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#off", "offering")
                .expression_attribute_names("#coh", "cohort")
                .expression_attribute_names("#st", "status")
                .expression_attribute_names("#ck", "cohort_key")
                .expression_attribute_names("#exp", EXPIRES_AT)
                .expression_attribute_names("#ref", "reference")
                .expression_attribute_values(":form", s(form_pk(&cohort.form)))
                .expression_attribute_values(":off", s(&cohort.offering))
                .expression_attribute_values(":coh", s(&cohort.cohort))
                .expression_attribute_values(":waiting", s(Status::Waitlisted.as_str()))
                .expression_attribute_values(":ck", s(&cohort.cohort_key))
                .expression_attribute_values(":now", n(self.now_seconds()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk("reading a waiting list", err))?;
            for item in page.items.unwrap_or_default() {
                let reference = get_s(&item, "reference")?;
                if passed.iter().any(|p| p == reference) {
                    continue;
                }
                // The index is read eventually: the item itself says whether they still wait.
                if let Some(candidate) = self.candidate(reference).await? {
                    return Ok(Some(candidate));
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(None),
            }
        }
    }

    async fn candidate(&self, reference: &str) -> Result<Option<Candidate>, StoreError> {
        let Some(item) = self
            .get_consistent(&submission_pk(reference), SUBMISSION_SK)
            .await?
        else {
            return Ok(None);
        };
        let stored = to_submission(&item)?;
        if stored.status != Status::Waitlisted {
            return Ok(None);
        }
        Ok(Some(Candidate {
            reference: reference.to_string(),
            stored,
            expires_at: get_n(&item, EXPIRES_AT)?,
            received_at: get_n(&item, "received_at")?,
        }))
    }

    /// The index the next notification of `reference` gets.
    async fn next_note(&self, reference: &str) -> Result<usize, StoreError> {
        let page = self
            .client()
            .await
            .query()
            .table_name(self.table())
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :note)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(submission_pk(reference)))
            .expression_attribute_values(":note", s("NOTE#"))
            .consistent_read(true)
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|err| sdk("reading a submission's notifications", err))?;
        let last = page.items.unwrap_or_default().into_iter().next();
        Ok(match last {
            Some(item) => {
                let sk = get_s(&item, SK)?;
                sk.trim_start_matches("NOTE#")
                    .parse::<usize>()
                    .map_or(0, |i| i + 1)
            }
            None => 0,
        })
    }

    /// The candidate's move to `registered` and their notifications, into `writes`.
    async fn promotion_writes(
        &self,
        candidate: &Candidate,
        at: Timestamp,
        notices: &PromotionNotices,
        writes: &mut Writes,
    ) -> Result<(), StoreError> {
        writes.update(
            Part::Candidate,
            Update::builder()
                .table_name(self.table())
                .set_key(Some(key(
                    &submission_pk(&candidate.reference),
                    SUBMISSION_SK,
                )))
                .update_expression("SET #st = :registered")
                .condition_expression("#st = :waiting")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":registered", s(Status::Registered.as_str()))
                .expression_attribute_values(":waiting", s(Status::Waitlisted.as_str()))
                .build()
                .map_err(build_error)?,
        );
        let mut stored = candidate.stored.clone();
        stored.status = Status::Registered;
        let moved = Moved {
            stored: &stored,
            received_at: candidate.received_at,
            expires_at: candidate.expires_at,
        };
        self.note_writes(&moved, at, notices, writes).await
    }

    /// The notifications `notices` decides for a moved registration, into `writes`.
    async fn note_writes(
        &self,
        moved: &Moved<'_>,
        at: Timestamp,
        notices: &PromotionNotices,
        writes: &mut Writes,
    ) -> Result<(), StoreError> {
        let reference = moved.stored.reference.as_str();
        let first = self.next_note(reference).await?;
        let due = at.as_millisecond();
        for (offset, notification) in notices(moved.stored).iter().enumerate() {
            let id = notification_id(reference, first + offset);
            let record = Item::from([
                (PK.to_string(), s(submission_pk(reference))),
                (SK.to_string(), s(note_sk(first + offset))),
                (GSI1PK.to_string(), s(PENDING)),
                (GSI1SK.to_string(), s(format!("{}#{id}", time_key(due)))),
                ("reference".to_string(), s(reference)),
                ("notification".to_string(), s(notification.kind.as_str())),
                ("recipient".to_string(), s(&notification.recipient)),
                ("attempts".to_string(), n(0)),
                ("due_at".to_string(), n(due)),
                ("queued_at".to_string(), n(due)),
                ("received_at".to_string(), n(moved.received_at)),
                (EXPIRES_AT.to_string(), n(moved.expires_at)),
            ]);
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(record))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(build_error)?;
            writes
                .items
                .push(TransactWriteItem::builder().put(put).build());
            writes.parts.push(Part::Note);
        }
        Ok(())
    }

    /// The cohort's counter moved by `by` (-1: a place freed; +1: a place given by hand or to
    /// fill the group), never below zero nor, going up to fill, above `limit`.
    fn counter_write(
        &self,
        offering: &str,
        cohort_key: &str,
        by: i64,
        limit: Option<u32>,
        writes: &mut Writes,
    ) -> Result<(), StoreError> {
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(&offering_pk(offering), &cohort_sk(cohort_key))))
            .update_expression("SET #reg = if_not_exists(#reg, :zero) + :by")
            .expression_attribute_names("#reg", "registered")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":by", n(by));
        update = match (by < 0, limit) {
            (true, _) => update.condition_expression("#reg > :zero"),
            (false, Some(limit)) => update
                .condition_expression("attribute_not_exists(#reg) OR #reg < :limit")
                .expression_attribute_values(":limit", n(limit)),
            (false, None) => update,
        };
        writes.update(Part::Counter, update.build().map_err(build_error)?);
        Ok(())
    }

    /// Runs `writes` as one transaction: `Ok(None)` when applied, else what to do.
    async fn apply(&self, writes: Writes) -> Result<Option<Failed>, StoreError> {
        let Writes { items, parts } = writes;
        let result = {
            let _write = WRITES.lock().await;
            self.client()
                .await
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
        };
        let err = match result {
            Ok(_) => return Ok(None),
            Err(err) => err,
        };
        if matches!(
            err.code(),
            Some(
                "TransactionConflict"
                    | "ThrottlingException"
                    | "ProvisionedThroughputExceededException"
            )
        ) {
            return Ok(Some(Failed::Again));
        }
        let service = match err {
            SdkError::ServiceError(service) => service.into_err(),
            other => return Err(sdk("changing a registration", other)),
        };
        let TransactWriteItemsError::TransactionCanceledException(cancelled) = service else {
            return Err(StoreError::Backend(format!(
                "DynamoDB, changing a registration: {}",
                DisplayErrorContext(&service)
            )));
        };
        let failed: Vec<Part> = cancelled
            .cancellation_reasons()
            .iter()
            .zip(&parts)
            .filter(|(reason, _)| {
                matches!(
                    reason.code(),
                    Some("ConditionalCheckFailed" | "TransactionConflict")
                )
            })
            .map(|(_, part)| *part)
            .collect();
        Ok(Some(if failed == [Part::Candidate] {
            Failed::Candidate
        } else {
            Failed::Again
        }))
    }

    /// Whether a link lets the change go on: `Some(outcome)` when it does not.
    async fn link_refusal(
        &self,
        token_hash: &str,
        reference: &Reference,
        at: Timestamp,
    ) -> Result<Option<PlaceOutcome>, StoreError> {
        let Some(link) = self.get_consistent(&link_pk(token_hash), LINK_SK).await? else {
            return Ok(Some(PlaceOutcome::NotFound));
        };
        if get_s(&link, "reference")? != reference.as_str() {
            return Ok(Some(PlaceOutcome::NotFound));
        }
        if link.contains_key("used_at") {
            let item = self
                .get_consistent(&submission_pk(reference.as_str()), SUBMISSION_SK)
                .await?;
            return Ok(Some(match item {
                Some(item) => PlaceOutcome::AlreadyDone {
                    status: person(&item)?.status,
                },
                None => PlaceOutcome::NotFound,
            }));
        }
        if get_n(&link, "valid_until")? <= at.as_millisecond() {
            return Ok(Some(PlaceOutcome::LinkExpired));
        }
        Ok(None)
    }

    fn link_write(
        &self,
        token_hash: &str,
        at: Timestamp,
        writes: &mut Writes,
    ) -> Result<(), StoreError> {
        writes.update(
            Part::Link,
            Update::builder()
                .table_name(self.table())
                .set_key(Some(key(&link_pk(token_hash), LINK_SK)))
                .update_expression("SET #used = :at")
                .condition_expression(
                    "attribute_exists(#pk) AND attribute_not_exists(#used) AND #until > :at",
                )
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#used", "used_at")
                .expression_attribute_names("#until", "valid_until")
                .expression_attribute_values(":at", n(at.as_millisecond()))
                .build()
                .map_err(build_error)?,
        );
        Ok(())
    }

    fn status_write(
        &self,
        reference: &Reference,
        from: Status,
        to: Status,
        writes: &mut Writes,
    ) -> Result<(), StoreError> {
        writes.update(
            Part::Person,
            Update::builder()
                .table_name(self.table())
                .set_key(Some(key(&submission_pk(reference.as_str()), SUBMISSION_SK)))
                .update_expression("SET #st = :to")
                .condition_expression("#st = :from")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":to", s(to.as_str()))
                .expression_attribute_values(":from", s(from.as_str()))
                .build()
                .map_err(build_error)?,
        );
        Ok(())
    }

    /// Who gets the place `person` frees, if anyone: the first waiting, unless the cohort
    /// counts as many registered as its size even without the freed place.
    async fn successor(
        &self,
        person: &Person,
        group_size: u32,
        passed: &[String],
    ) -> Result<Option<Candidate>, StoreError> {
        let Some((offering, cohort, cohort_key)) = &person.cohort else {
            return Ok(None);
        };
        let counted = self.counted(offering, cohort_key).await?;
        // Without the freed place, as many as the group size or more: nobody moves up.
        if counted.is_some_and(|taken| taken > i64::from(group_size)) {
            return Ok(None);
        }
        let places = CohortPlaces {
            form: person.form.clone(),
            offering: offering.clone(),
            cohort: cohort.clone(),
            cohort_key: cohort_key.clone(),
            group_size,
        };
        self.first_waiting(&places, passed).await
    }

    /// One attempt at a change: `Ok(Ok(outcome))` when done (or refused), `Ok(Err(failed))`
    /// when others changed what it read.
    async fn try_change(
        &self,
        change: &PlaceChange,
        passed: &[String],
    ) -> Result<Result<PlaceOutcome, (Failed, Option<String>)>, StoreError> {
        let mut writes = Writes::default();
        if let PlaceAction::WithdrawByLink { token_hash } = &change.action {
            if let Some(refusal) = self
                .link_refusal(token_hash, &change.reference, change.at)
                .await?
            {
                return Ok(Ok(refusal));
            }
            self.link_write(token_hash, change.at, &mut writes)?;
        }
        let item = self
            .get_consistent(&submission_pk(change.reference.as_str()), SUBMISSION_SK)
            .await?;
        let Some(item) = item else {
            return Ok(Ok(PlaceOutcome::NotFound));
        };
        let person = person(&item)?;
        let Some((status, frees)) = change.action.transition(person.status) else {
            return Ok(Ok(PlaceOutcome::AlreadyDone {
                status: person.status,
            }));
        };
        self.status_write(&change.reference, person.status, status, &mut writes)?;
        if status == Status::Withdrawn {
            let mut stored = to_submission(&item)?;
            stored.status = status;
            let moved = Moved {
                stored: &stored,
                received_at: get_n(&item, "received_at")?,
                expires_at: get_n(&item, EXPIRES_AT)?,
            };
            self.note_writes(&moved, change.notify_at, &change.notices, &mut writes)
                .await?;
        }
        let candidate = match frees && change.promote {
            true => self.successor(&person, change.group_size, passed).await?,
            false => None,
        };
        match (&candidate, &person.cohort) {
            (Some(candidate), _) => {
                self.promotion_writes(candidate, change.notify_at, &change.notices, &mut writes)
                    .await?;
            }
            (None, Some((offering, _, cohort_key))) if frees => {
                self.counter_write(offering, cohort_key, -1, None, &mut writes)?;
            }
            (None, Some((offering, _, cohort_key))) if change.action == PlaceAction::Promote => {
                self.counter_write(offering, cohort_key, 1, None, &mut writes)?;
            }
            _ => {}
        }
        let promoted = candidate.as_ref().map(|c| c.stored.reference.clone());
        Ok(match self.apply(writes).await? {
            None => Ok(PlaceOutcome::Changed { status, promoted }),
            Some(failed) => Err((failed, candidate.map(|c| c.reference))),
        })
    }

    async fn change_place_now(&self, change: PlaceChange) -> Result<PlaceOutcome, StoreError> {
        let mut passed: Vec<String> = Vec::new();
        for attempt in 0..ATTEMPTS {
            match self.try_change(&change, &passed).await? {
                Ok(outcome) => return Ok(outcome),
                Err((Failed::Candidate, Some(reference))) => passed.push(reference),
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Backend(format!(
            "DynamoDB, changing a registration: still conflicting after {ATTEMPTS} attempts"
        )))
    }

    /// One promotion to fill a free place: `Ok(Some(reference))` when done, `Ok(None)` when
    /// the cohort is full or nobody waits, `Err` to try again (passing over `passed`).
    async fn try_fill_one(
        &self,
        cohort: &CohortPlaces,
        at: Timestamp,
        notices: &PromotionNotices,
        passed: &[String],
    ) -> Result<Result<Option<Reference>, (Failed, String)>, StoreError> {
        let counted = self.counted(&cohort.offering, &cohort.cohort_key).await?;
        if counted.unwrap_or(0) >= i64::from(cohort.group_size) {
            return Ok(Ok(None));
        }
        let Some(candidate) = self.first_waiting(cohort, passed).await? else {
            return Ok(Ok(None));
        };
        let mut writes = Writes::default();
        self.promotion_writes(&candidate, at, notices, &mut writes)
            .await?;
        self.counter_write(
            &cohort.offering,
            &cohort.cohort_key,
            1,
            Some(cohort.group_size),
            &mut writes,
        )?;
        Ok(match self.apply(writes).await? {
            None => Ok(Some(candidate.stored.reference)),
            Some(failed) => Err((failed, candidate.reference)),
        })
    }

    async fn fill_places_now(
        &self,
        cohort: &CohortPlaces,
        at: Timestamp,
        notices: PromotionNotices,
    ) -> Result<Vec<Reference>, StoreError> {
        let mut promoted = Vec::new();
        let mut passed: Vec<String> = Vec::new();
        let mut attempt = 0;
        while attempt < ATTEMPTS {
            match self.try_fill_one(cohort, at, &notices, &passed).await? {
                Ok(Some(reference)) => promoted.push(reference),
                Ok(None) => return Ok(promoted),
                Err((Failed::Candidate, reference)) => passed.push(reference),
                Err((Failed::Again, _)) => {
                    backoff(attempt).await;
                    attempt += 1;
                }
            }
        }
        Err(StoreError::Backend(format!(
            "DynamoDB, filling a cohort's places: still conflicting after {ATTEMPTS} attempts"
        )))
    }

    async fn add_link(
        &self,
        token_hash: &str,
        reference: &Reference,
        received_at: Timestamp,
        valid_until: Timestamp,
    ) -> Result<(), StoreError> {
        // The link expires (TTL) with its registration, and `handler purge` finds it by the
        // registration's received time. One call: the notifier budgets a store call for it.
        let record = Item::from([
            (PK.to_string(), s(link_pk(token_hash))),
            (SK.to_string(), s(LINK_SK)),
            ("reference".to_string(), s(reference.as_str())),
            ("valid_until".to_string(), n(valid_until.as_millisecond())),
            ("received_at".to_string(), n(received_at.as_millisecond())),
            (EXPIRES_AT.to_string(), n(self.expires_at(received_at))),
        ]);
        // Listed on its registration's item in the same transaction, so that deleting the
        // registration now deletes the link with it (inbox.rs, `WITHDRAW_LINKS`).
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(record))
            .build()
            .map_err(build_error)?;
        let writes = vec![
            TransactWriteItem::builder().put(put).build(),
            self.list_link(reference, &link_pk(token_hash))?,
        ];
        let _write = WRITES.lock().await;
        let result = self
            .client()
            .await
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The registration was deleted meanwhile: no link to a registration gone.
            Err(err) if err.code() == Some("TransactionCanceledException") => Ok(()),
            Err(err) => Err(sdk("storing a withdrawal link", err)),
        }
    }
}

/// A short random wait before trying again, longer with each attempt.
async fn backoff(attempt: u32) {
    let jitter = rand::random::<u64>() % (10 * u64::from(attempt.min(10)) + 10);
    tokio::time::sleep(Duration::from_millis(jitter)).await;
}

impl PlaceStore for DynamoStore {
    fn add_withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
        reference: &'a Reference,
        received_at: Timestamp,
        valid_until: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.add_link(token_hash, reference, received_at, valid_until))
    }

    fn withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<WithdrawalLink>, StoreError>> {
        Box::pin(async move {
            let Some(item) = self.get_consistent(&link_pk(token_hash), LINK_SK).await? else {
                return Ok(None);
            };
            Ok(Some(WithdrawalLink {
                reference: Reference::parse(get_s(&item, "reference")?)
                    .ok_or_else(|| StoreError::Backend("a stored reference is malformed".into()))?,
                valid_until: Timestamp::from_millisecond(get_n(&item, "valid_until")?)
                    .map_err(|err| StoreError::Backend(err.to_string()))?,
                used: item.contains_key("used_at")
                    && !matches!(item.get("used_at"), Some(AttributeValue::Null(true))),
            }))
        })
    }

    fn change_place(&self, change: PlaceChange) -> BoxFuture<'_, Result<PlaceOutcome, StoreError>> {
        Box::pin(self.change_place_now(change))
    }

    fn fill_places<'a>(
        &'a self,
        cohort: &'a CohortPlaces,
        at: Timestamp,
        notices: PromotionNotices,
    ) -> BoxFuture<'a, Result<Vec<Reference>, StoreError>> {
        Box::pin(self.fill_places_now(cohort, at, notices))
    }
}
