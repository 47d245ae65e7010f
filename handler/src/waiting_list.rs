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
//! - A raised group size: the new places go to the people waiting on the next registration
//!   for that cohort, before the newcomer is counted ([`fill_before_registering`]), so nobody
//!   who arrives later takes a place ahead of someone waiting.

use crate::config::Config;
use crate::content::Content;
use crate::registration::PlaceRequest;
use crate::store::places::{CohortPlaces, PlaceAction, PlaceChange, PromotionNotices};
use crate::store::{NewNotification, NotificationKind, Store, StoreError, StoredSubmission};
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

/// The change `action` makes to `stored` at `at`: a freed place goes to someone waiting only
/// before the cohort's first session, and a cohort gone from the offering's file frees its
/// place for no one.
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
        notices: promotion_notices(config, Arc::clone(content)),
    }
}

/// Who is told that a person waiting got a place: the person, by email, when their form's
/// acknowledgement goes to them (they chose email and gave an address); otherwise every
/// coordinator, asked to call them.
pub fn promotion_notices(config: &Config, content: Arc<Content>) -> PromotionNotices {
    let coordinators = config.coordinators.clone();
    Arc::new(move |stored: &StoredSubmission| {
        let submission = &stored.submission;
        let by_email = content
            .form(&submission.form)
            .is_some_and(|def| def.sends_acknowledgement(|name| submission.text(name)));
        match submission.email().filter(|_| by_email) {
            Some(email) => vec![NewNotification {
                kind: NotificationKind::Promotion,
                recipient: email.to_string(),
            }],
            None => coordinators
                .iter()
                .map(|address| NewNotification {
                    kind: NotificationKind::PromotionCall,
                    recipient: address.clone(),
                })
                .collect(),
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
) -> Result<Vec<crate::reference::Reference>, StoreError> {
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
