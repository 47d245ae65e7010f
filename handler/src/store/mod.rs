//! Where submissions and their pending notifications are kept.
//!
//! [`Store`] is the seam between the handler and a backend: the embedded SQLite file
//! ([`sqlite::SqliteStore`]) for local use, DynamoDB in production ([`dynamodb::DynamoStore`]).
//! Every backend must pass [`conformance`], the one suite of behaviour tests.
//!
//! The contract that matters most: [`Store::submit`] is one atomic step. It checks the
//! idempotency keys, counts the places taken in a cohort, stores the submission and queues its
//! notifications together, or does nothing at all. So a cohort never takes more people than
//! its group size, a double submit is stored once, and a stored submission always has its
//! notifications queued (the notifier sends them later, from the store).

pub mod auth;
pub mod conformance;
pub mod dynamodb;
pub mod inbox;
pub mod places;
pub mod sqlite;

pub use inbox::InboxStore;

use crate::reference::Reference;
use crate::registration::PlaceRequest;
use jiff::{SignedDuration, Timestamp};
use model::forms::Submission;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that [`Store`] and [`crate::delivery::mail::Mailer`] can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What became of a stored submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// An intake request or feedback: received, for the coordinators to act on.
    Received,
    /// A place in a cohort was taken.
    Registered,
    /// The cohort was full or closed; the person is on its waiting list.
    Waitlisted,
    /// Interest in an offering without dates.
    Interest,
    /// The person gave back their place or left the waiting list (their withdrawal link, or a
    /// coordinator for them).
    Withdrawn,
    /// A coordinator marked a registered person as not attending: their place was freed.
    NotAttending,
}

impl Status {
    /// The name stored and shown in URLs: `received`, `registered`, `waitlisted`, `interest`,
    /// `withdrawn`, `not-attending`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Registered => "registered",
            Status::Waitlisted => "waitlisted",
            Status::Interest => "interest",
            Status::Withdrawn => "withdrawn",
            Status::NotAttending => "not-attending",
        }
    }

    /// The inverse of [`Status::as_str`].
    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Received,
            Status::Registered,
            Status::Waitlisted,
            Status::Interest,
            Status::Withdrawn,
            Status::NotAttending,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Who a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationKind {
    /// A coordinator: "a new submission arrived".
    Coordinator,
    /// The person: an acknowledgement of receipt, without their answers.
    Acknowledgement,
    /// The person, who was waiting: a place became free and is theirs (with their new
    /// withdrawal link). Queued with the change that promoted them (crate::store::places).
    Promotion,
    /// A coordinator: a person who was waiting, and asked not to be emailed, now has a place;
    /// call them to tell them.
    PromotionCall,
    /// A coordinator: a registration or a place on a waiting list was withdrawn (by its
    /// link or by a coordinator). Queued with the withdrawal (crate::store::places).
    Withdrawal,
    /// The person, who chose email: their place (or place on the waiting list) is cancelled.
    WithdrawalConfirmation,
}

impl NotificationKind {
    /// `coordinator`, `acknowledgement`, `promotion`, `promotion-call`, `withdrawal` or
    /// `withdrawal-confirmation`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Coordinator => "coordinator",
            NotificationKind::Acknowledgement => "acknowledgement",
            NotificationKind::Promotion => "promotion",
            NotificationKind::PromotionCall => "promotion-call",
            NotificationKind::Withdrawal => "withdrawal",
            NotificationKind::WithdrawalConfirmation => "withdrawal-confirmation",
        }
    }

    /// The inverse of [`NotificationKind::as_str`].
    pub fn parse(text: &str) -> Option<NotificationKind> {
        [
            NotificationKind::Coordinator,
            NotificationKind::Acknowledgement,
            NotificationKind::Promotion,
            NotificationKind::PromotionCall,
            NotificationKind::Withdrawal,
            NotificationKind::WithdrawalConfirmation,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// Whether it goes to the person (and so in their language, by their way of contact).
    pub fn to_person(self) -> bool {
        matches!(
            self,
            NotificationKind::Acknowledgement
                | NotificationKind::Promotion
                | NotificationKind::WithdrawalConfirmation
        )
    }
}

/// One email to send about a submission, to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub kind: NotificationKind,
    pub recipient: String,
}

