//! Registrations that move (issue 13): a place given back, by the person (their withdrawal
//! link) or a coordinator, goes to the first person waiting for that cohort in the same atomic
//! step; a coordinator can also give a waiting person a place by hand, or mark a registered
//! person as not attending; and places a raised group size adds go to the people waiting.
//!
//! The promise is the same as [`super::Store::submit`]'s: the statuses, the places counted and
//! the promoted person's notifications change together or not at all (SQLite: one
//! `BEGIN IMMEDIATE` transaction; DynamoDB: one `TransactWriteItems` whose conditions are the
//! statuses read), so a cohort never takes more people than its group size, nobody is promoted
//! twice, and a promoted person is told exactly once (their notifications are queued with the
//! change, and sent later by the notifier: a mail outage delays, never loses).
//!
//! The waiting list's order is the order people joined it (received time, then reference).

use super::{BoxFuture, NewNotification, Status, StoreError, StoredSubmission};
use crate::reference::Reference;
use jiff::Timestamp;
use std::sync::Arc;

/// The notifications to queue for a person whose registration a change moved, decided from
/// their stored record (with its new status) by the caller: for a person who gets a place
/// from the waiting list (`registered`), their way to be contacted (an email to them, or a
/// notice asking coordinators to call); for a person withdrawn (`withdrawn`), the
/// coordinators' notice and, if they chose email, their confirmation. The store calls it
/// inside the change, for whoever the change promotes or withdraws, so what is queued is
/// exactly what happened, with it.
pub type PromotionNotices = Arc<dyn Fn(&StoredSubmission) -> Vec<NewNotification> + Send + Sync>;

/// One cohort's places, as its offering's file has them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortPlaces {
    /// The form its registrations come through (DynamoDB finds them by form).
    pub form: String,
    pub offering: String,
    pub cohort: String,
    /// The cohort's key, `<cohort>@<first start>` ([`crate::registration::PlaceRequest::cohort_key`]).
    pub cohort_key: String,
    /// How many places it has now.
    pub group_size: u32,
}

/// What a change does to one registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceAction {
    /// The person withdraws with their link (the hash of its token): registered or waiting,
    /// once, while the link is valid.
    WithdrawByLink { token_hash: String },
    /// A coordinator withdraws the person (registered or waiting).
    Withdraw,
    /// A coordinator marks a registered person as not attending: their place is freed.
    NotAttending,
    /// A coordinator gives a waiting person a place by hand, out of turn, even if the cohort
    /// is full (the coordinator's decision; the roster then shows no place left).
    Promote,
}

impl PlaceAction {
    /// The status this action leads to from `from`, and whether it frees a place; `None` when
    /// it does not apply to a registration in that status (both stores decide by this).
    pub fn transition(&self, from: Status) -> Option<(Status, bool)> {
        let withdraws = matches!(
            self,
            PlaceAction::WithdrawByLink { .. } | PlaceAction::Withdraw
        );
        match (self, from) {
            (_, Status::Registered) if withdraws => Some((Status::Withdrawn, true)),
            (_, Status::Waitlisted) if withdraws => Some((Status::Withdrawn, false)),
            (PlaceAction::NotAttending, Status::Registered) => Some((Status::NotAttending, true)),
            (PlaceAction::Promote, Status::Waitlisted) => Some((Status::Registered, false)),
            _ => None,
        }
    }
}

/// A change to one registration.
#[derive(Clone)]
pub struct PlaceChange {
    pub reference: Reference,
    pub action: PlaceAction,
    /// The cohort's group size now: a freed place goes to the first person waiting only while
    /// fewer people than this are registered.
    pub group_size: u32,
    /// Whether a freed place may still go to someone waiting (before the cohort's first
    /// session; afterwards a place freed by "not attending" stays free).
    pub promote: bool,
    /// The moment of the change as the offerings are seen (a preview's fixed clock, or the
    /// real time): whether a withdrawal link still works.
    pub at: Timestamp,
    /// When the notifications it queues are due: the real time (a preview's clock may be in
    /// the future, and mail must not wait for it).
    pub notify_at: Timestamp,
    pub notices: PromotionNotices,
}

impl std::fmt::Debug for PlaceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaceChange")
            .field("reference", &self.reference)
            .field("action", &self.action)
            .field("group_size", &self.group_size)
            .field("promote", &self.promote)
            .field("at", &self.at)
            .field("notify_at", &self.notify_at)
            .finish_non_exhaustive()
    }
}

/// What a [`PlaceChange`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// Done: the registration's new status, and who got the freed place (if anyone).
    Changed {
        status: Status,
        promoted: Option<Reference>,
    },
    /// Nothing to do: the registration is no longer in a state this applies to (withdrawn
    /// already, by this link or another way; or not waiting, for a promotion). Nothing changed.
    AlreadyDone { status: Status },
    /// The link is valid no more (the cohort has started). Nothing changed.
    LinkExpired,
    /// No such link, or no such registration (or it is past its retention). Nothing changed.
    NotFound,
}

/// What a withdrawal link names, looked up by its token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalLink {
    pub reference: Reference,
    /// When it stops working: the cohort's first session.
    pub valid_until: Timestamp,
    /// Whether this link was used.
    pub used: bool,
}

/// The stores' operations on places (implemented beside each backend: `sqlite/places.rs`,
/// `dynamodb/places.rs`; covered by the conformance suite, `conformance::places`).
pub trait PlaceStore {
    /// Records a withdrawal link for the registration `reference` (received at `received_at`,
    /// which dates the link's retention with its registration's): the hash of its token,
    /// valid until `valid_until`. A registration may have several (each email sent carries its
    /// own); any one of them withdraws it, once. One write.
    fn add_withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
        reference: &'a Reference,
        received_at: Timestamp,
        valid_until: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The link whose token has this hash, if one was issued (and its registration is kept).
    fn withdrawal_link<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<WithdrawalLink>, StoreError>>;

    /// Applies `change` and, when it frees a place before the cohort starts, gives the place to
    /// the first person waiting for the cohort, queuing their notifications: all in one atomic
    /// step (see the module documentation).
    fn change_place(&self, change: PlaceChange) -> BoxFuture<'_, Result<PlaceOutcome, StoreError>>;

    /// Gives the places the cohort has free (its group size was raised) to the people waiting,
    /// in order, each with their notifications; returns who was promoted, in order.
    fn fill_places<'a>(
        &'a self,
        cohort: &'a CohortPlaces,
        at: Timestamp,
        notices: PromotionNotices,
    ) -> BoxFuture<'a, Result<Vec<Reference>, StoreError>>;
}
