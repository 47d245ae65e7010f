//! The waiting list advancing: what the handler asks of the store when a registration moves
//! ([`crate::store::places`]), from the offering's file as it is now.
//!
//! - A stored registration's cohort: its group size now and its first session, which decide
//!   whether a freed place goes to someone waiting (only before the first session) and until
//!   when a withdrawal link works ([`cohort_of`]).
//! - Who a promoted person's news goes to ([`promotion_notices`]): the person, by email, when
//!   they chose email (the form's `[acknowledgement] only_when`, as for the acknowledgement);
//!   otherwise each coordinator, asked to call them. Decided from their stored record inside
//!   the store's change, so it is always about the person actually promoted.
//! - Places free while people wait (an editor raised the group size, or on DynamoDB a
//!   withdrawal that found nobody waiting freed its place while a simultaneous registrant
//!   joined the waiting list): they go to the people waiting on the next registration for that
//!   cohort, before the newcomer is counted ([`fill_before_registering`]), so nobody who
//!   arrives later takes a place ahead of someone waiting; and at the notifier's sweep (every
//!   poll of the local loop, the notifier Lambda's scheduled run, `handler notify`) for every
//!   cohort whose first session has not started ([`fill_open_cohorts`]), so a cohort that
//!   nobody registers for any more (closed, past its deadline) still advances.

use crate::config::Config;
use crate::content::Content;
use crate::reference::Reference;
use crate::registration::PlaceRequest;
use crate::store::places::{CohortPlaces, PlaceAction, PlaceChange, PromotionNotices};
use crate::store::{
    NewNotification, NotificationKind, Status, Store, StoreError, StoredSubmission,
};
use jiff::Timestamp;
use std::sync::Arc;

/// A stored registration's cohort, as its offering's file has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredCohort {
    pub offering: String,
    pub cohort: String,
    /// The places it has now.
    pub group_size: u32,
    /// Its first session's start: withdrawal links work, and freed places go to people
    /// waiting, until then.
    pub starts: Timestamp,
}

/// The cohort `stored` registered for, if its form names one and its offering's file still
/// has it with dates.
pub fn cohort_of(content: &Content, stored: &StoredSubmission) -> Option<RegisteredCohort> {
    let def = content.form(&stored.submission.form)?;
    let choice = stored.submission.cohort(def)?;
    let cohort_id = choice.cohort?;
    let offering = content.offerings.iter().find(|o| o.id == choice.offering)?;
    let cohort = offering.cohort(&cohort_id)?;
    Some(RegisteredCohort {
        offering: offering.id.clone(),
        cohort: cohort_id,
        group_size: offering.group_size,
        starts: cohort.sessions.first()?.start.timestamp(),
    })
}

/// The change `action` makes to `stored` at `at` (the offerings' clock): a freed place goes to
/// someone waiting only before the cohort's first session, and a cohort gone from the
/// offering's file frees its place for no one. Its notifications are due at the real time.
pub fn change_for(
    content: &Arc<Content>,
    config: &Config,
    stored: &StoredSubmission,
    action: PlaceAction,
    at: Timestamp,
) -> PlaceChange {
    let cohort = cohort_of(content, stored);
    PlaceChange {
        reference: stored.reference.clone(),
        action,
        group_size: cohort.as_ref().map_or(0, |c| c.group_size),
        promote: cohort.is_some_and(|c| at < c.starts),
        at,
        notify_at: Timestamp::now(),
        notices: promotion_notices(config, Arc::clone(content)),
    }
}