/// The cap on acknowledgements to one address in one day. Without it anyone could make the
/// program email a stranger, as often as they like, by typing the stranger's address. The store
/// keeps a count per key, never the address: the key is a keyed hash of the address and the
/// day (crate::ack_limit), and the count is deleted a couple of days later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckQuota {
    /// The keyed hash of the address and the day (hex).
    pub key: String,
    /// How many acknowledgements the address may get that day.
    pub limit: u32,
    /// When the count may be forgotten.
    pub expires_at: Timestamp,
}

/// A submission ready to be stored.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// A freshly drawn reference; [`StoreError::ReferenceTaken`] if another has it.
    pub reference: Reference,
    pub received_at: Timestamp,
    /// Keys identifying the same submission sent twice. If any is already stored, nothing is
    /// stored and the earlier submission is returned. The first is recorded with this one.
    pub idempotency_keys: Vec<String>,
    pub submission: Submission,
    /// For a registration in a cohort with a group size: the place to take.
    pub place: Option<PlaceRequest>,
    /// The status when there is no place to take (received, interest, or waitlisted when the
    /// cohort is closed).
    pub status: Status,
    /// Who to tell, queued in the same step.
    pub notifications: Vec<NewNotification>,
    /// When the notifications are first due: `received_at`, or later for anonymous feedback
    /// (sent in a morning batch, so an email's time cannot point to who wrote it).
    pub notify_at: Timestamp,
    /// The cap on the acknowledgement among the notifications: once its address has had its
    /// day's share, the submission and the coordinators' notices are stored, the
    /// acknowledgement is not. `None`: no cap.
    pub ack_quota: Option<AckQuota>,
}

impl NewSubmission {
    /// Whether an acknowledgement is among the notifications to queue.
    pub fn asks_acknowledgement(&self) -> bool {
        self.notifications
            .iter()
            .any(|n| n.kind == NotificationKind::Acknowledgement)
    }
}

/// What [`Store::submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Stored now; `acknowledged` when an acknowledgement was queued with it (not when none
    /// was asked, nor when its address had had its day's share: [`AckQuota`]).
    Stored {
        reference: Reference,
        status: Status,
        acknowledged: bool,
    },
    /// The same submission was stored before: nothing new stored; its reference and status,
    /// and whether an acknowledgement was queued with it (so a double submit's confirmation
    /// promises what the first one did).
    Duplicate {
        reference: Reference,
        status: Status,
        acknowledged: bool,
    },
    /// The cohort is full and the person did not ask for the waiting list: nothing stored.
    Full,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubmission {
    pub reference: Reference,
    pub status: Status,
    pub received_at: Timestamp,
    pub submission: Submission,
}

/// A notification due to be sent, claimed by one notifier for a while (its lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    /// The backend's id for the notification.
    pub id: String,
    pub reference: Reference,
    pub kind: NotificationKind,
    pub recipient: String,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// A notification the notifier gave up on (refused for good, or out of attempts), kept for an
/// operator to see and, once the cause is fixed, put back in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedNotification {
    /// The backend's id for the notification.
    pub id: String,
    pub reference: Reference,
    pub kind: NotificationKind,
    /// Attempts made.
    pub attempts: u32,
    /// Why it was given up on (names no person).
    pub reason: String,
}

/// A notification's id: `<reference>-<index>`, the submission's random reference and the
/// notification's place among that submission's own (`K7MW4XTA-001`). Not a counter: a counter
/// numbers every notification in order of arrival, and so would place anonymous feedback, which
/// keeps its date only, between timed submissions (crate::anonymous).
pub fn notification_id(reference: &str, index: usize) -> String {
    format!("{reference}-{index:03}")
}