/// Who is told of a registration's move, by the person's new status (the store calls this
/// inside the change):
/// - a person waiting got a place (`registered`): the person, by email, when their form's
///   acknowledgement goes to them (they chose email and gave an address); otherwise every
///   coordinator, asked to call them;
/// - a person withdrew or was withdrawn (`withdrawn`): every coordinator (a notice without
///   personal data, as the others) and, when they chose email, the person (a confirmation);
/// - anything else (not attending): nobody.
pub fn promotion_notices(config: &Config, content: Arc<Content>) -> PromotionNotices {
    let coordinators = config.coordinators.clone();
    Arc::new(move |stored: &StoredSubmission| {
        let submission = &stored.submission;
        let by_email = content
            .form(&submission.form)
            .is_some_and(|def| def.sends_acknowledgement(|name| submission.text(name)));
        let email = submission.email().filter(|_| by_email);
        let to_coordinators = |kind| {
            coordinators
                .iter()
                .map(move |address| NewNotification {
                    kind,
                    recipient: address.clone(),
                })
                .collect::<Vec<_>>()
        };
        let to_person = |kind, email: &str| NewNotification {
            kind,
            recipient: email.to_string(),
        };
        match (stored.status, email) {
            (Status::Registered, Some(email)) => {
                vec![to_person(NotificationKind::Promotion, email)]
            }
            (Status::Registered, None) => to_coordinators(NotificationKind::PromotionCall),
            (Status::Withdrawn, email) => {
                let mut notes = to_coordinators(NotificationKind::Withdrawal);
                notes.extend(email.map(|e| to_person(NotificationKind::WithdrawalConfirmation, e)));
                notes
            }
            _ => Vec::new(),
        }
    })
}

/// Before a newcomer takes a place in `place`'s cohort: gives the places a raised group size
/// added to the people already waiting, in order (their news queued with it). Returns who.
pub async fn fill_before_registering(
    store: &dyn Store,
    content: &Arc<Content>,
    config: &Config,
    form: &str,
    place: &PlaceRequest,
    at: Timestamp,
) -> Result<Vec<Reference>, StoreError> {
    let cohort = CohortPlaces {
        form: form.to_string(),
        offering: place.offering.clone(),
        cohort: place.cohort.clone(),
        cohort_key: place.cohort_key(),
        group_size: place.group_size,
    };
    store
        .fill_places(&cohort, at, promotion_notices(config, Arc::clone(content)))
        .await
}

/// Gives the free places of every cohort whose first session is after `offerings_now` (the
/// moment offerings are seen at) to the people waiting for it, in order, each with their
/// notifications due at `at` (the real time: a preview's fixed clock must not delay mail).
/// One [`crate::store::places::PlaceStore::fill_places`] per form with a cohort field and cohort:
/// each as atomic as a withdrawal's promotion. Returns who was promoted.
pub async fn fill_open_cohorts(
    store: &dyn Store,
    content: &Arc<Content>,
    config: &Config,
    offerings_now: Timestamp,
    at: Timestamp,
) -> Result<Vec<Reference>, StoreError> {
    let notices = promotion_notices(config, Arc::clone(content));
    let mut promoted = Vec::new();
    for form in content.forms.iter().filter(|f| f.cohort_field().is_some()) {
        for cohort in open_cohorts(content, &form.id, offerings_now) {
            let filled = store.fill_places(&cohort, at, Arc::clone(&notices)).await?;
            promoted.extend(filled);
        }
    }
    Ok(promoted)
}

/// The cohorts with places (a group size) whose first session is after `now`, as registrations
/// through `form` count them.
fn open_cohorts(content: &Content, form: &str, now: Timestamp) -> Vec<CohortPlaces> {
    let mut open = Vec::new();
    for offering in content.offerings.iter().filter(|o| o.group_size > 0) {
        for cohort in &offering.cohorts {
            let Some(starts) = cohort.sessions.first().map(|s| s.start.timestamp()) else {
                continue;
            };
            if starts <= now {
                continue;
            }
            let place = PlaceRequest {
                offering: offering.id.clone(),
                cohort: cohort.id.clone(),
                starts,
                group_size: offering.group_size,
                waiting_list: true,
            };
            open.push(CohortPlaces {
                form: form.to_string(),
                offering: place.offering.clone(),
                cohort: place.cohort.clone(),
                cohort_key: place.cohort_key(),
                group_size: place.group_size,
            });
        }
    }
    open
}