/// The reference and index a [`notification_id`] names.
pub fn parse_notification_id(id: &str) -> Result<(Reference, usize), StoreError> {
    id.split_once('-')
        .and_then(|(reference, index)| Some((Reference::parse(reference)?, index.parse().ok()?)))
        .filter(|(reference, _)| id.starts_with(reference.as_str()))
        .ok_or_else(|| StoreError::Backend(format!("`{id}` is not a notification id")))
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another submission already has this reference: draw another and try again.
    #[error("the reference is already taken")]
    ReferenceTaken,
    /// The backend failed (disk, network, database). The message names no person.
    #[error("the store failed: {0}")]
    Backend(String),
}

/// Durable storage of submissions and the outbox of their notifications; and, through
/// [`auth::AuthStore`] and [`InboxStore`], what the coordinators' workspace keeps; and,
/// through [`places::PlaceStore`], registrations that move.
pub trait Store: auth::AuthStore + InboxStore + places::PlaceStore + Send + Sync + 'static {
    /// Stores a submission and queues its notifications in one atomic step (see the module
    /// documentation). Returns only once the submission is durable.
    fn submit(&self, new: NewSubmission) -> BoxFuture<'_, Result<SubmitOutcome, StoreError>>;

    /// The submission with this reference, if still kept.
    fn get<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<StoredSubmission>, StoreError>>;

    /// Every submission of `form`, oldest first (for coordinators' exports).
    fn list<'a>(
        &'a self,
        form: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredSubmission>, StoreError>>;

    /// Up to `limit` unsent notifications due at `now`, each claimed until `now + lease` so
    /// that two notifiers never send the same one at once.
    fn claim_due(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<PendingNotification>, StoreError>>;

    /// Claims the notification `id` until `now + lease` if it is unsent and due at `now`
    /// (`None` otherwise: already sent, abandoned, claimed by another notifier, or not due).
    /// The DynamoDB stream names notifications one by one; this conditional claim is what keeps
    /// the stream and the sweep from both sending one.
    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> BoxFuture<'a, Result<Option<PendingNotification>, StoreError>>;

    /// Records that a notification was sent.
    fn mark_sent<'a>(&'a self, id: &'a str, at: Timestamp)
    -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records a failed attempt: retry at `retry_at`, or never (`None`, for a message that can
    /// never be sent, such as an address the mail library refuses). `reason` names no person.
    fn mark_failed<'a>(
        &'a self,
        id: &'a str,
        retry_at: Option<Timestamp>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Deletes the submissions received before `before`, with their notifications; returns
    /// how many submissions were deleted.
    fn purge(&self, before: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>>;

    /// When the longest-waiting notification was first due, among those still waiting at
    /// `now` (unsent, not given up on, first due at or before `now`, claimed or not); `None`
    /// when none is waiting. A retry does not reset it: this is the notifier's backlog age
    /// (crate::delivery::notifier). Its first due time is `notify_at`, a date-only time for anonymous
    /// feedback, so it says nothing finer than anonymous feedback's day.
    fn oldest_waiting(
        &self,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<Option<Timestamp>, StoreError>>;

    /// Every notification given up on (unsent, with no due time), by id; those of submissions
    /// past their retention may be left out.
    fn failed_notifications(&self) -> BoxFuture<'_, Result<Vec<FailedNotification>, StoreError>>;

    /// Puts the notification `id`, given up on, back in the queue: due at `at`, its attempts
    /// counted from zero again (its last error kept until the next attempt). `false` when it
    /// is not given up on (sent, still queued, or gone).
    fn requeue<'a>(&'a self, id: &'a str, at: Timestamp)
    -> BoxFuture<'a, Result<bool, StoreError>>;
}
